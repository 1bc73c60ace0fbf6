from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksConfig(AppConfig):
    name = "aims.risks"
    label = "risks"
    verbose_name = _("Risks")

    def ready(self) -> None:
        from aims.core import registry

        from . import gates, receivers, tasks  # noqa: F401  (periodic jobs register with Huey)
        from .models import (
            ImpactAssessment, Risk, RiskAcceptance, RiskMethod, RiskReview, RiskSuggestion, Threat, ThreatCatalog,
            TreatmentAction,
        )

        # Registered models open in the generic History and Journal views; those with a page link to it.
        registry.register(Risk, url_name="risks:risk_detail")
        registry.register(RiskMethod, url_name="risks:method_detail")
        registry.register(ImpactAssessment, url_name="risks:impact_detail")
        for model in (TreatmentAction, RiskAcceptance, RiskReview, RiskSuggestion, Threat, ThreatCatalog):
            registry.register(model)
        gates.register()
        receivers.connect()
