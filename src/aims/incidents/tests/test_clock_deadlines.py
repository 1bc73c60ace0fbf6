"""Every deadline of the shipped clock catalogue, table-driven: from which event it counts, how long, with its variants,
caps and chained anchors (a submission starting the next deadline), in UTC, and what a reader in Paris sees across a
daylight-saving change."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from aims.incidents import clocks

PARIS = ZoneInfo("Europe/Paris")
AWARE = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def at(day: str) -> datetime:
    """'2026-03-10 09:30' in UTC."""
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


# regime, deadline, anchors (in addition to awareness), facts, expected due (UTC) or None (waiting), basis
CASES = [
    # GDPR Art. 33: 72 hours after awareness.
    ("gdpr_art33", "notification", {}, set(), at("2026-03-13 09:30"), "aware + 72h"),
    # AI Act Art. 73: 15 days; 10 days if a person died; 2 days if widespread or critical infrastructure; the
    # shortest applicable wins.
    ("ai_act_art73", "report", {}, set(), at("2026-03-25 09:30"), "aware + 15d"),
    ("ai_act_art73", "report", {}, {"death"}, at("2026-03-20 09:30"), "aware + 10d"),
    ("ai_act_art73", "report", {}, {"widespread_or_critical_infrastructure"}, at("2026-03-12 09:30"), "aware + 2d"),
    ("ai_act_art73", "report", {}, {"death", "widespread_or_critical_infrastructure"}, at("2026-03-12 09:30"),
     "aware + 2d"),
    # Art. 26(5): the deployer informs the provider immediately.
    ("ai_act_art26_provider", "inform_provider", {}, set(), at("2026-03-10 09:30"), "aware + 0h"),
    # NIS2 Art. 23: 24 h, 72 h after awareness; final report one month after the notification was submitted.
    ("nis2_art23", "early_warning", {}, set(), at("2026-03-11 09:30"), "aware + 24h"),
    ("nis2_art23", "notification", {}, set(), at("2026-03-13 09:30"), "aware + 72h"),
    ("nis2_art23", "final_report", {}, set(), None, ""),
    ("nis2_art23", "final_report", {"submitted:notification": at("2026-03-12 16:00")}, set(),
     at("2026-04-12 16:00"), "submitted:notification + 1mo"),
    # DORA: initial 4 h after classification as major, at most 24 h after awareness.
    ("dora_major", "initial", {}, set(), at("2026-03-11 09:30"), "aware + 24h"),
    ("dora_major", "initial", {"classified_major": at("2026-03-10 12:00")}, set(), at("2026-03-10 16:00"),
     "classified_major + 4h"),
    ("dora_major", "initial", {"classified_major": at("2026-03-11 07:00")}, set(), at("2026-03-11 09:30"),
     "aware + 24h"),
    # ... intermediate 72 h after the initial report was submitted; final one month after the latest intermediate.
    ("dora_major", "intermediate", {}, set(), None, ""),
    ("dora_major", "intermediate", {"submitted:initial": at("2026-03-10 15:10")}, set(), at("2026-03-13 15:10"),
     "submitted:initial + 72h"),
    ("dora_major", "final", {"submitted:initial": at("2026-03-10 15:10")}, set(), None, ""),
    ("dora_major", "final", {"submitted:intermediate": at("2026-03-31 11:00")}, set(), at("2026-04-30 11:00"),
     "submitted:intermediate + 1mo"),
    # Cyber Resilience Act Art. 14, actively exploited vulnerability: 24 h, 72 h, final 14 days after a fix exists.
    ("cra_vulnerability", "early_warning", {}, set(), at("2026-03-11 09:30"), "aware + 24h"),
    ("cra_vulnerability", "notification", {}, set(), at("2026-03-13 09:30"), "aware + 72h"),
    ("cra_vulnerability", "final_report", {}, set(), None, ""),
    ("cra_vulnerability", "final_report", {"fix_available": at("2026-03-20 08:00")}, set(), at("2026-04-03 08:00"),
     "fix_available + 14d"),
    # ... severe incident: 24 h, 72 h, final one month after the notification.
    ("cra_severe_incident", "early_warning", {}, set(), at("2026-03-11 09:30"), "aware + 24h"),
    ("cra_severe_incident", "notification", {}, set(), at("2026-03-13 09:30"), "aware + 72h"),
    ("cra_severe_incident", "final_report", {"submitted:notification": at("2026-03-13 08:00")}, set(),
     at("2026-04-13 08:00"), "submitted:notification + 1mo"),
]


@pytest.mark.parametrize("regime,deadline,anchors,facts,expected,basis", CASES,
                         ids=[f"{c[0]}.{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_each_deadline_counts_from_its_own_event(regime, deadline, anchors, facts, expected, basis):
    definition = clocks.catalogue().regimes[regime].deadline(deadline)
    result = clocks.due(definition, {"aware": AWARE, **anchors}, facts)
    assert result.due_at == expected
    assert result.basis == basis


def test_the_table_covers_every_deadline_of_the_catalogue():
    shipped = {d.code for r in clocks.catalogue().regimes.values() for d in r.deadlines}
    assert shipped == {f"{regime}.{deadline}" for regime, deadline, *_ in CASES}


def test_dora_chain_end_to_end():
    """Classified major 2 h after awareness, initial report at 3h30, intermediate 70 h later, an updated intermediate
    a week after that: the final report counts from the latest intermediate."""
    regime = clocks.catalogue().regimes["dora_major"]
    anchors = {"aware": AWARE, "classified_major": at("2026-03-10 11:30")}
    initial = clocks.due(regime.deadline("initial"), anchors, set())
    assert initial.due_at == at("2026-03-10 15:30")
    anchors["submitted:initial"] = at("2026-03-10 13:00")
    intermediate = clocks.due(regime.deadline("intermediate"), anchors, set())
    assert intermediate.due_at == at("2026-03-13 13:00")
    anchors["submitted:intermediate"] = at("2026-03-20 10:00")  # the latest of the intermediate reports
    assert clocks.due(regime.deadline("final"), anchors, set()).due_at == at("2026-04-20 10:00")


def test_seventy_two_hours_across_the_spring_change_are_seventy_two_real_hours():
    """Aware on Friday 27 March 2026 at 10:00 in Paris (09:00 UTC); clocks go forward on Sunday 29 March. 72 hours
    later is Monday 30 March 09:00 UTC, which a reader in Paris sees at 11:00, not 10:00."""
    aware = datetime(2026, 3, 27, 10, 0, tzinfo=PARIS)
    definition = clocks.catalogue().regimes["gdpr_art33"].deadline("notification")
    result = clocks.due(definition, {"aware": aware}, set())
    assert result.due_at == at("2026-03-30 09:00")
    assert result.due_at.tzinfo == UTC
    assert result.due_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M") == "2026-03-30 11:00"
    assert (result.due_at - aware).total_seconds() == 72 * 3600


def test_days_across_the_autumn_change_are_whole_utc_days():
    """Art. 73's 15 days from 20 October 2026 10:00 Paris (08:00 UTC) across the 25 October change: 4 November
    08:00 UTC, 09:00 in Paris."""
    aware = datetime(2026, 10, 20, 10, 0, tzinfo=PARIS)
    definition = clocks.catalogue().regimes["ai_act_art73"].deadline("report")
    result = clocks.due(definition, {"aware": aware}, set())
    assert result.due_at == at("2026-11-04 08:00")
    assert result.due_at.astimezone(PARIS).hour == 9


@pytest.mark.parametrize("start,months,expected", [
    ("2026-01-31 10:00", 1, "2026-02-28 10:00"),
    ("2028-01-31 10:00", 1, "2028-02-29 10:00"),
    ("2026-12-15 23:30", 1, "2027-01-15 23:30"),
    ("2026-03-31 12:00", 1, "2026-04-30 12:00"),
])
def test_a_month_is_a_calendar_month_in_utc(start, months, expected):
    assert clocks.Period(months=months).after(at(start)) == at(expected)


def test_escalation_points_come_from_the_catalogue_with_the_deadline_last():
    regime = clocks.catalogue().regimes["gdpr_art33"]
    assert clocks.reminder_points(regime) == (0.5, 0.8, 1.0)
    assert clocks.point_moment(AWARE, at("2026-03-13 09:30"), 0.5) == at("2026-03-11 21:30")


def test_an_administrator_can_change_the_clocks_without_a_release(settings, tmp_path):
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "incident_clocks.yaml").write_text(
        'version: "local-1"\nescalation: [0.25]\nregimes:\n  gdpr_art33:\n    applies_when: [personal_data_breach]\n'
        '    deadlines:\n      - {key: notification, anchor: aware, after: {hours: 48}}\n', encoding="utf-8")
    settings.DATA_DIR = tmp_path
    catalogue = clocks.catalogue()
    assert catalogue.version == "local-1"
    regime = catalogue.regimes["gdpr_art33"]
    assert clocks.due(regime.deadline("notification"), {"aware": AWARE}, set()).due_at == at("2026-03-12 09:30")
    assert clocks.reminder_points(regime) == (0.25, 1.0)


def test_a_malformed_catalogue_names_what_is_wrong():
    with pytest.raises(ValueError, match="unknown anchor"):
        clocks.parse({"version": "x", "regimes": {"r": {"deadlines": [
            {"key": "a", "anchor": "submitted:nothing", "after": {"hours": 1}}]}}})
    with pytest.raises(ValueError, match="period"):
        clocks.parse({"version": "x", "regimes": {"r": {"deadlines": [
            {"key": "a", "anchor": "aware", "after": {"weeks": 1}}]}}})
