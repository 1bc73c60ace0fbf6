"""The demo bank's portfolio (issue 16, point 9): systems at every lifecycle stage and EU AI Act tier, with components,
datasets, decisions waiting for approvers, and a history spread over the past year."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aims.core.models import LedgerEvent, Task
from aims.inventory.demo_portfolio import ADOPTION, SYSTEMS
from aims.inventory.models import (
    AISystem, AiActTier, ChangeDecision, Classification, Component, GateOverride, ShadowAIDeclaration, Stage,
)

pytestmark = pytest.mark.django_db


def test_the_demo_portfolio_covers_every_stage_and_tier_over_a_year(demo_admin):
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
    # The portfolio's own prerequisites (model card, owner's approval, incident contact...) are done at every go-live
    # but the marketing generator's, whose override, with its own reason, is the example of the feature. The demo
    # loads as `aims demo` does, with every module's checks: the systems that go live during the year pass them all
    # (risks assessed and suggestions decided, obligations evidenced); only the systems found in production on the day
    # AIMS was adopted go live through an override, whose reason says their other checks were caught up on later.
    live = systems.filter(stage__in=[Stage.DEPLOYMENT, Stage.OPERATION, Stage.REVISION, Stage.RETIRED])
    assert live.count() >= 6
    overrides = GateOverride.objects.select_related("system").order_by("pk")
    found = {spec.reference for spec in SYSTEMS if spec.registered == ADOPTION}
    assert {o.system.reference_code for o in overrides} <= found, [o.system.reference_code for o in overrides]
    assert live.exclude(reference_code__in=found).exists()
    inventory_failures = {o.system.reference_code: [c.get("key", "") for c in o.failed_checks
                                                    if c.get("key", "").startswith("inventory.")] for o in overrides}
    assert {code for code, keys in inventory_failures.items() if keys} == {"AIS-DEMO-MARKETING"}, inventory_failures
    assert "on-call rota" in overrides.get(system__reference_code="AIS-DEMO-MARKETING").justification
