"""What the inventory's own ledger actions read as (registered in AppConfig.ready; see aims.core.labels)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "inventory.aisystem.classify": _("AI Act classification recorded"),
    "inventory.aisystem.move_stage": _("Lifecycle stage changed"),
    "inventory.aisystem.retire": _("AI system retired"),
    "inventory.changedecision.approve": _("Change approved"),
    "inventory.changedecision.reject": _("Change rejected"),
    "inventory.changedecision.effective": _("Change made effective"),
    "inventory.classification.needs_reclassification": _("Re-classification needed"),
    "inventory.classification.sign_off": _("Classification signed off"),
    "inventory.classification.supersede": _("Classification superseded"),
    "inventory.shadowaideclaration.convert": _("Declaration registered as an AI system"),
    "inventory.shadowaideclaration.reject": _("Declaration rejected"),
    "inventory.systemcomponent.delete": _("Component unlinked"),
}
