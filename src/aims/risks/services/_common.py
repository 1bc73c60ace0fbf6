"""Helpers shared by the risk services."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from aims.core import context
from aims.core.permissions import require

from ..models import RiskMethod


def risk_url(risk_id) -> str:
    try:
        return reverse("risks:risk_detail", args=[risk_id])
    except NoReverseMatch:
        return f"/risks/{risk_id}/"


def today() -> date:
    return context.today()


def require_or_system(actor, action: str, obj=None, *, domain: str = "risks", unit=None) -> None:
    """`require`, except that actor None means trusted code (a periodic job, the CLI, another module's service that
    already authorised its own change). Views and the API always pass a person, never None."""
    if actor is None:
        return
    require(actor, action, obj, domain=domain, unit=unit)


def active_method() -> RiskMethod | None:
    return RiskMethod.objects.filter(status=RiskMethod.Status.ACTIVE).first()


def require_active_method() -> RiskMethod:
    method = active_method()
    if method is None:
        raise ValidationError({"method": _("No risk method is active yet: a risk manager must activate one first.")})
    return method


def check_readable(actor, objects, field: str) -> None:
    """A person may only link objects they can see (no linking blind across units)."""
    if actor is None or not objects:
        return
    model = type(objects[0])
    ids = {o.pk for o in objects}
    visible = set(model._default_manager.restrict(actor, "view").filter(pk__in=ids).values_list("pk", flat=True))
    if ids - visible:
        raise PermissionDenied(_("You are not allowed to link some of these %(field)s.") % {"field": field})


def review_due(days: int) -> date:
    return today() + timedelta(days=days)


def clean_text(value, field: str, *, required: bool = False, limit: int = 20000) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise ValidationError({field: _("Enter text.")})
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > limit:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": limit}})
    return text
