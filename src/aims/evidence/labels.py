"""What the evidence library's own ledger actions read as (registered in AppConfig.ready; see aims.core.labels)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "evidence.evidenceversion.create": _("Version uploaded"),
    "evidence.evidenceversion.approve": _("Version approved"),
    "evidence.evidenceitem.new_version": _("New current version"),
    "evidence.evidenceitem.legal_hold": _("Put on legal hold"),
    "evidence.evidenceitem.legal_hold_release": _("Legal hold lifted"),
    "evidence.evidenceitem.to_reconfirm": _("Marked to re-confirm"),
    "evidence.evidenceitem.reconfirm": _("Re-confirmed"),
    "evidence.evidencelink.create": _("Evidence attached"),
    "evidence.evidencelink.delete": _("Evidence detached"),
    "evidence.evidencerequest.fulfil": _("Evidence provided"),
    "evidence.evidencerequest.cancel": _("Request cancelled"),
    "evidence.evidencerequest.escalate": _("Escalated to the manager"),
}
