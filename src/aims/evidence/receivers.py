"""Freshness on events, beyond calendar dates: what the inventory announces can make evidence stale.

- A major change of a system taking effect marks the evidence linked to the system "to re-confirm".
- A new version of a component (a new model version) marks the evidence linked to the previous version, and to the
  systems that use it, "to re-confirm".
The owners confirm or replace it (services.reconfirm_evidence / add_version).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aims.core import context
from aims.core.stored_text import Text
from aims.inventory import signals
from aims.inventory.models import ChangeDecision

from . import services
from .links import items_linked_to

ACTOR = "rules:evidence-freshness"


def _on_major_change(*, system, actor, decision, **_kwargs) -> None:
    if decision.kind != ChangeDecision.Kind.MAJOR_UPDATE:
        return
    items = list(items_linked_to([system]).select_related("owner"))
    if items:
        with context.bound(system_actor=ACTOR):
            services.mark_to_reconfirm(actor=None, items=items, reason=Text(_(
                "Major change of %(system)s: %(description)s"), system=str(system),
                description=decision.description[:4000]))


def _on_new_component_version(*, component, previous, actor, **_kwargs) -> None:
    systems = [link.system for link in previous.system_links.select_related("system")]
    items = {item.pk: item for item in items_linked_to([previous]).select_related("owner")}
    if systems:
        items.update({item.pk: item for item in items_linked_to(systems).select_related("owner")})
    if items:
        with context.bound(system_actor=ACTOR):
            services.mark_to_reconfirm(actor=None, items=list(items.values()), reason=Text(_(
                "New version %(new)s of %(name)s (was %(old)s)."), new=component.version_label, name=component.name,
                old=previous.version_label))


def connect() -> None:
    signals.change_effective.connect(_on_major_change, dispatch_uid="evidence.reconfirm.major_change")
    signals.component_version_created.connect(_on_new_component_version,
                                              dispatch_uid="evidence.reconfirm.component_version")
