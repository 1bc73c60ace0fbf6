"""The organisation's regulatory profile (one row), kept by AIMS managers and administrators."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aims.core.permissions import CHANGE, can_in_unit
from aims.core.services import _create, _save_with_changes

from ..models import Incident, RegulatoryProfile

PROFILE_EDITABLE = ("nis2_entity", "financial_entity", "digital_products_manufacturer", "notes")


@transaction.atomic
def update_profile(*, actor, changes: dict, expected_version: int | None = None, reason: str = "") -> RegulatoryProfile:
    """Change the profile; the open incidents' proposals follow (a new regime may be proposed)."""
    if not can_in_unit(actor, CHANGE, "organisation", None):
        raise PermissionDenied(_("Only people who manage the whole organisation may change its regulatory profile."))
    unknown = set(changes) - set(PROFILE_EDITABLE)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    profile = RegulatoryProfile.objects.order_by("pk").first()
    if profile is None:
        profile = _create(actor=actor, obj=RegulatoryProfile(**changes), reason=reason)
    else:
        profile = _save_with_changes(actor=actor, obj=profile, changes=changes, reason=reason,
                                     expected_version=expected_version)
    from .regimes import refresh

    for incident in Incident.objects.filter(status__in=["reported", "triaged", "contained"]).select_related(
            "handler").prefetch_related("systems"):
        refresh(actor=actor, incident=incident, systems=list(incident.systems.all()))
    return profile
