from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "aims.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from aims.core import dashboard, demo, labels, registry

        from . import approvals as monitoring_approvals
        from . import demo as monitoring_demo
        from . import labels as monitoring_labels
        from . import tasks  # noqa: F401  (registers the staleness job)
        from .models import (
            Alert, AlertPolicy, ChangeSuggestion, ClosureReview, DriftReference, DriftRun, DriftSettings, Kpi,
            MeasurementBatch,
        )

        registry.register(Kpi, url_name="monitoring:kpi_detail")
        registry.register(Alert, url_name="monitoring:alert_detail")
        registry.register(DriftRun, url_name="monitoring:drift_detail")
        registry.register(ClosureReview, url_name="monitoring:closure_detail")
        for model in (AlertPolicy, ChangeSuggestion, DriftReference, DriftSettings, MeasurementBatch):
            registry.register(model)
        labels.register_actions(monitoring_labels.ACTIONS)
        monitoring_approvals.register()
        demo.register("monitoring", monitoring_demo.load, order=60, history=monitoring_demo.history)

        dashboard.register_card(
            "monitoring.alerts", _("open monitoring alerts"), "monitoring:alert_list", domain="monitoring", order=40,
            count=lambda user: Alert.objects.restrict(user, "view").exclude(state=Alert.State.RESOLVED).count())
        dashboard.register_card(
            "monitoring.breaches", _("KPIs out of threshold"), "monitoring:tactical", domain="monitoring", order=41,
            count=lambda user: Kpi.objects.restrict(user, "view").filter(
                is_active=True, status__in=["warning", "critical"]).count())
