"""The gate-check registry: what must be true before a system may enter a lifecycle stage.

Any module adds checks at start-up (in its AppConfig.ready), for example the risk module:

    from aims.inventory.gates import register_gate_check

    def risks_accepted(system):
        open_count = ...
        return open_count == 0, _("%(n)s risks are not yet accepted.") % {"n": open_count}, f"/risks/?system={system.pk}"

    register_gate_check("deployment", "risks.accepted", _("Risks assessed and accepted"), risks_accepted)

A check is `func(system) -> (passed, message, fix_url)`; it must only read. See docs/inventory-gates.md.

Change guards are the same idea for the changes that alter a system without moving it (a change decision taking
effect, components or dependencies linked or unlinked): `register_change_guard(key, func)` with
`func(system) -> message` ("" lets the change through). The incidents module's evidence hold (AI Act Art. 73(6)) is one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _

from .models.systems import STAGE_ORDER, Stage

logger = logging.getLogger(__name__)

CheckFunc = Callable[[object], tuple]


@dataclass(frozen=True)
class GateCheck:
    stage: str
    key: str
    label: object  # a lazy translation, rendered when shown
    func: CheckFunc
    order: int = 100


@dataclass
class GateResult:
    stage: str
    key: str
    label: str
    passed: bool
    message: str = ""
    fix_url: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


_REGISTRY: dict[str, dict[str, GateCheck]] = {stage: {} for stage in STAGE_ORDER}


def register_gate_check(stage: str, key: str, label, func: CheckFunc, *, order: int = 100) -> GateCheck:
    """Add (or replace, under the same key) a check that must pass before a system enters `stage`."""
    if stage not in _REGISTRY:
        raise ValueError(f"unknown lifecycle stage: {stage}")
    if stage == Stage.RETIRED:
        raise ValueError("retirement goes through a change decision, not through gate checks")
    check = GateCheck(stage=stage, key=key, label=label, func=func, order=order)
    _REGISTRY[stage][key] = check
    return check


def unregister_gate_check(stage: str, key: str) -> None:
    _REGISTRY.get(stage, {}).pop(key, None)


@contextmanager
def only_checks(key_prefix: str):
    """Within the block, run only checks whose key starts with `key_prefix` (tests of one module's own checks)."""
    saved = {stage: dict(checks) for stage, checks in _REGISTRY.items()}
    for checks in _REGISTRY.values():
        for key in [k for k in checks if not k.startswith(key_prefix)]:
            del checks[key]
    try:
        yield
    finally:
        for stage, checks in saved.items():
            _REGISTRY[stage] = checks


def checks_for(stage: str) -> list[GateCheck]:
    return sorted(_REGISTRY.get(stage, {}).values(), key=lambda c: (c.order, c.key))


def stages_to_check(current: str, target: str) -> list[str]:
    """The stages whose gates a move from `current` to `target` must pass.

    Moving forward passes every gate on the way (skipping stages cannot skip their checks). Moving back passes only
    the target's gate, except that a revised system going back into operation goes live again, so the go-live gate
    (deployment) applies too.
    """
    i, j = STAGE_ORDER.index(current), STAGE_ORDER.index(target)
    if j > i:
        return STAGE_ORDER[i + 1: j + 1]
    if current == Stage.REVISION and target == Stage.OPERATION:
        return [Stage.DEPLOYMENT, Stage.OPERATION]
    return [target]


def run_check(check: GateCheck, system) -> GateResult:
    try:
        outcome = check.func(system)
        passed, message, fix_url = (tuple(outcome) + ("", ""))[:3]
    except Exception:  # a broken check from another module must block, visibly, not crash the move
        logger.exception("gate check %s failed to run", check.key)
        passed, message, fix_url = False, _("This check could not run; contact the administrator."), ""
    return GateResult(stage=check.stage, key=check.key, label=str(check.label), passed=bool(passed),
                      message=str(message or ""), fix_url=fix_url or "")


def evaluate(system, stage: str) -> list[GateResult]:
    """Results of every check of one stage's gate."""
    return [run_check(check, system) for check in checks_for(stage)]


def evaluate_move(system, target: str) -> list[GateResult]:
    """Results of every check a move of `system` to `target` must pass, in order."""
    results: list[GateResult] = []
    for stage in stages_to_check(system.stage, target):
        results.extend(evaluate(system, stage))
    return results


# --- Change guards ----------------------------------------------------------------------------------------------------

GuardFunc = Callable[[object], str]
_GUARDS: dict[str, GuardFunc] = {}


def register_change_guard(key: str, func: GuardFunc) -> None:
    """Add (or replace, under the same key) a guard every change that alters a system must pass."""
    _GUARDS[key] = func


def unregister_change_guard(key: str) -> None:
    _GUARDS.pop(key, None)


def change_refusals(system) -> list[str]:
    """The messages of the guards that refuse a change of `system` now (empty: the change may go ahead)."""
    return [message for _key, func in sorted(_GUARDS.items()) if (message := str(func(system) or ""))]
