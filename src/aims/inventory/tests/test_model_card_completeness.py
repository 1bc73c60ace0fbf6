"""Documentation completeness, model-card shape (CycloneDX-aligned) and sanitised playbooks."""

import pytest
from django.core.exceptions import ValidationError

from aims.inventory import services
from aims.inventory.models import LearningApproach

FULL_CARD = {
    "approach": LearningApproach.SUPERVISED, "task": "classification", "architecture_family": "transformer",
    "datasets": [{"name": "CV corpus 2029"}], "inputs": [{"format": "application/pdf"}],
    "outputs": [{"format": "application/json"}],
    "performance_metrics": [{"type": "f1", "value": "0.91", "slice": "all"}],
    "users": "Recruiters", "use_cases": "Shortlist candidates\nFlag missing documents",
    "technical_limitations": "English and French CVs only",
    "ethical_considerations": [{"name": "Gender bias", "mitigation_strategy": "Blind fields"}],
    "fairness_assessments": [{"group_at_risk": "Older applicants", "harms": "Under-ranking"}],
}


def test_new_system_shows_what_is_missing(make_system):
    result = services.completeness(make_system(purpose="Rank CVs"))
    assert result.done == 1 and result.percent == round(100 / result.total)
    missing = {item.key: item for item in result.missing}
    assert "purpose" not in missing and "model_card" in missing
    assert missing["model_card"].fix_url.endswith("#documentation")


def test_fully_documented_system_is_complete(make_system, manager, owner):
    system = make_system(purpose="Rank CVs", intended_use="Shortlisting", users_and_affected="Applicants",
                         human_oversight="Recruiter reviews every shortlist", incident_contact=owner,
                         escalation_path="HR lead, then CISO")
    services.save_model_card(actor=manager, system=system, changes=FULL_CARD)
    services.add_decision(actor=manager, system=system, decision="Pilot in one region", rationale="Limit exposure")
    services.create_playbook(actor=manager, system=system, title="Rollback", body="1. Switch to manual triage")
    result = services.completeness(system)
    assert (result.percent, result.missing) == (100, [])


def test_model_card_is_created_once_then_updated(make_system, manager):
    system = make_system()
    card = services.save_model_card(actor=manager, system=system, changes={"task": "ranking"})
    again = services.save_model_card(actor=manager, system=system, changes={"task": "scoring"},
                                     expected_version=card.version)
    assert again.pk == card.pk and again.task == "scoring" and again.version == card.version + 1
    assert again.lines(FULL_CARD["use_cases"]) == ["Shortlist candidates", "Flag missing documents"]


@pytest.mark.parametrize("changes, field", [
    ({"performance_metrics": [{"value": "0.9"}]}, "performance_metrics"),
    ({"fairness_assessments": "biased"}, "fairness_assessments"),
    ({"inputs": [{"format": "text", "colour": "red"}]}, "inputs"),
    ({"approach": "guesswork"}, "approach"),
])
def test_malformed_model_card_parts_are_refused_by_field(make_system, manager, changes, field):
    with pytest.raises(ValidationError) as excinfo:
        services.save_model_card(actor=manager, system=make_system(), changes=changes)
    assert field in excinfo.value.message_dict


def test_playbook_markdown_is_sanitised(make_system, manager):
    playbook = services.create_playbook(actor=manager, system=make_system(), title="Outage",
                                        body="**Stop** the model\n\n<script>alert(1)</script>[x](javascript:alert(1))")
    assert "<strong>Stop</strong>" in playbook.body_html
    assert "<script" not in playbook.body_html and "javascript:" not in playbook.body_html
    updated = services.update_playbook(actor=manager, playbook=playbook, changes={"body": "# Restart"})
    assert updated.body_html == "<h1>Restart</h1>"
