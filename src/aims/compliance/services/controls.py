"""Controls and their tests: create, change, link, record results. Readiness follows every change."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import context, ledger
from aims.core.notifications import close_tasks, notify, open_task
from aims.core.permissions import ADD, CHANGE, VIEW, require
from aims.core.services import _create, _save_with_changes

from ..models import Control, ControlTest, ControlTestResult, Requirement
from . import readiness
from ._common import check_compliance_person, clean_text, reject_unknown

EDITABLE = ("reference", "title", "description", "owner", "backup", "unit", "control_type", "automation",
            "how_it_operates", "frequency", "status")
LINKS = ("requirements", "risks", "systems", "components", "dependencies", "policies")


def _check_people(*, actor, owner, backup, unit, title: str, checked=("owner", "backup")) -> None:
    if owner is not None and not owner.is_active:
        raise ValidationError({"owner": _("The owner's account is deactivated.")})
    if backup is not None and owner is not None and backup.pk == owner.pk:
        raise ValidationError({"backup": _("The backup must be someone other than the owner.")})
    if "owner" in checked:
        check_compliance_person(actor=actor, person=owner, unit=unit, field="owner",
                                what=_("owner of the control “%(title)s”") % {"title": title})
    if "backup" in checked:
        check_compliance_person(actor=actor, person=backup, unit=unit, field="backup",
                                what=_("backup of the control “%(title)s”") % {"title": title})


def _check_visible(actor, objects, field: str) -> None:
    """A person links only what they can see; trusted code (actor None) is not checked."""
    if actor is None or not objects:
        return
    model = type(objects[0])
    ids = {o.pk for o in objects}
    seen = set(model._default_manager.restrict(actor, VIEW).filter(pk__in=ids).values_list("pk", flat=True))
    if ids - seen:
        raise PermissionDenied(_("You may not link some of these %(what)s.") % {"what": field})


def _next_reference() -> str:
    numbers = [int(r[4:]) for r in Control.objects.filter(reference__regex=r"^CTL-\d+$")
               .values_list("reference", flat=True)]
    return f"CTL-{(max(numbers) if numbers else 0) + 1:03d}"


@transaction.atomic
def create_control(*, actor, title: str, owner, reference: str = "", unit=None, reason: str = "", links=None,
                   **fields) -> Control:
    """A new control (planned by default). `links` maps requirements/risks/systems/... to lists of objects."""
    if actor is not None:
        require(actor, ADD, domain="compliance", unit=unit)
    reject_unknown(fields, EDITABLE)
    _check_people(actor=actor, owner=owner, backup=fields.get("backup"), unit=unit, title=title)
    control = Control(reference=(reference or "").strip().upper() or _next_reference(),
                      title=clean_text(title, "title", required=True, limit=300), owner=owner, unit=unit, **fields)
    control.readiness_reasons = readiness.compute(control)  # recorded with the creation, not as a second change
    control.is_ready = not control.readiness_reasons
    control = _create(actor=actor, obj=control, reason=reason)
    if links:
        set_control_links(actor=actor, control=control, reason=reason, **links)
    readiness.refresh_readiness(control=control, actor=actor)
    return control


@transaction.atomic
def update_control(*, actor, control: Control, changes: dict, expected_version: int | None = None,
                   reason: str = "") -> Control:
    require(actor, CHANGE, control)
    reject_unknown(changes, EDITABLE)
    if "title" in changes:
        changes["title"] = clean_text(changes["title"], "title", required=True, limit=300)
    if changes.get("unit") is not None:
        require(actor, CHANGE, domain="compliance", unit=changes["unit"])
    moved = "unit" in changes and changes["unit"] != control.unit
    # Who is newly named, or everyone when the control moves: an unchanged owner is not refused on an unrelated edit.
    checked = [f for f in ("owner", "backup") if moved or (f in changes and changes[f] != getattr(control, f))]
    _check_people(actor=actor, owner=changes.get("owner", control.owner), backup=changes.get("backup", control.backup),
                  unit=changes.get("unit", control.unit), title=changes.get("title", control.title), checked=checked)
    previous_owner = control.owner_id
    control = _save_with_changes(actor=actor, obj=control, changes=changes, reason=reason,
                                 expected_version=expected_version)
    if control.owner_id != previous_owner:
        close_tasks(source=f"compliance.readiness.{control.pk}")  # the new owner gets it if it is still not ready
    readiness.refresh_readiness(control=control, actor=actor)
    return control


@transaction.atomic
def set_control_links(*, actor, control: Control, reason: str = "", **links) -> Control:
    """Replace the linked requirements, risks, systems, components, dependencies or policies (those given)."""
    if actor is not None:
        require(actor, CHANGE, control)
    unknown = set(links) - set(LINKS)
    if unknown:
        raise ValidationError({f: _("This field cannot be changed here.") for f in sorted(unknown)})
    before, after = {}, {}
    for name, objects in links.items():
        objects = list(objects)
        if name == "requirements" and any(not r.assessable for r in objects):
            raise ValidationError({"requirements": _("Link assessable requirements (not chapters or groups).")})
        if name != "requirements":
            _check_visible(actor, objects, name)
        manager = getattr(control, name)
        old = sorted(manager.values_list("pk", flat=True))
        new = sorted({o.pk for o in objects})
        if old != new:
            manager.set(objects)
            before[f"{name}_ids"], after[f"{name}_ids"] = old, new
    if after:
        Control.objects.filter(pk=control.pk).update(version=control.version + 1, updated_at=context.now())
        control.version += 1
        ledger.record(actor=actor, action="compliance.control.links", obj=control, before=before, after=after,
                      reason=reason)
        readiness.refresh_readiness(control=control, actor=actor)
    return control


def _may_test(actor, control: Control) -> None:
    """The control's owner, its backup, a named tester, or a compliance writer records results."""
    if actor.pk in (control.owner_id, control.backup_id):
        return
    if control.tests.filter(tester=actor).exists():
        return
    require(actor, CHANGE, control)


