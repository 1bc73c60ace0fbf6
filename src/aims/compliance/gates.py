"""The go-live check the compliance module adds to the inventory's gate: every EU AI Act obligation that applies at
the go-live date has evidence, or a recorded, justified exception."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import context

from .models import SystemObligation


def obligations_evidenced(system):
    from aims.evidence.links import linked_ids

    day = context.today()
    due = list(SystemObligation.objects.filter(system=system, is_active=True, applies_from__isnull=False,
                                               applies_from__lte=day).order_by("applies_from", "key"))
    url = f"{system.get_absolute_url()}?tab=classification#obligations"
    if not due:
        return True, _("No AI Act obligation applies yet."), url
    evidenced = linked_ids("compliance.systemobligation", [o.pk for o in due])
    missing = [o for o in due if not evidenced.get(str(o.pk)) and not o.exception_justification.strip()]
    if missing:
        return False, _("Without evidence or a justified exception: %(list)s.") % {
            "list": "; ".join(f"{o.article} {o.title_en}" for o in missing[:5])}, url
    return True, _("%(n)d obligations in force, each with evidence or a justified exception.") % {"n": len(due)}, url


def register() -> None:
    try:
        from aims.inventory.gates import register_gate_check
    except ImportError:
        return
    register_gate_check("deployment", "compliance.obligations",
                        gettext_lazy("AI Act obligations in force have evidence or a justified exception"),
                        obligations_evidenced, order=60)
