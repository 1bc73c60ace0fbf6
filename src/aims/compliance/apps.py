from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "aims.compliance"
    label = "compliance"
    verbose_name = _("Compliance")

    def ready(self) -> None:
        from aims.core import catalog_commands, labels, registry

        from . import cli
        from . import labels as compliance_labels
        from .models import Framework, Requirement

        labels.register_actions(compliance_labels.ACTIONS)
        registry.register(Framework, url_name="compliance:framework_detail")
        registry.register(Requirement, url_name="compliance:requirement_detail")
        catalog_commands.register_loader("compliance", cli.load, order=30)
        cli.register()
