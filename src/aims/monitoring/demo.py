"""Demo data of the monitoring module (registered with the demo registry, order 60): a year of KPIs for the demo's
credit-scoring model, with one drift episode in the spring (the alert, its risk reviews, its suggested change
dismissed with a reason, then a clean run), and adoption figures for the customer chatbot, whose adoption thresholds
are raised after the pilot. Everything goes through the services on the dates it happens, so the dashboards, charts
and the ledger read like a year of use. The systems come from the inventory's demo (AIS-DEMO-CREDIT,
AIS-DEMO-CHATBOT); without them, nothing is added.
"""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime, timedelta

import numpy as np
from django.core.files.base import ContentFile
from aims.core.demo import Organisation
from aims.inventory.models import AISystem

CREDIT, CHATBOT = "AIS-DEMO-CREDIT", "AIS-DEMO-CHATBOT"
# Until the inventory's demo registers the customer chatbot, the HR chatbot of the risk module's demo stands in.
CHATBOT_STAND_IN = "AIS-DEMO-HR-BOT"
CLAIRE = "claire.martin@example.com"  # Chief AI Officer: AIMS manager, on the governance committee
START_DAYS_AGO = 330  # the KPIs are defined at the post-go-live review, a little after the year starts
EPISODE = (135, 95)  # days ago: the drift episode of the credit model, from onset to retraining
SEED = 2026

# key, thresholds (target, warning, critical), daily base value, noise, value at the worst of the episode
CREDIT_KPIS = [
    ("accuracy", (90, 87, 84), 91.6, 0.45, 83.2),
    ("recall", (85, 80, 75), 86.3, 0.7, 78.6),
    ("uptime", (99.9, 99.5, 99.0), 99.95, 0.03, 99.9),
    ("fairness_gap", (2, 5, 10), 2.4, 0.4, 5.8),
    ("usage_rate", (80, 70, 50), None, 1.2, None),
    ("roi", (100, 50, 0), None, 2.0, None),
]
CHATBOT_KPIS = [
    ("usage_rate", (50, 35, 20)),
    ("frequency", (None, None, None)),
    ("satisfaction", (80, 70, 55)),
    ("automation_rate", (None, None, None)),
    ("nps", (30, 0, -20)),
]


def _system(reference: str) -> AISystem | None:
    systems = AISystem.objects.select_related("unit", "owner")
    found = systems.filter(reference_code=reference).first()
    if found is None and reference == CHATBOT:
        found = systems.filter(reference_code=CHATBOT_STAND_IN).first()
    return found


def _actor(system: AISystem, organisation: Organisation):
    """The system's owner when they can act on its monitoring, else the administrator."""
    from .people import may_own_kpis

    return system.owner if may_own_kpis(system.owner, system) else organisation.admin


def _episode_weight(days_ago: float) -> float:
    """0 outside the episode, rising to 1 at its worst (a week before the retraining), then back to 0."""
    onset, fix = EPISODE
    worst = fix + 7
    if days_ago > onset or days_ago < fix:
        return 0.0
    if days_ago >= worst:
        return (onset - days_ago) / (onset - worst)
    return (days_ago - fix) / (worst - fix)


def credit_value(key: str, days_ago: int, rng: np.random.Generator) -> float:
    entry = next(e for e in CREDIT_KPIS if e[0] == key)
    _key, _thresholds, base, noise, worst = entry
    if key == "usage_rate":  # loan officers adopt the score over the year
        return round(62 + 24 * (1 - days_ago / START_DAYS_AGO) + rng.normal(0, noise), 1)
    if key == "roi":  # the cumulated return crosses break-even in the fourth month
        return round(-35 + 170 * (1 - days_ago / START_DAYS_AGO) + rng.normal(0, noise), 1)
    weight = _episode_weight(days_ago)
    value = base + (worst - base) * weight + rng.normal(0, noise)
    if key == "uptime":
        value = min(value, 100.0) - (0.7 if days_ago in (250, 61) else 0)
    return round(value, 2)


def chatbot_value(key: str, days_ago: int, rng: np.random.Generator) -> float:
    progress = 1 - days_ago / START_DAYS_AGO  # 0 at launch, 1 today
    curve = 1 - math.exp(-3 * progress)
    values = {"usage_rate": 22 + 48 * curve, "frequency": 0.8 + 2.8 * curve, "satisfaction": 64 + 15 * curve,
              "automation_rate": 15 + 33 * curve, "nps": -12 + 42 * curve}
    noise = {"usage_rate": 1.5, "frequency": 0.15, "satisfaction": 1.2, "automation_rate": 1.0, "nps": 2.5}
    return round(values[key] + rng.normal(0, noise[key]), 2)


