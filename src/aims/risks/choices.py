"""Risk categories and the visibility rule of organisation-wide reference data.

Kept outside the models package so pure modules (catalogue parsing, scoring) import it without the app registry.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aims.core.permissions import VIEW, can_anywhere


class RiskCategory(models.TextChoices):
    """The AIMS AI risk taxonomy's top level (catalogs/risks/ai-risk-taxonomy.yaml holds the same keys)."""

    QUALITY_RELIABILITY = "quality_reliability", _("Quality and reliability")
    SECURITY = "security", _("Security")
    PRIVACY = "privacy", _("Privacy")
    BIAS_DISCRIMINATION = "bias_discrimination", _("Bias and discrimination")
    REGULATORY = "regulatory", _("Regulatory")
    IP_CONTENT = "ip_content", _("IP and content")
    SUPPLIER_DEPENDENCY = "supplier_dependency", _("Supplier dependency and lock-in")
    OPERATIONS = "operations", _("Operations")


class OrganisationWideReference:
    """Mixin for reference data (methods, catalogues) that belongs to no unit.

    Everyone who may read risks somewhere must be able to read the method and catalogues that score and describe
    them; changing them stays with roles granted over the whole organisation (unit_path None does that).
    """

    permission_domain = "risks"
    unit_path = None

    @classmethod
    def restrict_extra(cls, user, action):
        if action == VIEW and can_anywhere(user, VIEW, "risks"):
            return Q()
        return Q(pk__in=[])
