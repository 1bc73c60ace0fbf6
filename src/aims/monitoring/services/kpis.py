"""KPI definitions and their governed thresholds."""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from aims.core.permissions import ADD, CHANGE, require
from aims.core.services import _create, _save_with_changes
from aims.inventory.services._common import ensure_not_frozen

from .. import catalog
from ..models import Direction, Family, Frequency, Kpi, ThresholdChange
from ..people import may_own_kpis

EDITABLE = ("name", "description", "unit", "frequency", "owner", "data_source", "is_active")
THRESHOLD_FIELDS = ("target", "warning", "critical", "direction")


def _number(value, field: str):
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not math.isfinite(number):
        raise ValidationError({field: _("Enter a finite number.")})
    return number


def check_thresholds(*, direction: str, target, warning, critical) -> tuple:
    """The thresholds as numbers, refused when they contradict the direction (for "higher is better": critical <=
    warning <= target; for "lower is better": the reverse)."""
    if direction not in Direction.values:
        raise ValidationError({"direction": _("Choose higher or lower is better.")})
    target, warning, critical = (_number(target, "target"), _number(warning, "warning"),
                                 _number(critical, "critical"))
    ordered = [(name, value) for name, value in (("critical", critical), ("warning", warning), ("target", target))
               if value is not None]
    if direction == Direction.LOWER:
        ordered.reverse()
    for (low_name, low), (high_name, high) in zip(ordered, ordered[1:]):
        if low > high:
            if direction == Direction.HIGHER:
                message = _("With “higher is better”, the critical threshold must not exceed the warning threshold, "
                            "nor the warning threshold the target.")
            else:
                message = _("With “lower is better”, the target must not exceed the warning threshold, nor the "
                            "warning threshold the critical threshold.")
            raise ValidationError({high_name if direction == Direction.HIGHER else low_name: message})
    return target, warning, critical


def _check_owner(owner, system) -> None:
    if owner is None:
        raise ValidationError({"owner": _("Name the person responsible for this KPI.")})
    if not may_own_kpis(owner, system):
        raise ValidationError({"owner": _("%(person)s cannot act on this system's monitoring (acknowledge alerts, "
                                          "change thresholds); choose someone who can.") % {"person": owner}})


@transaction.atomic
def create_kpi(*, actor, system, owner, catalogue_key: str = "", key: str = "", name: str = "", family: str = "",
               unit: str | None = None, direction: str | None = None, frequency: str | None = None,
               target=None, warning=None, critical=None, description: str = "", data_source: str = "",
               rationale: str = "", reason: str = "") -> Kpi:
    """Define a KPI of `system`, from the catalogue (`catalogue_key`) or custom (`name`, `family`); its first
    thresholds are version 1."""
    require(actor, ADD, domain="monitoring", unit=system.unit)
    ensure_not_frozen(system)
    if catalogue_key:
        entry = catalog.kpi_entry(catalogue_key)
        if entry is None:
            raise ValidationError({"catalogue_key": _("Unknown catalogue KPI.")})
        family = entry["family"]
        key = key or catalogue_key
        unit = entry.get("unit", "") if unit is None else unit
        direction = direction or entry.get("direction", Direction.HIGHER)
        frequency = frequency or entry.get("frequency", Frequency.DAILY)
    else:
        name = (name or "").strip()
        if not name:
            raise ValidationError({"name": _("Name the custom KPI.")})
        if family not in Family.values:
            raise ValidationError({"family": _("Choose the KPI's family.")})
        key = key or slugify(name)[:60]
    key = (key or "").strip()
    if not key:
        raise ValidationError({"key": _("Give the KPI a key.")})
    if Kpi.objects.filter(system=system, key=key).exists():
        raise ValidationError({"key": _("This system already has a KPI with the key “%(key)s”.") % {"key": key}})
    direction = direction or Direction.HIGHER
    target, warning, critical = check_thresholds(direction=direction, target=target, warning=warning,
                                                 critical=critical)
    _check_owner(owner, system)
    kpi = _create(actor=actor, reason=reason, obj=Kpi(
        system=system, key=key, catalogue_key=catalogue_key, family=family, name=name, description=description,
        unit=unit or "", direction=direction, target=target, warning=warning, critical=critical,
        frequency=frequency or Frequency.DAILY, owner=owner, data_source=data_source))
    ThresholdChange.objects.create(
        kpi=kpi, version=1, target=target, warning=warning, critical=critical, direction=direction,
        rationale=(rationale or "").strip() or _("Initial thresholds."), changed_by=_person(actor))
    return kpi


def _person(actor):
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def update_kpi(*, actor, kpi: Kpi, changes: dict, expected_version: int | None = None, reason: str = "") -> Kpi:
    """Change what describes a KPI. Thresholds are not changed here (see change_thresholds)."""
    require(actor, CHANGE, kpi)
    ensure_not_frozen(kpi.system)
    if set(changes) & set(THRESHOLD_FIELDS):
        raise ValidationError({field: _("Thresholds change with a rationale, on their own form.")
                               for field in sorted(set(changes) & set(THRESHOLD_FIELDS))})
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in sorted(unknown)})
    if "owner" in changes:
        _check_owner(changes["owner"], kpi.system)
    if "name" in changes and not kpi.catalogue_key and not (changes["name"] or "").strip():
        raise ValidationError({"name": _("Name the custom KPI.")})
    kpi = _save_with_changes(actor=actor, obj=kpi, changes=changes, reason=reason, expected_version=expected_version)
    if changes.get("is_active") is False and kpi.stale_since is not None:
        Kpi.objects.filter(pk=kpi.pk).update(stale_since=None)
        kpi.stale_since = None
    return kpi


@transaction.atomic
def change_thresholds(*, actor, kpi: Kpi, rationale: str, target=None, warning=None, critical=None,
                      direction: str | None = None, expected_version: int | None = None) -> Kpi:
    """Governed change: a rationale is required, the new thresholds become a new version, and the ledger records
    the before and after with the rationale. The KPI's current status is judged again at once."""
    require(actor, CHANGE, kpi)
    ensure_not_frozen(kpi.system)
    rationale = (rationale or "").strip()
    if not rationale:
        raise ValidationError({"rationale": _("Say why the thresholds change: the rationale is kept with them.")})
    direction = direction or kpi.direction
    target, warning, critical = check_thresholds(direction=direction, target=target, warning=warning,
                                                 critical=critical)
    new = {"target": target, "warning": warning, "critical": critical, "direction": direction}
    if all(getattr(kpi, field) == value for field, value in new.items()):
        raise ValidationError(_("These are the current thresholds: nothing to change."))
    previous_status = kpi.status
    kpi = _save_with_changes(actor=actor, obj=kpi, reason=rationale, expected_version=expected_version,
                             action="monitoring.kpi.thresholds",
                             changes={**new, "threshold_version": kpi.threshold_version + 1})
    ThresholdChange.objects.create(kpi=kpi, version=kpi.threshold_version, rationale=rationale,
                                   changed_by=_person(actor), **new)
    status = kpi.status_for(kpi.last_value) if kpi.last_measured_at else kpi.status
    if status != previous_status:
        Kpi.objects.filter(pk=kpi.pk).update(status=status)
        kpi.status = status
        from . import alerts

        alerts.kpi_status_changed(actor=actor, kpi=kpi, previous=previous_status)
    return kpi