@transaction.atomic
def add_test(*, actor, control: Control, name: str, pass_criteria: str, frequency: str | None = None,
             tester=None, first_due: date | None = None, reason: str = "") -> ControlTest:
    if actor is not None and actor.pk not in (control.owner_id, control.backup_id):
        require(actor, CHANGE, control)
    check_compliance_person(actor=actor, person=tester, unit=control.unit, field="tester",
                            what=_("tester of the control “%(title)s”") % {"title": control.title})
    test = ControlTest(control=control, name=clean_text(name, "name", required=True, limit=200),
                       pass_criteria=clean_text(pass_criteria, "pass_criteria", required=True,
                                                message=_("Write down what a pass means.")),
                       frequency=frequency or control.frequency, tester=tester,
                       next_due=first_due or context.today())
    test = _create(actor=actor, obj=test, reason=reason)
    readiness.refresh_readiness(control=control, actor=actor)
    return test


@transaction.atomic
def record_test_result(*, actor, test: ControlTest, result: str, performed_on: date | None = None, notes: str = "",
                       tester=None) -> ControlTestResult:
    """A result of a test; a failure gives the control owner a task. The next due date follows the frequency."""
    control = test.control
    if actor is not None:
        _may_test(actor, control)
    if result not in ControlTestResult.Result.values:
        raise ValidationError({"result": _("Choose pass, fail or not tested.")})
    performed_on = performed_on or context.today()
    if performed_on > context.today():
        raise ValidationError({"performed_on": _("A test cannot be performed in the future.")})
    notes = clean_text(notes, "notes")
    if result != ControlTestResult.Result.PASS and not notes:
        raise ValidationError({"notes": _("Say what was found.")})
    outcome = ControlTestResult(test=test, result=result, performed_on=performed_on, tester=tester or actor,
                                notes=notes)
    outcome.recorded_at = context.now()
    outcome.full_clean(exclude=["tester"] if outcome.tester_id is None else None)
    outcome.save()
    ledger.record(actor=actor, action="compliance.controltest.result", obj=test, object_label=str(test),
                  after=ledger.snapshot(outcome))
    next_due = performed_on + timedelta(days=test.valid_days - 1)
    if next_due != test.next_due:
        ControlTest.objects.filter(pk=test.pk).update(next_due=next_due)
        test.next_due = next_due
    close_tasks(source=f"compliance.test_due.{test.pk}")
    if result == ControlTestResult.Result.FAIL:
        params = {"control": str(control), "test": test.name}
        notify(recipient=control.owner, title=gettext_lazy("Control test failed: %(test)s (%(control)s)"), body=notes,
               params=params, url=control.get_absolute_url() + "?tab=tests", kind="compliance.test")
        open_task(assignee=control.owner, source=f"compliance.test_failed.{outcome.pk}",
                  title=gettext_lazy("Decide what to do: test “%(test)s” of %(control)s failed"), params=params,
                  url=control.get_absolute_url() + "?tab=tests")
    readiness.refresh_readiness(control=control, actor=actor)
    return outcome


def requirements_choices():
    """Assessable, current requirements, framework by framework (for forms)."""
    return (Requirement.objects.filter(assessable=True, is_active=True).select_related("framework")
            .order_by("framework__position", "framework_id", "position"))
