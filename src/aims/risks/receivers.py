"""How the risk module reacts to what the inventory announces (aims.inventory.signals).

- A system registered or reclassified gets the catalogue rules' suggested risks, for its owner to accept or dismiss
  (for systems imported in bulk, a background task does it once the import has committed).
- A system going live (entering deployment) or a major change taking effect opens a review of its linked risks,
  through the same trigger API other modules call.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from aims.core.stored_text import Text
from aims.inventory import signals
from aims.inventory.models import ChangeDecision, Stage

from . import services, tasks, triggers


def _suggest(*, system, **_kwargs) -> None:
    services.suggest_by_rules(system=system)


def _suggest_later(*, systems, **_kwargs) -> None:
    ids = [system.pk for system in systems]
    # After the commit only: a rolled-back import leaves nothing behind, not even a queued task.
    transaction.on_commit(lambda: tasks.suggest_risks_for_systems(ids))


def _review_on_go_live(*, system, actor, previous, stage, **_kwargs) -> None:
    if stage == Stage.DEPLOYMENT:
        triggers.request_review(actor=actor, systems=[system], source="go_live",
                                reason=Text(_("%(system)s is going live."), system=str(system)))


def _review_on_major_change(*, system, actor, decision, **_kwargs) -> None:
    if decision.kind == ChangeDecision.Kind.MAJOR_UPDATE:
        triggers.request_review(actor=actor, systems=[system], source="major_change",
                                reason=Text(_("Major change of %(system)s: %(description)s"), system=str(system),
                                            description=decision.description[:4000]))


def connect() -> None:
    signals.system_registered.connect(_suggest, dispatch_uid="risks.suggest.registered")
    signals.systems_registered_in_bulk.connect(_suggest_later, dispatch_uid="risks.suggest.bulk")
    signals.system_classified.connect(_suggest, dispatch_uid="risks.suggest.classified")
    signals.stage_changed.connect(_review_on_go_live, dispatch_uid="risks.review.go_live")
    signals.change_effective.connect(_review_on_major_change, dispatch_uid="risks.review.major_change")
