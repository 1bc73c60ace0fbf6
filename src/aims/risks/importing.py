"""Import of an existing risk register (CSV or XLSX): read, validate every row, preview, then apply all or nothing.

    report = import_risks(actor=user, data=upload_bytes, filename="register.xlsx", dry_run=True)
    report.to_create, report.to_update, report.unchanged, [str(p) for p in report.problems]
    report = import_risks(actor=user, data=upload_bytes, filename="register.xlsx")  # applies only if no problem

Every row is checked before anything is written, with bulk look-ups (a constant number of queries, whatever the
row count); a problem names its row and column ("row 7, column owner_email: no person with this e-mail"). Applying
goes through the risk services inside ONE transaction, so each risk is permission-checked, scored by its method and
ledgered exactly as if typed in a form, and any failure rolls the whole file back. Cell contents are data: a cell
holding "=cmd|..." or "<script>" is stored as that text (pages escape it; exports neutralise formulas).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower, Upper
from django.utils import translation
from django.utils.translation import gettext as _

from aims.core import dates
from aims.core.models import OrgUnit, User
from aims.core.permissions import ADD, CHANGE, VIEW, can_in_unit
from aims.inventory.models import AISystem

from . import services
from .choices import RiskCategory
from .import_format import COLUMN_NAMES, FileProblem, Table, read_table
from .models import Risk, RiskMethod
from .services._common import active_method

MAX_REPORTED_PROBLEMS = 500
TEXT_COLUMNS = ("risk_source", "event", "consequence", "ebios_risk_source", "ebios_target_objective",
                "ebios_operational_scenario", "existing_measures", "treatment_rationale")
SCORE_COLUMNS = ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact")
CHUNK = 900  # stays under SQLite's bound-parameter limit on old builds


@dataclass(frozen=True)
class Problem:
    row: int | None  # None: the whole file
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column is None:
            return _("row %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        return _("row %(row)d, column %(column)s: %(message)s") % {"row": self.row, "column": self.column,
                                                                   "message": self.message}


class RowError(Exception):
    def __init__(self, column: str | None, message: str):
        super().__init__(message)
        self.column, self.message = column, message


@dataclass
class RowPlan:
    """What one valid row will do: create (risk None) or update `risk`, with clean values."""

    row: int
    risk: Risk | None
    values: dict  # column -> clean value, only for the columns the file has
    changes: bool = True


@dataclass
class ImportReport:
    filename: str
    format: str = ""
    rows: int = 0
    to_create: int = 0
    to_update: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    dry_run: bool = False
    applied: bool = False
    created_ids: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_REPORTED_PROBLEMS:
            self.problems.append(problem)


# --- Look-ups done once per file ------------------------------------------------------------------------------

def _chunks(values):
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _labels(choices) -> dict[str, str]:
    """{lower-case key, English label, French label: key} for a TextChoices class."""
    mapping = {}
    for language in ("en", "fr"):
        with translation.override(language):
            for key, label in choices.choices:
                mapping[str(label).strip().lower()] = key
    mapping.update({key: key for key in choices.values})
    return mapping


class Lookups:
    """Everything the rows refer to, fetched in a few bulk queries and restricted to what `actor` may use."""

    def __init__(self, actor, table: Table):
        self.actor = actor
        column_values = {c: {v[c] for _n, v in table.rows if v.get(c)} for c in table.columns}
        emails = {e.lower() for e in column_values.get("owner_email", ())}
        self.people = {}
        for chunk in _chunks(emails):
            for person in User.objects.annotate(lower_email=Lower("email")).filter(lower_email__in=chunk,
                                                                                  is_active=True):
                self.people[person.lower_email] = person
        self.units = {u.code.lower(): u for u in OrgUnit.objects.filter(is_active=True)} if "unit_code" in table.columns else {}
        codes = {c.strip().upper() for cell in column_values.get("systems", ()) for c in cell.split(";") if c.strip()}
        systems = AISystem.objects.all() if actor is None else AISystem.objects.restrict(actor, VIEW)
        self.systems = {}
        for chunk in _chunks(codes):
            for system in systems.annotate(upper_code=Upper("reference_code")).filter(upper_code__in=chunk) \
                    .select_related("unit"):
                self.systems[system.upper_code] = system
        ids = {int(v) for v in column_values.get("id", ()) if v.isdigit()}
        changeable = Risk.objects.all() if actor is None else Risk.objects.restrict(actor, CHANGE)
        self.risks = {}
        for chunk in _chunks(ids):
            for risk in changeable.filter(pk__in=chunk).prefetch_related("systems"):
                self.risks[risk.pk] = risk
        self.active = active_method()
        method_ids = {r.method_id for r in self.risks.values()} | ({self.active.pk} if self.active else set())
        self.methods = {m.pk: m for m in RiskMethod.objects.filter(pk__in=method_ids)}
        self.categories = _labels(RiskCategory)
        self.treatments = _labels(Risk.Treatment)
        self.statuses = _labels(Risk.Status)

    def may_add_in(self, unit) -> bool:
        return self.actor is None or can_in_unit(self.actor, ADD, "risks", unit)


# --- Row validation -------------------------------------------------------------------------------------------

def _text(values: dict, column: str, *, required: bool = False, limit: int = 20_000) -> str:
    text = values.get(column, "")
    if "\x00" in text:
        raise RowError(column, _("contains a NUL character"))
    if required and not text:
        raise RowError(column, _("this value is required"))
    if len(text) > limit:
        raise RowError(column, _("at most %(n)d characters") % {"n": limit})
    return text


def _choice(mapping: dict, values: dict, column: str, what: str) -> str:
    raw = values.get(column, "")
    if not raw:
        return ""
    key = mapping.get(raw.strip().lower())
    if key is None:
        raise RowError(column, _("“%(value)s” is not a known %(what)s") % {"value": raw[:60], "what": what})
    return key


def _scale_value(method: RiskMethod, axis: str, raw: str, column: str) -> int | None:
    if not raw:
        return None
    definition = method.definition
    scale = definition.likelihood_scale if axis == "likelihood" else definition.impact_scale
    text = raw.strip()
    if re.fullmatch(r"\d+", text):
        value = int(text)
    else:
        labels = {}
        for number, step in enumerate(scale, start=1):
            for key in ("label_en", "label_fr"):
                labels.setdefault(str(step.get(key, "")).strip().lower(), number)
        value = labels.get(text.lower())
        if value is None:
            message = (_("“%(value)s” is neither a level number nor a label of the likelihood scale of %(method)s")
                       if axis == "likelihood" else
                       _("“%(value)s” is neither a level number nor a label of the impact scale of %(method)s"))
            raise RowError(column, message % {"value": text[:60], "method": method})
    if not 1 <= value <= len(scale):
        raise RowError(column, _("choose a level between 1 and %(n)d") % {"n": len(scale)})
    return value


def _level_key(method: RiskMethod, raw: str) -> str:
    if not raw:
        return ""
    wanted = raw.strip().lower()
    for level in method.definition.levels.values():
        if wanted in (level.key, level.label_en.lower(), level.label_fr.lower()):
            return level.key
    raise RowError("target_level", _("“%(value)s” is not a level of %(method)s") % {"value": raw[:60], "method": method})


def _date(raw: str):
    if not raw:
        return None
    text = raw.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise RowError("next_review_date", _("“%(value)s” is not a date (use YYYY-MM-DD or DD/MM/YYYY)") % {"value": text[:30]})


def _systems(lookups: Lookups, raw: str) -> list:
    found, missing = [], []
    for code in (c.strip() for c in raw.split(";")):
        if code:
            system = lookups.systems.get(code.upper())
            (found.append(system) if system is not None else missing.append(code))
    if missing:
        raise RowError("systems", _("no AI system you may see has the reference %(codes)s")
                       % {"codes": ", ".join(missing[:5])})
    return list({s.pk: s for s in found}.values())


def _status_after(risk: Risk | None, inherent_level: str, treatment: str) -> str:
    """The status the services will give this row (create/assess/decide_treatment)."""
    status = risk.status if risk is not None else Risk.Status.IDENTIFIED
    if inherent_level and status == Risk.Status.IDENTIFIED:
        status = Risk.Status.ASSESSED
    changed = treatment and (risk is None or treatment != risk.treatment)
    if changed and treatment != Risk.Treatment.ACCEPT and status != Risk.Status.ACCEPTED:
        status = Risk.Status.TREATED
    return status


def validate_row(lookups: Lookups, number: int, values: dict) -> RowPlan:
    """Clean one row into a RowPlan, or raise RowError naming the first bad column."""
    raw_id = values.get("id", "").strip()
    risk = None
    if raw_id:
        if not raw_id.isdigit() or int(raw_id) not in lookups.risks:
            raise RowError("id", _("no risk with this number that you may change"))
        risk = lookups.risks[int(raw_id)]
    clean: dict = {}
    clean["title"] = _text(values, "title", required=True, limit=300)
    clean["category"] = _choice(lookups.categories, values, "category", _("risk category"))
    if not clean["category"]:
        raise RowError("category", _("this value is required"))
    for column in TEXT_COLUMNS:
        if column in values:
            clean[column] = _text(values, column)
    email = _text(values, "owner_email", required=True, limit=254).lower()
    if email not in lookups.people:
        raise RowError("owner_email", _("no person with this e-mail"))
    clean["owner"] = lookups.people[email]
    if "systems" in values:
        clean["systems"] = _systems(lookups, values["systems"])
    if values.get("unit_code"):
        unit = lookups.units.get(values["unit_code"].strip().lower())
        if unit is None:
            raise RowError("unit_code", _("no organisation unit has this code"))
        clean["unit"] = unit
    if risk is None:
        unit = clean.get("unit") or (clean["systems"][0].unit if clean.get("systems") else None)
        if unit is None and not lookups.may_add_in(None):
            raise RowError("unit_code", _("give the unit code or a linked system: you may only record risks in "
                                          "your own organisation units"))
        if not lookups.may_add_in(unit):
            raise RowError("unit_code" if "unit" in clean else "systems",
                           _("you may not record risks in this organisation unit"))
    elif "unit" in clean and clean["unit"].pk != risk.unit_id and not lookups.may_add_in(clean["unit"]):
        raise RowError("unit_code", _("you may not move risks to this organisation unit"))
    method = lookups.methods.get(risk.method_id) if risk is not None else lookups.active
    if method is None:
        raise RowError(None, _("no risk method is active yet: a risk manager must activate one first"))
    for column in SCORE_COLUMNS:
        if column in values:
            clean[column] = _scale_value(method, column.split("_")[1], values[column], column)
        elif risk is not None:
            clean[column] = getattr(risk, column)
    if risk is not None and risk.inherent_likelihood is not None and clean.get("inherent_likelihood") is None:
        raise RowError("inherent_likelihood", _("an assessed risk keeps an inherent score"))
    try:
        scores = services.scored_changes(method=method, category=clean["category"],
                                         inherent=(clean.get("inherent_likelihood"), clean.get("inherent_impact")),
                                         residual=(clean.get("residual_likelihood"), clean.get("residual_impact")))
    except ValidationError as exc:
        column, messages = next(iter(exc.message_dict.items()))
        raise RowError(column if column in COLUMN_NAMES else None, " ".join(messages).rstrip(".")) from None
    clean["treatment"] = _choice(lookups.treatments, values, "treatment", _("treatment decision"))
    if "treatment" not in values and risk is not None:
        clean["treatment"] = risk.treatment
    if risk is not None and risk.treatment and not clean["treatment"]:
        raise RowError("treatment", _("a treatment decision cannot be removed by an import"))
    if clean["treatment"] and not scores["inherent_level"]:
        raise RowError("treatment", _("score the inherent risk before deciding how to treat it"))
    if "target_level" in values:
        clean["target_level"] = _level_key(method, values["target_level"])
    status = _choice(lookups.statuses, values, "status", _("status"))
    expected = _status_after(risk, scores["inherent_level"], clean["treatment"])
    if status == Risk.Status.CLOSED:
        clean["close"] = expected != Risk.Status.CLOSED
    elif status and status != expected and not (risk is not None and status == risk.status):
        # (A status left as exported is no request: re-importing an edited export must not trip over it.)
        if status == Risk.Status.ACCEPTED:
            message = _("a risk is accepted through its acceptance form, which checks the authority the method "
                        "requires")
        else:
            message = _("the status follows from the scores, treatment and acceptance: this row gives “%(status)s”") \
                % {"status": expected}
        raise RowError("status", message)
    if risk is not None and risk.status == Risk.Status.CLOSED:
        touched = any(clean.get(c) != getattr(risk, c) for c in SCORE_COLUMNS) or clean["treatment"] != risk.treatment
        if touched or status not in ("", Risk.Status.CLOSED):
            raise RowError("status", _("this risk is closed; reopen it through a review before changing it"))
    if "next_review_date" in values:
        clean["next_review_date"] = _date(values["next_review_date"])
        review = clean["next_review_date"]  # the service's rule, told by the dry run
        if review is not None and review != getattr(risk, "next_review_date", None) and dates.is_past(review):
            raise RowError("next_review_date", dates.past_message())
    plan = RowPlan(row=number, risk=risk, values=clean)
    if risk is not None:
        plan.changes = _differs(risk, clean)
    return plan


def _differs(risk: Risk, clean: dict) -> bool:
    for column, value in clean.items():
        if column == "systems":
            if sorted(s.pk for s in value) != sorted(s.pk for s in risk.systems.all()):
                return True
        elif column == "owner":
            if value.pk != risk.owner_id:
                return True
        elif column == "unit":
            if value.pk != risk.unit_id:
                return True
        elif column == "close":
            if value:
                return True
        elif column == "next_review_date":
            if value is not None and value != risk.next_review_date:
                return True
        elif getattr(risk, column) != value:
            return True
    return False


# --- Plan and apply ---------------------------------------------------------------------------------------------

def plan_import(*, actor, table: Table, report: ImportReport, progress=None) -> list[RowPlan]:
    lookups = Lookups(actor, table)
    plans, seen_ids = [], {}
    total = len(table.rows)
    for index, (number, values) in enumerate(table.rows, start=1):
        try:
            plan = validate_row(lookups, number, values)
            if plan.risk is not None:
                if plan.risk.pk in seen_ids:
                    raise RowError("id", _("this risk is already updated by row %(row)d") % {"row": seen_ids[plan.risk.pk]})
                seen_ids[plan.risk.pk] = number
            plans.append(plan)
        except RowError as error:
            report.add(Problem(number, error.column, error.message))
        if progress and (index % 500 == 0 or index == total):
            progress("check", index, total)
    report.rows = total
    report.to_create = sum(1 for p in plans if p.risk is None)
    report.to_update = sum(1 for p in plans if p.risk is not None and p.changes)
    report.unchanged = sum(1 for p in plans if p.risk is not None and not p.changes)
    return plans


def _apply_create(actor, plan: RowPlan, reason: str) -> Risk:
    v = plan.values
    risk = services.create_risk(
        actor=actor, title=v["title"], category=v["category"], owner=v["owner"], unit=v.get("unit"),
        systems=v.get("systems", ()), inherent_likelihood=v.get("inherent_likelihood"),
        inherent_impact=v.get("inherent_impact"), target_level=v.get("target_level", ""), reason=reason,
        **{c: v[c] for c in TEXT_COLUMNS if c in v and c != "treatment_rationale"})
    if v.get("residual_likelihood") is not None:
        risk = services.assess_risk(actor=actor, risk=risk, inherent_likelihood=v["inherent_likelihood"],
                                    inherent_impact=v["inherent_impact"], residual_likelihood=v["residual_likelihood"],
                                    residual_impact=v["residual_impact"], reason=reason)
    return _finish(actor, risk, plan, reason, treatment_changed=bool(v.get("treatment")))


def _apply_update(actor, plan: RowPlan, reason: str) -> Risk:
    risk, v = plan.risk, plan.values
    descriptive = {c: v[c] for c in ("title", "category", "owner", "unit", "target_level", *TEXT_COLUMNS)
                   if c in v and c != "treatment_rationale"}
    treatment_changed = v["treatment"] != risk.treatment
    if "treatment_rationale" in v and not treatment_changed:
        descriptive["treatment_rationale"] = v["treatment_rationale"]
    descriptive = {c: value for c, value in descriptive.items() if _current(risk, c) != _current_value(value)}
    if descriptive:
        risk = services.update_risk(actor=actor, risk=risk, changes=descriptive, reason=reason)
    if "systems" in v and sorted(s.pk for s in v["systems"]) != sorted(s.pk for s in plan.risk.systems.all()):
        services.set_risk_links(actor=actor, risk=risk, systems=v["systems"], reason=reason)
    scores = {c: v[c] for c in SCORE_COLUMNS}
    if any(getattr(risk, c) != scores[c] for c in SCORE_COLUMNS):
        risk = services.assess_risk(actor=actor, risk=risk, reason=reason, **scores)
    return _finish(actor, risk, plan, reason, treatment_changed=treatment_changed)


def _current(risk: Risk, column: str):
    return getattr(risk, f"{column}_id") if column in ("owner", "unit") else getattr(risk, column)


def _current_value(value):
    return value.pk if hasattr(value, "pk") else value


def _finish(actor, risk: Risk, plan: RowPlan, reason: str, *, treatment_changed: bool) -> Risk:
    v = plan.values
    if treatment_changed and v.get("treatment"):
        risk = services.decide_treatment(actor=actor, risk=risk, decision=v["treatment"],
                                         rationale=v.get("treatment_rationale", risk.treatment_rationale), reason=reason)
    elif plan.risk is None and v.get("treatment_rationale"):
        risk = services.update_risk(actor=actor, risk=risk, changes={"treatment_rationale": v["treatment_rationale"]},
                                    reason=reason)
    if v.get("next_review_date") and v["next_review_date"] != risk.next_review_date and not v.get("close"):
        risk = services.update_risk(actor=actor, risk=risk, changes={"next_review_date": v["next_review_date"]},
                                    reason=reason)
    if v.get("close"):
        risk = services.close_risk(actor=actor, risk=risk, reason=reason)
    return risk


@transaction.atomic
def apply_plans(*, actor, plans: list[RowPlan], report: ImportReport, reason: str, progress=None) -> None:
    """Apply valid row plans through the services, all in this one transaction. A service refusing a row (a
    permission or validation rule the pre-check could not see) rolls everything back and names the row."""
    total = len(plans)
    for index, plan in enumerate(plans, start=1):
        try:
            if plan.risk is None:
                report.created_ids.append(_apply_create(actor, plan, reason).pk)
            elif plan.changes:
                report.updated_ids.append(_apply_update(actor, plan, reason).pk)
        except (ValidationError, PermissionDenied) as exc:
            raise RowFailed(plan.row, exc) from exc
        if progress and (index % 200 == 0 or index == total):
            progress("import", index, total)


class RowFailed(Exception):
    def __init__(self, row: int, error: Exception):
        super().__init__(str(error))
        self.row, self.error = row, error

    def problem(self) -> Problem:
        if isinstance(self.error, ValidationError) and hasattr(self.error, "error_dict"):
            column, messages = next(iter(self.error.message_dict.items()))
            return Problem(self.row, column if column in COLUMN_NAMES else None, " ".join(messages))
        messages = getattr(self.error, "messages", None) or [str(self.error)]
        return Problem(self.row, None, " ".join(str(m) for m in messages))


def import_risks(*, actor, data: bytes, filename: str, dry_run: bool = False, reason: str = "",
                 progress=None) -> ImportReport:
    """Check a register file and, unless `dry_run` or any problem, apply it in one transaction. Returns the report
    (counts and problems); `report.applied` says whether anything was written. `actor` None is a trusted operator
    (the CLI): no permission restriction."""
    report = ImportReport(filename=filename, dry_run=dry_run)
    try:
        table = read_table(data, filename)
    except FileProblem as problem:
        report.add(Problem(None, None, str(problem)))
        return report
    report.format = table.format
    plans = plan_import(actor=actor, table=table, report=report, progress=progress)
    if not table.rows:
        report.add(Problem(None, None, _("The file has a header but no risks.")))
    if dry_run or not report.ok:
        return report
    reason = reason or _("Imported from the register file “%(name)s”") % {"name": filename[:120]}
    try:
        apply_plans(actor=actor, plans=plans, report=report, reason=reason, progress=progress)
    except RowFailed as failed:
        report.created_ids.clear()
        report.updated_ids.clear()
        report.add(failed.problem())
        return report
    report.applied = True
    return report


def import_file(*, actor, path: str, dry_run: bool = False, progress=None) -> ImportReport:
    """For the CLI: read a file from disk (refusing oversized files before reading them) and import it."""
    import os

    from .import_format import MAX_BYTES

    size = os.path.getsize(path)
    if size > MAX_BYTES:
        report = ImportReport(filename=os.path.basename(path), dry_run=dry_run)
        report.add(Problem(None, None, _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}))
        return report
    with open(path, "rb") as handle:
        data = handle.read()
    return import_risks(actor=actor, data=data, filename=os.path.basename(path), dry_run=dry_run, progress=progress)


__all__ = ["ImportReport", "Problem", "import_file", "import_risks"]