def _moment(days_ago: int) -> datetime:
    """06:00 UTC on the day `days_ago` days before today."""
    day = datetime.now(UTC).date() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)


def _due(kpi, days_ago: int) -> bool:
    """Does a KPI of this frequency get a value on that day? (weekly on Mondays, monthly on the 1st)"""
    day = _moment(days_ago).date()
    if kpi.frequency == "weekly":
        return day.weekday() == 0
    if kpi.frequency == "monthly":
        return day.day == 1
    return True


def _push_days(reference: str, organisation: Organisation, first: int, last: int, value_of) -> None:
    """Push the values of days `first` down to `last` days ago (one push per system and week, as the pipeline's
    weekly export does)."""
    from . import services
    from .models import Kpi, MeasurementBatch

    system = _system(reference)
    if system is None:
        return
    rng = np.random.default_rng(SEED + first + len(reference))
    rows = [{"kpi_id": kpi.pk, "at": _moment(days_ago), "value": value_of(kpi.key, days_ago, rng)}
            for days_ago in range(first, last - 1, -1)
            for kpi in Kpi.objects.filter(system=system, is_active=True).order_by("key") if _due(kpi, days_ago)]
    if rows:
        services.push_measurements(actor=_actor(system, organisation), rows=rows,
                                   source=MeasurementBatch.Source.DEMO, max_rows=None)


def _define_kpis(reference: str, organisation: Organisation, definitions) -> None:
    from . import services
    from .models import Kpi

    system = _system(reference)
    if system is None or Kpi.objects.filter(system=system).exists():
        return
    actor = _actor(system, organisation)
    for key, (target, warning, critical), *_rest in definitions:
        services.create_kpi(actor=actor, system=system, catalogue_key=key, owner=actor, target=target,
                            warning=warning, critical=critical, data_source="Nightly evaluation pipeline",
                            rationale="Agreed at the post-go-live review")


def _sample(rows: int, *, shifted: bool, seed: int) -> ContentFile:
    rng = np.random.default_rng(seed)
    income = rng.normal(3600 if shifted else 3000, 900, rows)
    debt = rng.beta(3 if shifted else 2, 5, rows)
    region = rng.choice(["north", "south", "east", "west"], rows, p=[.15, .2, .3, .35] if shifted
                        else [.35, .3, .2, .15])
    age = rng.integers(19, 78, rows)
    channel = rng.choice(["branch", "online"], rows, p=[.5, .5])
    text = io.StringIO()
    text.write("income,debt_ratio,region,age,channel\n")
    for i in range(rows):
        text.write(f"{income[i]:.2f},{debt[i]:.4f},{region[i]},{age[i]},{channel[i]}\n")
    return ContentFile(text.getvalue().encode(), name="sample.csv")


def _drift_run(organisation: Organisation, *, shifted: bool, name: str, seed: int):
    from .services import drift

    system = _system(CREDIT)
    if system is None:
        return None
    actor = _actor(system, organisation)
    if drift.current_reference(system) is None:
        drift.upload_reference(actor=actor, system=system, name="Training sample (last year's applications)",
                               uploaded=_sample(4000, shifted=False, seed=SEED))
    run = drift.request_run(actor=actor, system=system, uploaded=_sample(2500, shifted=shifted, seed=seed),
                            name=name, in_worker=False)
    return drift.execute_run(run.pk)


def _dismiss_drift_suggestion(organisation: Organisation) -> None:
    from . import services
    from .models import ChangeSuggestion

    system = _system(CREDIT)
    if system is None:
        return
    for suggestion in ChangeSuggestion.objects.filter(system=system, state=ChangeSuggestion.State.PENDING):
        services.dismiss_suggestion(
            actor=_actor(system, organisation), suggestion=suggestion,
            reason="The spring campaign brought in younger, higher-income applicants; the retraining already planned "
                   "for May covers it. No separate change decision.")


def _raise_chatbot_thresholds(organisation: Organisation) -> None:
    from . import services
    from .models import Kpi

    system = _system(CHATBOT)
    kpi = Kpi.objects.filter(system=system, key="usage_rate").first() if system else None
    if system is None or kpi is None:
        return
    services.change_thresholds(actor=_actor(system, organisation), kpi=kpi, target=75, warning=60, critical=40,
                               rationale="Pilot over: the adoption target moves to the closure grid's 60 %.")


