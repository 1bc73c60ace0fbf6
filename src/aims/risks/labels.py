"""What the risk module's own ledger actions read as (registered in AppConfig.ready; see aims.core.labels)."""

import re

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from aims.core.labels import language, localised, value_label, values_label
from aims.core.permissions import Role

ACTIONS = {
    "risks.impactassessment.answer": _("Answers saved"),
    "risks.impactassessment.approve": _("Impact assessment approved"),
    "risks.impactassessment.reopen": _("Impact assessment reopened"),
    "risks.impactassessment.return": _("Impact assessment returned"),
    "risks.impactassessment.submit": _("Impact assessment submitted"),
    "risks.risk.accept": _("Risk accepted"),
    "risks.risk.acceptance_expired": _("Acceptance expired"),
    "risks.risk.acceptance_withdrawn": _("Acceptance withdrawn"),
    "risks.risk.assess": _("Risk assessed"),
    "risks.risk.close": _("Risk closed"),
    "risks.risk.links": _("Links changed"),
    "risks.risk.review_closed": _("Reviewed: closed"),
    "risks.risk.review_rescored": _("Reviewed: re-scored"),
    "risks.risk.review_unchanged": _("Reviewed: unchanged"),
    "risks.risk.treatment": _("Treatment decided"),
    "risks.riskacceptance.expire": _("Acceptance expired"),
    "risks.riskacceptance.withdraw": _("Acceptance withdrawn"),
    "risks.riskmethod.activate": _("Method activated"),
    "risks.riskmethod.retire": _("Method retired"),
    "risks.riskreview.complete": _("Review completed"),
    "risks.riskreview.retrigger": _("Review triggered again"),
    "risks.risksuggestion.accept": _("Suggestion accepted"),
    "risks.risksuggestion.dismiss": _("Suggestion dismissed"),
    "risks.threatcatalog.import": _("Catalogue imported"),
    "risks.treatmentaction.remind": _("Reminder sent"),
    "risks.treatmentaction.status": _("Action status changed"),
}


# --- Reading the risk module's stored values in History (models' `ledger_display`) ------------------------------

def _level_names(memo: dict) -> dict[str, str]:
    """Level key -> label in the reader's language, from every method version (the newest wins): one query a page."""
    if "risk_levels" not in memo:
        # Through the app registry: the models use these functions, so this module cannot import them.
        RiskMethod = apps.get_model("risks", "RiskMethod")  # noqa: N806
        names: dict[str, str] = {}
        for levels in RiskMethod.objects.order_by("number").values_list("levels", flat=True):
            for level in levels or ():
                if isinstance(level, dict) and level.get("key"):
                    names[level["key"]] = localised(level.get("label_en") or level["key"], level.get("label_fr", ""))
        memo["risk_levels"] = names
    return memo["risk_levels"]


def level_display(value, snapshot, memo) -> str:
    return _level_names(memo).get(value, str(value))


def _step_labels(steps) -> str:
    return " · ".join(localised(s.get("label_en", ""), s.get("label_fr", "")) for s in steps or () if isinstance(s, dict))


def scale_display(value, snapshot, memo) -> str:
    return _step_labels(value)


def levels_display(value, snapshot, memo) -> str:
    shown = []
    for level in value or ():
        if isinstance(level, dict):
            who = [values_label(Role, level.get("acceptance_roles") or ()), ", ".join(level.get("acceptance_groups") or ())]
            who_text = "; ".join(w for w in who if w)
            label = localised(level.get("label_en", ""), level.get("label_fr", ""))
            shown.append(f"{label} ({who_text})" if who_text else label)
    return " · ".join(shown)


def matrix_display(value, snapshot, memo) -> str:
    names = {**_level_names(memo), **{lv.get("key"): localised(lv.get("label_en", ""), lv.get("label_fr", ""))
                                       for lv in snapshot.get("levels") or () if isinstance(lv, dict)}}
    return " / ".join(", ".join(names.get(cell, str(cell)) for cell in row) for row in value or ())


def appetite_by_category_display(value, snapshot, memo) -> str:
    from .choices import RiskCategory

    names = _level_names(memo)
    return "; ".join(f"{value_label(RiskCategory, category)} — {names.get(level, level)}"
                     for category, level in (value or {}).items())


def rule_display(value, snapshot, memo) -> str:
    from . import catalogs

    return catalogs.rule_name(value, language())


def suggestion_display(value, snapshot, memo) -> str:
    from . import catalogs

    return catalogs.suggestion_title(value, language())


def impact_answers_display(value, snapshot, memo) -> str:
    """An impact assessment's answers: each question in the reader's language, then the labels of the options given
    (never the template's keys); questions the template no longer asks keep their stored key."""
    if not isinstance(value, dict):
        return str(value)
    if "impact_questions" not in memo:
        from . import catalogs  # no model import: the models use this function

        memo["impact_questions"] = catalogs.template_questions(catalogs.impact_template())
    questions = memo["impact_questions"]
    parts = []
    for key, given in value.items():
        question = questions.get(key)
        if question is None:  # a question the template no longer asks: its stored key, its stored answer
            parts.append(f"{key}: {given}")
            continue
        options = {o.get("key"): localised(o.get("label_en", ""), o.get("label_fr", "")) for o in question.get("options", ())}
        if isinstance(given, bool):
            shown = str(_("yes") if given else _("no"))
        elif isinstance(given, list):
            shown = ", ".join(str(options.get(item, item)) for item in given)
        else:
            shown = str(options.get(given, given))
        parts.append(f"{localised(question.get('label_en', key), question.get('label_fr', ''))} {shown}")
    return " · ".join(parts) or "—"


_REVIEW_TRIGGER = re.compile(r"^\[([a-z_]+)\] ", re.MULTILINE)


def review_reason_text(reason: str) -> str:
    """A review's reasons as stored (each later trigger on its own line, "[source] reason"), with each trigger's label
    in the reader's language instead of its code."""
    sources = dict(apps.get_model("risks", "RiskReview").Source.choices)
    return _REVIEW_TRIGGER.sub(lambda m: f"{sources[m.group(1)]}: " if m.group(1) in sources else m.group(0),
                               reason or "")


def review_reason_display(value, snapshot, memo) -> str:
    return review_reason_text(str(value))
