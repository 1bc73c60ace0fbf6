"""What a person reads for the supplier module's own ledger actions (registered in AppConfig.ready)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "suppliers.supplier.submit": _("Supplier submitted for approval"),
    "suppliers.supplier.approve": _("Supplier approved"),
    "suppliers.supplier.return": _("Supplier returned to its owner"),
    "suppliers.supplier.suspend": _("Supplier suspended"),
    "suppliers.supplier.criticality": _("Supplier criticality recomputed"),
    "suppliers.assessment.complete": _("Supplier assessment completed"),
}
