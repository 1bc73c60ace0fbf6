"""The go-live (deployment) checks the inventory itself provides. Other modules register theirs the same way."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .gates import register_gate_check
from .models import ModelCard, Origin, OwnerApproval, Stage


def _url(system, anchor: str) -> str:
    return f"{system.get_absolute_url()}#{anchor}"


def owner_approved(system):
    """The current owner approved the go-live (an approval by a former owner does not count)."""
    if not system.owner_id or not system.owner.is_active:
        return False, _("The system has no active owner."), _url(system, "responsibilities")
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
        return False, _("Missing: %(items)s.") % {"items": ", ".join(str(m) for m in missing)}, _url(system, "documentation")
    return True, _("Intended use and model card are filled in."), ""


def supplier_evidence(system):
    """Every supplier component used by the system has supplier evidence."""
    lacking = [link.component for link in system.component_links.select_related("component")
               if link.component.origin == Origin.SUPPLIER and not link.component.evidence_links]
    if lacking:
        names = ", ".join(str(c) for c in lacking)
        return False, _("No supplier evidence for: %(names)s.") % {"names": names}, _url(system, "components")
    return True, _("Supplier evidence is present for every supplier component."), ""


def escalation_path(system):
    """Someone active to call when the system misbehaves."""
    if not system.incident_contact_id or not system.incident_contact.is_active:
        return False, _("Name an active incident contact."), _url(system, "responsibilities")
    return True, _("Incident contact: %(person)s.") % {"person": system.incident_contact}, ""


register_gate_check(Stage.DEPLOYMENT, "inventory.owner_approval", gettext_lazy("Named owner approved the go-live"),
                    owner_approved, order=10)
register_gate_check(Stage.DEPLOYMENT, "inventory.documentation", gettext_lazy("Required documentation complete"),
                    documentation_complete, order=20)
register_gate_check(Stage.DEPLOYMENT, "inventory.supplier_evidence", gettext_lazy("Evidence for supplier components"),
                    supplier_evidence, order=30)
register_gate_check(Stage.DEPLOYMENT, "inventory.escalation_path", gettext_lazy("Escalation path (incident contact)"),
                    escalation_path, order=40)
