from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "aims.compliance"
    label = "compliance"
    verbose_name = _("Compliance")

    def ready(self) -> None:
        from aims.core import catalog_commands, demo, labels, registry

        from . import approvals, cards, cli, gates, receivers, tasks  # noqa: F401  (periodic jobs register with Huey)
        from . import demo as compliance_demo
        from . import labels as compliance_labels
        from .models import (
            Control, ControlTest, Framework, GapAssessment, Requirement, RequirementAssessment, SoAEntry, SoAVersion,
            SystemObligation,
        )

        labels.register_actions(compliance_labels.ACTIONS)
        registry.register(Framework, url_name="compliance:framework_detail")
        registry.register(Requirement, url_name="compliance:requirement_detail")
        registry.register(Control, url_name="compliance:control_detail")
        registry.register(ControlTest)
        registry.register(SoAEntry, url_name="compliance:soa_entry")
        registry.register(SoAVersion, url_name="compliance:soa_version")
        registry.register(GapAssessment, url_name="compliance:assessment_detail")
        registry.register(RequirementAssessment)
        registry.register(SystemObligation, url_name="compliance:obligation_detail")
        receivers.connect()
        approvals.register()
        approvals.register_policies()
        approvals.register_obligation_exceptions()
        cards.register()
        gates.register()
        demo.register("compliance", compliance_demo.load, order=30, history=compliance_demo.history)
        catalog_commands.register_loader("compliance", cli.load, order=30)
        cli.register()
