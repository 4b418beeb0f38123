"""The community's structure and the social-capital graph."""

from __future__ import annotations

import networkx as nx
import numpy as np

from model.community import CommunityModel
from model.network import HOUSEHOLD


def test_default_community_has_about_2000_adults_in_8_buildings_and_2_grids():
    m = CommunityModel(scenario_name="top_down", rng=1)
    s = m.structure
    assert 1800 <= m.n_residents <= 2300
    assert s.n_buildings == 8 and s.n_grids == 2
    households_per_grid = np.bincount(s.grid[np.unique(s.household, return_index=True)[1]])
    assert np.all((households_per_grid >= 300) & (households_per_grid <= 500))
    assert len(m.residents) == m.n_residents
    assert len(m.social_orgs) == m.config.social_orgs.count


def test_age_and_disposition_shares_follow_the_config():
    m = CommunityModel(scenario_name="top_down", rng=2, **{"community.buildings": 40})
    ages = np.bincount(m.state.age_group, minlength=3) / m.n_residents
    assert np.allclose(ages, [0.25, 0.48, 0.27], atol=0.02)
    disp = np.bincount(m.state.disposition, minlength=4) / m.n_residents
    assert np.allclose(disp, [0.50, 0.30, 0.06, 0.14], atol=0.02)
    # Party members skew elderly; digital access is lowest among the elderly.
    s = m.state
    assert s.party_member[s.age_group == 2].mean() > s.party_member[s.age_group == 0].mean()
    assert s.digital_access[s.age_group == 2].mean() < s.digital_access[s.age_group == 0].mean() - 0.3


def test_graph_is_symmetric_simple_and_structured():
    m = CommunityModel(scenario_name="top_down", rng=3)
    g, s = m.graph, m.structure
    a = g.adjacency
    assert (a != a.T).nnz == 0, "tie strengths must be symmetric"
    assert np.all(g.rows != g.cols), "no self-ties"
    assert np.all((g.strength >= 0) & (g.strength <= 1))
    # Every pair of adults in a household is tied.
    hh = g.kind == HOUSEHOLD
    assert np.all(s.household[g.rows[hh]] == s.household[g.cols[hh]])
    sizes = np.bincount(s.household)
    assert hh.sum() == (sizes * (sizes - 1)).sum()
    # Dense within buildings, sparse across.
    within = (s.building[g.rows] == s.building[g.cols]).mean()
    assert within > 0.7


def test_age_homophily_makes_same_age_ties_more_common_than_chance():
    def same_age_share(h):
        m = CommunityModel(scenario_name="top_down", rng=4, **{"community.age_homophily": h})
        g, age = m.graph, m.state.age_group
        nb = g.neighbour_tie
        return (age[g.rows[nb]] == age[g.cols[nb]]).mean()

    assert same_age_share(0.8) > same_age_share(0.0) + 0.1


def test_graph_is_small_world():
    m = CommunityModel(scenario_name="top_down", rng=5)
    G = m.social_graph()
    giant = G.subgraph(max(nx.connected_components(G), key=len))
    assert giant.number_of_nodes() > 0.95 * m.n_residents
    n, e = giant.number_of_nodes(), giant.number_of_edges()
    random_clustering = 2 * e / (n * (n - 1))
    assert nx.average_clustering(giant) > 10 * random_clustering
    sample = list(giant.nodes)[:30]
    lengths = [np.mean(list(nx.single_source_shortest_path_length(giant, v).values())) for v in sample]
    assert np.mean(lengths) < 8, "shortcuts keep paths short"


def test_networkx_view_carries_weights_and_resident_attributes(small_model):
    G = small_model.social_graph()
    assert G.number_of_nodes() == small_model.n_residents
    assert G.number_of_edges() == small_model.graph.n_ties
    u, v, d = next(iter(G.edges(data=True)))
    assert d["weight"] == small_model.graph.adjacency[u, v]
    assert G.nodes[0]["age_group"] in ("youth", "middle", "elderly")
