"""Helpers shared by the compliance services."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from aims.core.assignment import check_assignee
from aims.core.permissions import VIEW, require


def today() -> date:
    return timezone.localdate()


def require_or_system(actor, action: str, obj=None, *, domain: str = "compliance", unit=None) -> None:
    """`require`, except that actor None means trusted code (a periodic job, the CLI, a demo loader, another module's
    service that already authorised its own change). Views and the API always pass a person."""
    if actor is None:
        return
    require(actor, action, obj, domain=domain, unit=unit)


def check_compliance_person(*, actor, person, unit, field: str, what: str) -> None:
    """An owner, backup or tester acts on what they are named for (their name lets them): they must at least see it,
    in its unit, or anywhere for what belongs to the whole organisation (core.assignment)."""
    check_assignee(actor=actor, person=person, action=VIEW, domain="compliance", unit=unit, field=field, what=what,
                   anywhere=unit is None)


def clean_text(value, field: str, *, required: bool = False, limit: int = 20000, message: str = "") -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationError({field: _("Enter text.")})
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: message or _("This field is required.")})
    if len(text) > limit:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": limit}})
    if "\x00" in text:
        raise ValidationError({field: _("Text may not contain NUL characters.")})
    return text


def reject_unknown(changes: dict, allowed) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in sorted(unknown)})
