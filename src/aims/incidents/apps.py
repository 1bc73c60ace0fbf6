from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "aims.incidents"
    label = "incidents"
    verbose_name = _("Incidents")

    def ready(self) -> None:
        from aims.core import dashboard, demo, labels, registry

        from . import demo as incidents_demo
        from . import labels as incidents_labels
        from . import tasks  # noqa: F401  (registers the reminder sweep)
        from .models import Clock, Incident, RegimeDecision, RegulatoryProfile

        registry.register(Incident, url_name="incidents:detail")
        for model in (Clock, RegimeDecision, RegulatoryProfile):
            registry.register(model)
        labels.register_actions(incidents_labels.ACTIONS)
        demo.register("incidents", incidents_demo.load, order=70, history=incidents_demo.history)

        dashboard.register_card(
            "incidents.open", _("open incidents"), "incidents:list", domain="incidents", order=30,
            count=lambda user: Incident.objects.restrict(user, "view").filter(
                status__in=["reported", "triaged", "contained"]).count())
        dashboard.register_card(
            "incidents.clocks", _("notification deadlines running"), "incidents:clocks", domain="incidents", order=31,
            count=lambda user: Clock.objects.restrict(user, "view").filter(state=Clock.State.RUNNING).count())
