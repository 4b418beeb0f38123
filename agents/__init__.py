"""Mesa agents: the public face of the model's vectorised state."""

from agents.government import Government
from agents.resident import Resident
from agents.social_org import SocialOrganisation

__all__ = ["Government", "Resident", "SocialOrganisation"]
