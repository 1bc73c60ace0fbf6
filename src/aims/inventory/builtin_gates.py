"""The go-live (deployment) checks the inventory itself provides. Other modules register theirs the same way.

A failed check's link ("Fix this") opens the form that fixes it, at the field concerned when there is one: the system's
edit form, its model card, a component's evidence, or the go-live approval on the Lifecycle tab.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .gates import register_gate_check
from .models import ModelCard, Origin, OwnerApproval, Stage


def _url(system, anchor: str) -> str:
    return f"{system.get_absolute_url()}#{anchor}"


def _edit(system, field: str) -> str:
    """The system's edit form, at `field`."""
    return f"{reverse('inventory:system_edit', args=[system.pk])}#id_{field}"


def owner_approved(system):
    """The current owner approved the go-live (an approval by a former owner does not count)."""
    if not system.owner_id or not system.owner.is_active:
        return False, _("The system has no active owner."), _edit(system, "owner")
    approved = OwnerApproval.objects.filter(system=system, stage=Stage.DEPLOYMENT, approved_by_id=system.owner_id).exists()
    if not approved:
        return False, _("The owner, %(owner)s, has not approved the go-live.") % {"owner": system.owner}, _url(system, "go-live")
    return True, _("Approved by the owner."), ""


def documentation_complete(system):
    """Intended use written, and a model card with the system's limitations."""
    missing = []
    if not system.intended_use.strip():
        missing.append(_("intended use"))
    # Read fresh rather than through system.model_card, which may hold a card cached before it was edited.
    card = ModelCard.objects.filter(system=system).only("technical_limitations").first()
    if card is None:
        missing.append(_("model card"))
    elif not card.technical_limitations.strip():
        missing.append(_("limitations in the model card"))
    if missing:
        # One thing missing: its form; several: the Documentation tab, which links each.
        if len(missing) > 1:
            fix = _url(system, "documentation")
        elif not system.intended_use.strip():
            fix = _edit(system, "intended_use")
        else:
            fix = f"{reverse('inventory:model_card_edit', args=[system.pk])}#id_technical_limitations"
        return False, _("Missing: %(items)s.") % {"items": ", ".join(str(m) for m in missing)}, fix
    return True, _("Intended use and model card are filled in."), ""


def supplier_evidence(system):
    """Every supplier component used by the system has supplier evidence."""
    lacking = [link.component for link in system.component_links.select_related("component")
               if link.component.origin == Origin.SUPPLIER and not link.component.evidence_links]
    if lacking:
        names = ", ".join(str(c) for c in lacking)
        # One component: its form, at the evidence; several: the Components tab, which links each.
        fix = (f"{reverse('inventory:component_edit', args=[lacking[0].pk])}#id_evidence_links" if len(lacking) == 1
               else _url(system, "components"))
        return False, _("No supplier evidence for: %(names)s.") % {"names": names}, fix
    return True, _("Supplier evidence is present for every supplier component."), ""


def escalation_path(system):
    """Someone active to call when the system misbehaves."""
    if not system.incident_contact_id or not system.incident_contact.is_active:
        return False, _("Name an active incident contact."), _edit(system, "incident_contact")
    return True, _("Incident contact: %(person)s.") % {"person": system.incident_contact}, ""


register_gate_check(Stage.DEPLOYMENT, "inventory.owner_approval", gettext_lazy("Named owner approved the go-live"),
                    owner_approved, order=10)
register_gate_check(Stage.DEPLOYMENT, "inventory.documentation", gettext_lazy("Required documentation complete"),
                    documentation_complete, order=20)
register_gate_check(Stage.DEPLOYMENT, "inventory.supplier_evidence", gettext_lazy("Evidence for supplier components"),
                    supplier_evidence, order=30)
register_gate_check(Stage.DEPLOYMENT, "inventory.escalation_path", gettext_lazy("Escalation path (incident contact)"),
                    escalation_path, order=40)
