"""The inventory's go-live gate gains a check: every supplier of the system's components and dependencies is
approved (aims.inventory.gates.register_gate_check)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.inventory.gates import register_gate_check
from aims.inventory.models import ComponentDependency, Stage, SystemComponent, SystemDependency

from .models import Status, Supplier, Supply


def suppliers_of_system(system):
    """The suppliers of what the system uses: its components, its dependencies, and the dependencies of its
    components (one query)."""
    from django.db.models import Q

    components = SystemComponent.objects.filter(system=system).values("component")
    dependencies = SystemDependency.objects.filter(system=system).values("dependency")
    under_components = ComponentDependency.objects.filter(component__in=components).values("dependency")
    supplies = Supply.objects.filter(Q(component__in=components) | Q(dependency__in=dependencies)
                                     | Q(dependency__in=under_components))
    return Supplier.objects.filter(pk__in=supplies.values("supplier"))


def suppliers_approved(system):
    suppliers = list(suppliers_of_system(system).order_by("legal_name").only("legal_name", "status"))
    pending = [s for s in suppliers if s.status != Status.APPROVED]
    if pending:
        names = ", ".join(s.legal_name for s in pending)
        return False, _("Suppliers not approved: %(names)s.") % {"names": names}, pending[0].get_absolute_url()
    if not suppliers:
        return True, _("No registered supplier provides what this system uses."), ""
    return True, _("Every supplier is approved (%(count)s).") % {"count": len(suppliers)}, ""


def register() -> None:
    register_gate_check(Stage.DEPLOYMENT, "suppliers.approved", gettext_lazy("Suppliers approved"),
                        suppliers_approved, order=35)
