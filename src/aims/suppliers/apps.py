from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliersConfig(AppConfig):
    name = "aims.suppliers"
    label = "suppliers"
    verbose_name = _("Suppliers")

    def ready(self) -> None:
        from aims.core import demo, labels, registry

        from . import approvals, gates, tasks, tasks_contracts  # noqa: F401  (periodic jobs register with Huey)
        from . import demo_contracts
        from . import demo as suppliers_demo
        from . import labels as suppliers_labels
        from .models import Assessment, Certification, Contact, Questionnaire, Supplier, Supply

        registry.register(Supplier, url_name="suppliers:supplier_detail")
        for model in (Assessment, Certification, Contact, Questionnaire, Supply):
            registry.register(model)
        from .models_contracts import AuditAction, AuditFinding, Contract, ExitPlan, SupplierAudit, SupplierChange

        for model in (Contract, SupplierAudit, AuditFinding, AuditAction, ExitPlan, SupplierChange):
            registry.register(model)
        labels.register_actions(suppliers_labels.ACTIONS)
        approvals.register()
        gates.register()
        demo.register("suppliers", suppliers_demo.load, order=70)
        demo.register("supplier_contracts", demo_contracts.load, order=71)
