"""Facts stored, words rendered: a review's later triggers and an impact assessment's answers read as labels in the
reader's language (the richer demo showed them raw: "[major_change] ...", "people_count: under_1m")."""

import pytest
from django.utils import translation

from aims.risks.labels import impact_answers_display, review_reason_text
from aims.risks.models import RiskReview


def test_a_reviews_later_triggers_read_as_their_labels():
    stored = "KPI below threshold.\n[major_change] Major change of the scorer.\n[unknown] kept as written"
    with translation.override("fr"):
        shown = review_reason_text(stored)
        label = str(RiskReview.Source.MAJOR_CHANGE.label)
    assert "[major_change]" not in shown and f"{label}: Major change of the scorer." in shown
    assert shown.startswith("KPI below threshold.") and "[unknown] kept as written" in shown


@pytest.mark.parametrize("language, expected", [
    ("fr", ["Clients", "Salariés", "De 10 000 à 1 million", "oui", "Avec effort"]),
    ("en", ["Customers", "Employees", "10,000 to 1 million", "yes", "With effort"]),
])
def test_impact_answers_read_as_questions_and_option_labels(language, expected):
    answers = {"affected_groups": ["customers", "employees"], "people_count": "under_1m", "personal_data": True,
               "reversibility": "with_effort", "purpose": "Scoring loans.", "retired_question": "x"}
    with translation.override(language):
        shown = impact_answers_display(answers, {}, {})
    for text in expected:
        assert text in shown
    for code in ("under_1m", "affected_groups", "with_effort"):
        assert code not in shown
    assert "Scoring loans." in shown
    # A question the template no longer asks has no label left: its answer stays in History under its stored key.
    assert "retired_question: x" in shown