def _chatbot_histograms(organisation: Organisation) -> None:
    """The chatbot's vendor keeps the conversations: its pipeline pushes weekly histograms of them instead."""
    from .services import drift

    system = _system(CHATBOT)
    if system is None:
        return
    drift.push_histograms(actor=_actor(system, organisation), system=system, name="Conversations, week 38", columns=[
        {"name": "message_length", "kind": "numerical",
         "reference": {"edges": [0, 20, 40, 80, 160, 320, 640], "counts": [820, 1450, 2100, 1300, 420, 60]},
         "current": {"edges": [0, 20, 40, 80, 160, 320, 640], "counts": [790, 1500, 2060, 1350, 400, 55]}},
        {"name": "topic", "kind": "categorical",
         "reference": {"categories": ["Cards", "Loans", "Accounts", "Fraud", "Misc"],
                       "counts": [1900, 1200, 1700, 600, 750]},
         "current": {"categories": ["Cards", "Loans", "Accounts", "Fraud", "Misc"],
                     "counts": [1850, 1260, 1650, 640, 760]}},
        {"name": "reply_language", "kind": "categorical",
         "reference": {"categories": ["FR", "EN"], "counts": [5200, 950]},
         "current": {"categories": ["FR", "EN"], "counts": [5150, 1010]}}])


def _chatbot_closure(organisation: Organisation, *, sign: bool) -> None:
    """The chatbot's post-go-live review: the grid filled from its live KPIs, then signed by the Chief AI Officer."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from .models import ClosureReview
    from .services import closure

    system = _system(CHATBOT)
    if system is None:
        return
    try:
        if not sign:
            review = closure.start_closure_review(actor=_actor(system, organisation), system=system)
            judged = {key: ("met" if axis.get("met_by_data") else "partly") for key, axis in review.axes.items()}
            review = closure.update_closure_review(
                actor=review.prepared_by, review=review, assessments=judged, decision="continue",
                comments={"satisfaction": "Surveys show satisfaction still rising."},
                rationale="Adoption is above 60 % and still rising; keep the chatbot in operation, review in a year.")
            closure.submit_closure_review(actor=review.prepared_by, review=review)
            return
        review = ClosureReview.objects.filter(system=system, state=ClosureReview.State.SUBMITTED).first()
        signer = organisation.people.get(CLAIRE)
        if review is not None and signer is not None:
            closure.sign_closure_review(actor=signer, review=review, comment="Agreed at the governance committee.")
    except (PermissionDenied, ValidationError):
        return  # a demo whose people differ: no closure grid rather than a broken demo


def _chatbot_year(organisation: Organisation, schedule) -> None:
    """The chatbot's year: KPIs, a week of adoption figures every week, thresholds raised after the pilot, pushed
    histograms, the closure grid. `schedule(days_ago, step, at)` places each step."""
    schedule(START_DAYS_AGO, lambda: _define_kpis(CHATBOT, organisation, CHATBOT_KPIS), "09:40")
    for first in range(START_DAYS_AGO, 0, -7):
        last = max(first - 6, 1)
        schedule(last - 1, lambda f=first, lst=last: _push_days(CHATBOT, organisation, f, lst, chatbot_value), "07:05")
    schedule(150, lambda: _raise_chatbot_thresholds(organisation), "11:00")
    schedule(40, lambda: _chatbot_histograms(organisation), "08:30")
    schedule(12, lambda: _chatbot_closure(organisation, sign=False), "14:00")
    schedule(8, lambda: _chatbot_closure(organisation, sign=True), "10:30")


def history(organisation: Organisation) -> None:
    """The monitoring year: KPIs defined, a week of values pushed every week, the drift episode."""
    organisation.at(START_DAYS_AGO, lambda: _define_kpis(CREDIT, organisation, CREDIT_KPIS), at="09:30")
    for first in range(START_DAYS_AGO, 0, -7):
        last = max(first - 6, 1)
        organisation.at(last - 1, lambda f=first, lst=last: _push_days(CREDIT, organisation, f, lst, credit_value),
                        at="07:00")
    organisation.at(EPISODE[0] - 20, lambda: _drift_run(organisation, shifted=True, name="Applications, April",
                                                        seed=SEED + 1), at="08:00")
    organisation.at(EPISODE[0] - 23, lambda: _dismiss_drift_suggestion(organisation), at="15:00")
    organisation.at(EPISODE[1] - 5, lambda: _drift_run(organisation, shifted=False, name="Applications, May",
                                                       seed=SEED + 2), at="08:00")
    _chatbot_year(organisation, lambda days_ago, step, at: organisation.at(days_ago, step, at=at))


def load(organisation: Organisation) -> None:
    """Today: when the chatbot only appeared today (the stand-in HR chatbot is registered by the risk module's present
    loader), its year is written now, in the same order (the values keep their dates)."""
    from .models import Kpi

    system = _system(CHATBOT)
    if system is None or Kpi.objects.filter(system=system).exists():
        return
    steps = []
    _chatbot_year(organisation, lambda days_ago, step, at: steps.append((-days_ago, at, len(steps), step)))
    for _when, _at, _index, step in sorted(steps, key=lambda entry: entry[:3]):
        step()
