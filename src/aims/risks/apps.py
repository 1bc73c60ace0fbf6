from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksConfig(AppConfig):
    name = "aims.risks"
    label = "risks"
    verbose_name = _("Risks")

    def ready(self) -> None:
        from aims.core import dashboard, demo, labels, registry

        from . import demo as risks_demo
        from . import approvals, cli, gates, receivers, tasks  # noqa: F401  (periodic jobs register with Huey)
        from . import labels as risks_labels
        from .models import (
            ImpactAssessment, Risk, RiskAcceptance, RiskMethod, RiskReview, RiskSuggestion, Threat, ThreatCatalog,
            TreatmentAction,
        )

        labels.register_actions(risks_labels.ACTIONS)
        # Registered models open in the generic History and Journal views; those with a page link to it.
        registry.register(Risk, url_name="risks:risk_detail")
        registry.register(RiskMethod, url_name="risks:method_detail")
        registry.register(ImpactAssessment, url_name="risks:impact_detail")
        for model in (TreatmentAction, RiskAcceptance, RiskReview, RiskSuggestion, Threat, ThreatCatalog):
            registry.register(model)
        gates.register()
        approvals.register()

        dashboard.register_card(
            "risks.above_appetite", _("open risks above appetite"), "risks:register", domain="risks",
            query="above_appetite=yes&status=open", order=20,
            count=lambda user: Risk.objects.restrict(user, "view").filter(above_appetite=True)
            .exclude(status=Risk.Status.CLOSED).count())
        dashboard.register_card(
            "risks.reviews", _("risk reviews waiting"), "risks:reviews", domain="risks", order=21, action="change",
            count=lambda user: RiskReview.objects.restrict(user, "change").filter(status=RiskReview.Status.PENDING)
            .count())
        dashboard.register_card(
            "risks.suggestions", _("suggested risks to decide"), "risks:suggestions", domain="risks", order=22,
            action="change",
            count=lambda user: RiskSuggestion.objects.restrict(user, "change")
            .filter(status=RiskSuggestion.Status.PENDING).count())
        receivers.connect()
        cli.register()
        demo.register("risks", risks_demo.load, order=20, history=risks_demo.history)
