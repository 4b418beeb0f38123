"""Mesa agents: the institutions, each deciding in its own ``step()``, and the residents' public face."""

from agents.committee import ResidentsCommittee
from agents.government import Government
from agents.party import PartyOrganisation
from agents.resident import Resident
from agents.social_org import SocialOrganisation
from agents.unit import AreaUnit

__all__ = ["AreaUnit", "Government", "PartyOrganisation", "Resident", "ResidentsCommittee", "SocialOrganisation"]
