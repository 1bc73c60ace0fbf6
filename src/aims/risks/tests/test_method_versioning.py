"""Method versions: drafts are edited, activation retires the previous version, past assessments keep theirs."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aims.core.models import LedgerEvent
from aims.risks import services
from aims.risks.models import RiskMethod

pytestmark = pytest.mark.django_db


def test_loading_the_default_method_activates_it_once(method):
    assert method.status == RiskMethod.Status.ACTIVE and method.number == 1
    assert services.load_default_method(actor=None).pk == method.pk
    assert RiskMethod.objects.count() == 1


def test_new_version_activation_retires_the_old_one_and_keeps_past_assessments(method, risk_manager, make_system,
                                                                              make_risk):
    risk = make_risk(systems=[make_system()], inherent_likelihood=2, inherent_impact=4)
    assert (risk.inherent_level, risk.method_id) == ("high", method.pk)
    draft = services.create_method_version(actor=risk_manager, based_on=method)
    matrix = [row[:] for row in draft.matrix]
    matrix[1][3] = "critical"  # the new version is stricter for this cell
    services.update_method(actor=risk_manager, method=draft, changes={"matrix": matrix})
    services.activate_method(actor=risk_manager, method=draft)
    method.refresh_from_db()
    risk.refresh_from_db()
    assert method.status == RiskMethod.Status.RETIRED and method.retired_at is not None
    assert (risk.inherent_level, risk.method_id) == ("high", method.pk)
    rescored = services.assess_risk(actor=risk_manager, risk=risk, inherent_likelihood=2, inherent_impact=4,
                                    use_active_method=True)
    assert (rescored.inherent_level, rescored.method_id) == ("critical", draft.pk)
    actions = list(LedgerEvent.objects.filter(object_type="risks.riskmethod").values_list("action", flat=True))
    assert {"risks.riskmethod.retire", "risks.riskmethod.activate"} <= set(actions)


def test_active_and_retired_versions_cannot_be_edited(method, risk_manager):
    with pytest.raises(ValidationError):
        services.update_method(actor=risk_manager, method=method, changes={"appetite_level": "high"})


def test_an_invalid_draft_is_refused_with_field_errors(method, risk_manager):
    draft = services.create_method_version(actor=risk_manager, based_on=method)
    bad = [row[:] for row in draft.matrix][:3]
    with pytest.raises(ValidationError) as caught:
        services.update_method(actor=risk_manager, method=draft, changes={"matrix": bad})
    assert "matrix" in caught.value.message_dict
    draft.refresh_from_db()
    assert len(draft.matrix) == 4


def test_system_owner_cannot_define_or_activate_methods(method, owner):
    with pytest.raises(PermissionDenied):
        services.create_method_version(actor=owner, based_on=method)
    draft = services.create_method_version(actor=None, based_on=method)
    with pytest.raises(PermissionDenied):
        services.activate_method(actor=owner, method=draft)


def test_everyone_who_reads_risks_can_read_the_method(method, owner, south_owner):
    assert list(RiskMethod.objects.restrict(owner, "view")) == [method]
    assert not RiskMethod.objects.restrict(owner, "change").exists()
