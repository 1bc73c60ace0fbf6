from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "aims.inventory"
    label = "inventory"
    verbose_name = _("Inventory")

    def ready(self) -> None:
        from aims.core import dashboard, labels, registry

        from . import approvals, builtin_gates, ledger_display  # noqa: F401  (builtin_gates registers the go-live checks)
        from . import labels as inventory_labels
        from . import tasks  # noqa: F401  (registers the end-of-support reminders)
        from .models import (
            AISystem, ChangeApproval, ChangeDecision, Classification, Component, ComponentDependency,
            DecisionLogEntry, Dependency, GateOverride, ModelCard, OwnerApproval, Playbook, ShadowAIDeclaration,
            SystemComponent, SystemDependency,
        )

        labels.register_actions(inventory_labels.ACTIONS)
        # The pages are built later under these URL names; detail_url() returns None until they exist.
        registry.register(AISystem, url_name="inventory:system_detail")
        registry.register(Component, url_name="inventory:component_detail")
        registry.register(Dependency, url_name="inventory:dependency_detail")
        registry.register(ShadowAIDeclaration, url_name="inventory:shadow_detail")
        registry.register(ChangeDecision, url_name="inventory:change_detail")
        for model in (Classification, OwnerApproval, GateOverride, ChangeApproval, ModelCard, DecisionLogEntry,
                      Playbook, SystemComponent, SystemDependency, ComponentDependency):
            registry.register(model)

        dashboard.register_card(
            "inventory.systems", _("AI systems"), "inventory:portfolio", domain="inventory",
            count=lambda user: AISystem.objects.restrict(user, "view").count(), order=10)
        dashboard.register_card(
            "inventory.reclassify", _("AI systems to re-classify"), "inventory:portfolio", domain="inventory",
            query="reclassify=1", order=11, action="change",
            count=lambda user: AISystem.objects.restrict(user, "change").filter(needs_reclassification=True).count())
        approvals.register()
        ledger_display.register()

        from aims.core import demo

        from . import demo as inventory_demo

        demo.register("inventory", inventory_demo.load, order=10, history=inventory_demo.history)
