"""Shared pieces of the compliance models: the visibility rule of organisation-wide compliance data and bilingual
text helpers."""

from __future__ import annotations

from django.db.models import Q

from aims.core.permissions import VIEW, can_anywhere


class OrganisationWideCompliance:
    """Mixin for compliance data that belongs to no unit (frameworks, the Statement of Applicability, assessments,
    policies): everyone who may read compliance data somewhere reads it; changing it needs a grant over the whole
    organisation (unit_path None does that)."""

    permission_domain = "compliance"
    unit_path = None

    @classmethod
    def restrict_extra(cls, user, action):
        if action == VIEW and can_anywhere(user, VIEW, "compliance"):
            return Q(pk__isnull=False)
        return Q(pk__in=[])


def pick(obj, field: str, language: str) -> str:
    """`obj.<field>_fr` in French when filled, else `obj.<field>_en`."""
    if language == "fr":
        return getattr(obj, f"{field}_fr", "") or getattr(obj, f"{field}_en", "")
    return getattr(obj, f"{field}_en", "")
