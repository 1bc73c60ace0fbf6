from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "aims.evidence"
    label = "evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        from aims.core import dashboard, labels, registry

        from . import approvals as evidence_approvals
        from . import labels as evidence_labels
        from . import receivers, tasks  # noqa: F401  (periodic jobs register with Huey)
        from .cards import expiring_or_to_reconfirm
        from .models import EvidenceItem, EvidenceRequest

        labels.register_actions(evidence_labels.ACTIONS)
        registry.register(EvidenceItem, url_name="evidence:detail")
        registry.register(EvidenceRequest, url_name="evidence:request_detail")
        receivers.connect()
        evidence_approvals.register()
        dashboard.register_card(
            "evidence.attention", _("evidence expiring within 30 days or to re-confirm"), "evidence:list",
            domain="evidence", query="attention=1", order=40, count=expiring_or_to_reconfirm)
