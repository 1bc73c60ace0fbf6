"""The demo bank's portfolio (issue 16, point 9): systems at every lifecycle stage and EU AI Act tier, with components,
datasets, decisions waiting for approvers, and a history spread over the past year."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aims.core import demo
from aims.core.models import LedgerEvent, Task
from aims.inventory.models import (
    AISystem, AiActTier, ChangeDecision, Classification, Component, GateOverride, ShadowAIDeclaration, Stage,
)

pytestmark = pytest.mark.django_db


def test_the_demo_portfolio_covers_every_stage_and_tier_over_a_year(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    demo.load(password="demo-password-for-tests")
    systems = AISystem.objects.all()
    assert systems.count() >= 14
    assert set(systems.values_list("stage", flat=True)) == set(Stage.values)
    assert set(systems.values_list("ai_act_tier", flat=True)) == set(AiActTier.values)
    assert AISystem.objects.get(stage=Stage.RETIRED).is_frozen
    assert Component.objects.filter(kind="dataset").count() >= 5 and Component.objects.filter(kind="model").exists()
    assert set(ShadowAIDeclaration.objects.values_list("status", flat=True)) == set(ShadowAIDeclaration.Status.values)
    assert set(ChangeDecision.objects.values_list("status", flat=True)) >= {"pending", "effective"}
    assert Classification.objects.filter(status="awaiting_sign_off").exists()
    # Sign-offs wait in several people's "To approve" inboxes.
    waiting = Task.objects.filter(done_at__isnull=True, source__startswith="approval.").values_list("assignee__email",
                                                                                                  flat=True)
    assert len(set(waiting)) >= 3
    # The portfolio's history is spread over the past year, not recorded today.
    created = LedgerEvent.objects.filter(action="inventory.aisystem.create").values_list("created_at", flat=True)
    now = timezone.now()
    assert min(created) < now - timedelta(days=300) and max(created) > now - timedelta(days=120)
    # Systems reach production through their gate, its prerequisites done (model card, owner's approval, incident
    # contact...): one deliberate override is left, with its own reason, as the example of the feature.
    live = systems.filter(stage__in=[Stage.DEPLOYMENT, Stage.OPERATION, Stage.REVISION, Stage.RETIRED])
    assert live.count() >= 6
    overrides = GateOverride.objects.select_related("system")
    assert [o.system.reference_code for o in overrides] == ["AIS-DEMO-MARKETING"], [
        (o.system.reference_code, [c.get("key") for c in o.failed_checks]) for o in overrides]
    assert "on-call rota" in overrides[0].justification
    assert not GateOverride.objects.filter(to_stage__in=[Stage.DEPLOYMENT, Stage.OPERATION]).exclude(
        system__reference_code="AIS-DEMO-MARKETING").exists()
