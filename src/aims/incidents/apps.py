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
        from .models import (
            Clock, ContainmentDecision, Incident, Mitigation, PostIncidentReview, RegimeDecision, RegulatoryProfile,
            ReviewAction, Vulnerability,
        )

        registry.register(Incident, url_name="incidents:detail")
        registry.register(Vulnerability, url_name="incidents:vulnerability_detail")
        for model in (Clock, RegimeDecision, RegulatoryProfile, ContainmentDecision, PostIncidentReview, ReviewAction,
                      Mitigation):
            registry.register(model)
        labels.register_actions(incidents_labels.ACTIONS)
        self._register_crisis()
        self._register_evidence_hold()
        from . import approvals as incidents_approvals

        incidents_approvals.register()
        demo.register("incidents", incidents_demo.load, order=70, history=incidents_demo.history)
        from . import disclosure_setup

        disclosure_setup.register()

        dashboard.register_card(
            "incidents.open", _("open incidents"), "incidents:list", domain="incidents", order=30,
            count=lambda user: Incident.objects.restrict(user, "view").filter(
                status__in=["reported", "triaged", "contained"]).count())
        dashboard.register_card(
            "incidents.clocks", _("notification deadlines running"), "incidents:clocks", domain="incidents", order=31,
            count=lambda user: Clock.objects.restrict(user, "view").filter(state=Clock.State.RUNNING).count())
        dashboard.register_card(
            "incidents.vulnerabilities", _("open vulnerabilities"), "incidents:vulnerability_list", domain="incidents",
            order=32, count=lambda user: Vulnerability.objects.restrict(user, "view").filter(
                status__in=["open", "mitigating"]).count())

    @staticmethod
    def _register_crisis() -> None:
        """Crisis mode and crisis exercises (issue 12 points 4 and 8): their pages, ledger words and demo."""
        from aims.core import demo, labels, registry

        from . import demo_crisis, labels_crisis
        from .models_crisis import Crisis, Exercise, ExerciseAction

        registry.register(Crisis, url_name="incidents:crisis_detail")
        registry.register(Exercise, url_name="incidents:exercise_detail")
        registry.register(ExerciseAction)
        labels.register_actions(labels_crisis.ACTIONS)
        demo.register("incidents_crisis", demo_crisis.load, order=75)

    @staticmethod
    def _register_evidence_hold() -> None:
        """AI Act Art. 73(6): a system held as evidence of a serious incident not yet reported neither moves along its
        lifecycle (a gate of every stage) nor changes (the inventory's change guards)."""
        from aims.inventory.gates import register_change_guard, register_gate_check
        from aims.inventory.models import Stage

        from .services.containment import hold_change_guard, hold_gate_check

        for stage in Stage.values:
            if stage != Stage.RETIRED:
                register_gate_check(stage, "incidents.evidence_hold", _("No evidence hold by a serious incident"),
                                    hold_gate_check, order=5)
        register_change_guard("incidents.evidence_hold", hold_change_guard)
