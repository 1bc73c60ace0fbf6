"""What coordinated vulnerability disclosure registers when the incidents app is ready: the case as a linkable
object, the words of its ledger actions, and its demo data (after the incidents demo, which records the vulnerability
the demo case is linked to)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "incidents.disclosurecase.create": _("Vulnerability report received"),
    "incidents.disclosurecase.attach": _("File received with a vulnerability report"),
    "incidents.disclosurecase.message": _("Message exchanged with the reporter"),
    "incidents.disclosurecase.triage": _("Vulnerability report triaged"),
    "incidents.disclosurecase.revoke": _("Reporter's link withdrawn"),
    "incidents.disclosurecase.renew": _("Reporter's link renewed"),
    "incidents.advisory.publish": _("Advisory published"),
}


def register() -> None:
    from aims.core import demo, labels, registry

    from . import demo_disclosure
    from .models import Advisory, DisclosureCase

    registry.register(DisclosureCase, url_name="incidents:disclosure_detail")
    registry.register(Advisory)
    labels.register_actions(ACTIONS)
    demo.register("incidents_disclosure", demo_disclosure.load, order=71)
