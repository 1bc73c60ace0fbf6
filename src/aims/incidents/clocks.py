"""Regulatory clocks as data: the catalogue (catalogs/incident_clocks.yaml) read into regimes and deadlines, and the
arithmetic of a deadline from its anchor. Pure functions of their inputs (no database): the services give them the
incident's events and submissions, the tests give them tables.

All arithmetic is in UTC: an anchor is converted to UTC first, hours and days are elapsed time (a day is 24 hours,
whatever a daylight-saving change does to the wall clock), months are calendar months (same day and time in UTC, the
last day of a shorter month). Pages convert the result to the reader's time zone.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aims.catalogs import localised, shared_catalog

CATALOGUE = "incident_clocks"
EVENT_ANCHORS = ("aware", "detected", "classified_major", "fix_available")
SUBMITTED = "submitted:"


@dataclass(frozen=True)
class Period:
    hours: int = 0
    days: int = 0
    months: int = 0

    @classmethod
    def parse(cls, data: dict) -> "Period":
        unknown = set(data or {}) - {"hours", "days", "months"}
        if unknown or not data:
            raise ValueError(f"a period is {{hours|days|months: n}}, not {data!r}")
        return cls(**{key: int(value) for key, value in data.items()})

    def after(self, moment: datetime) -> datetime:
        """`moment` plus this period, computed in UTC."""
        at = moment.astimezone(UTC)
        if self.months:
            month_index = at.month - 1 + self.months
            year, month = at.year + month_index // 12, month_index % 12 + 1
            at = at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1]))
        return at + timedelta(days=self.days, hours=self.hours)

    def text(self) -> str:
        return " ".join(f"{n}{unit}" for n, unit in ((self.months, "mo"), (self.days, "d"), (self.hours, "h")) if n) or "0h"


@dataclass(frozen=True)
class Variant:
    when: tuple[str, ...]
    after: Period


@dataclass(frozen=True)
class Deadline:
    regime: str
    key: str
    label: dict
    anchor: str
    after: Period
    cap_anchor: str = ""
    cap_after: Period | None = None
    variants: tuple[Variant, ...] = ()
    incomplete_allowed: bool = False

    @property
    def code(self) -> str:
        return f"{self.regime}.{self.key}"

    def label_in(self, language: str) -> str:
        return localised(self.label, language)


@dataclass(frozen=True)
class Regime:
    key: str
    label: dict
    authority: dict
    applies_when: tuple[str, ...]
    deadlines: tuple[Deadline, ...]
    escalation: tuple[float, ...]
    late_reason_required: bool = False
    evidence_hold: bool = False

    def label_in(self, language: str) -> str:
        return localised(self.label, language)

    def authority_in(self, language: str) -> str:
        return localised(self.authority, language)

    def deadline(self, key: str) -> Deadline:
        return next(d for d in self.deadlines if d.key == key)


@dataclass
class Catalogue:
    version: str
    regimes: dict[str, Regime] = field(default_factory=dict)


def _check_anchor(anchor: str, regime: str, keys: set[str]) -> str:
    if anchor in EVENT_ANCHORS or (anchor.startswith(SUBMITTED) and anchor[len(SUBMITTED):] in keys):
        return anchor
    raise ValueError(f"{regime}: unknown anchor {anchor!r}")


def parse(data: dict) -> Catalogue:
    """The catalogue's data as regimes; a malformed entry is an error naming it (an administrator's copy is read too)."""
    default_points = tuple(float(p) for p in data.get("escalation") or ())
    catalogue = Catalogue(version=str(data["version"]))
    for regime_key, entry in (data.get("regimes") or {}).items():
        keys = {d["key"] for d in entry.get("deadlines") or ()}
        deadlines = []
        for item in entry.get("deadlines") or ():
            cap = item.get("cap") or {}
            deadlines.append(Deadline(
                regime=regime_key, key=item["key"], label=item.get("label") or {"en": item["key"]},
                anchor=_check_anchor(item["anchor"], regime_key, keys), after=Period.parse(item["after"]),
                cap_anchor=_check_anchor(cap["anchor"], regime_key, keys) if cap else "",
                cap_after=Period.parse(cap["after"]) if cap else None,
                variants=tuple(Variant(tuple(v["when"]), Period.parse(v["after"])) for v in item.get("variants") or ()),
                incomplete_allowed=bool(item.get("incomplete_allowed"))))
        points = tuple(float(p) for p in entry.get("escalation", default_points))
        if any(not 0 < p < 1 for p in points):
            raise ValueError(f"{regime_key}: escalation points lie between 0 and 1")
        catalogue.regimes[regime_key] = Regime(
            key=regime_key, label=entry.get("label") or {"en": regime_key}, authority=entry.get("authority") or {},
            applies_when=tuple(entry.get("applies_when") or ()), deadlines=tuple(deadlines),
            escalation=tuple(sorted(points)), late_reason_required=bool(entry.get("late_reason_required")),
            evidence_hold=bool(entry.get("evidence_hold")))
    return catalogue


_parsed: tuple[dict | None, Catalogue | None] = (None, None)


def catalogue() -> Catalogue:
    """The parsed catalogue, parsed again only when its file changed (a sweep asks for it once per clock). Read-only."""
    global _parsed
    data = shared_catalog(CATALOGUE)
    if _parsed[0] is not data:
        _parsed = (data, parse(data))
    return _parsed[1]


def regime(key: str) -> Regime | None:
    return catalogue().regimes.get(key)


# --- Arithmetic -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Due:
    """When a deadline falls: `anchor_at` is the moment it counts from (None while its event has not happened),
    `due_at` the deadline (None while unknown), `basis` how it was computed ("aware + 72h")."""

    anchor_at: datetime | None
    due_at: datetime | None
    basis: str


def _period_for(deadline: Deadline, facts: set[str]) -> Period:
    """The deadline's period, or the shortest of its variants whose facts all hold."""
    candidates = [deadline.after] + [v.after for v in deadline.variants if set(v.when) <= facts]
    reference = datetime(2000, 1, 1, tzinfo=UTC)
    return min(candidates, key=lambda period: period.after(reference))


def due(deadline: Deadline, anchors: dict[str, datetime | None], facts: set[str]) -> Due:
    """The deadline from the anchors known so far (events of the incident, `submitted:<key>` submissions)."""
    period = _period_for(deadline, facts)
    anchor_at = anchors.get(deadline.anchor)
    candidates = []
    if anchor_at is not None:
        candidates.append((period.after(anchor_at), f"{deadline.anchor} + {period.text()}"))
    if deadline.cap_anchor and anchors.get(deadline.cap_anchor) is not None:
        candidates.append((deadline.cap_after.after(anchors[deadline.cap_anchor]),
                           f"{deadline.cap_anchor} + {deadline.cap_after.text()}"))
    if not candidates:
        return Due(None, None, "")
    due_at, basis = min(candidates, key=lambda c: c[0])
    if anchor_at is None:  # the cap alone: count from its own anchor
        anchor_at = anchors[deadline.cap_anchor]
    return Due(anchor_at.astimezone(UTC), due_at, basis)


def reminder_points(regime_: Regime) -> tuple[float, ...]:
    """The escalation points of a regime, with the deadline itself (1.0) last."""
    return tuple(sorted(set(regime_.escalation) | {1.0}))


def point_moment(anchor_at: datetime, due_at: datetime, point: float) -> datetime:
    return anchor_at + (due_at - anchor_at) * point
