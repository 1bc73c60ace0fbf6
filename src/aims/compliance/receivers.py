"""How the compliance module reacts to other modules: evidence that changes re-evaluates the readiness of the controls
it is linked to (readiness needs fresh evidence); a system (re)classified under the AI Act gets its obligations
register brought in step (the ledger names the rule, not the classifier, for what follows from the catalogue)."""

from __future__ import annotations

from aims.evidence import signals as evidence_signals

from .models import Control
from .services import readiness


def _evidence_changed(*, targets, actor=None, **_kwargs) -> None:
    ids = {object_id for object_type, object_id in targets if object_type == "compliance.control"}
    if ids:
        readiness.refresh_many(Control.objects.filter(pk__in=[int(i) for i in ids if str(i).isdigit()]), actor=actor)


def _system_classified(*, system, classification, actor=None, **_kwargs) -> None:
    from aims.core import context

    from .services.obligations import sync_obligations

    with context.bound(system_actor="rules:ai-act-obligations"):
        sync_obligations(system=system, obligations=classification.obligations or [],
                         catalogue_version=classification.catalogue_version, actor=None)


def connect() -> None:
    from aims.inventory import signals as inventory_signals

    evidence_signals.evidence_changed.connect(_evidence_changed, dispatch_uid="compliance.readiness.evidence")
    inventory_signals.system_classified.connect(_system_classified, dispatch_uid="compliance.obligations.sync")
