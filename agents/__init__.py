"""Mesa agents: the institutions, each deciding in its own ``step()``, and the residents' public face."""

from agents.committee import ResidentsCommittee
from agents.government import Government
from agents.owners import OwnersCommittee
from agents.party import PartyOrganisation
from agents.property import PropertyCompany
from agents.resident import Resident
from agents.social_org import SocialOrganisation
from agents.unit import AreaUnit

__all__ = ["AreaUnit", "Government", "OwnersCommittee", "PartyOrganisation", "PropertyCompany", "Resident",
           "ResidentsCommittee", "SocialOrganisation"]
