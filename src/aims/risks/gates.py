"""Go-live (deployment) gate checks the risk module adds to the inventory's lifecycle gates.

Each check is `func(system) -> (passed, message, fix_url)` and only reads. Registered from RisksConfig.ready().
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import catalogs
from .models import ImpactAssessment, Risk, RiskAcceptance, RiskSuggestion, TreatmentAction
from .suggest import _holds, system_characteristics

STAGE = "deployment"


def _risks_url(system) -> str:
    return f"/risks/?system={system.pk}"


def _quoted(title: str) -> str:
    """A title between the quotation marks of the reader's language (« » in French)."""
    return _("“%(title)s”") % {"title": title}


def risk_assessment_done(system):
    """At least one linked risk is assessed, and none is left merely identified."""
    risks = Risk.objects.filter(systems=system).exclude(status=Risk.Status.CLOSED)
    assessed = risks.exclude(inherent_level="").count()
    unassessed = list(risks.filter(inherent_level="").order_by("title").values_list("pk", "title")[:20])
    # "Fix this" opens the form that fixes it: a new risk for the system, or the one risk to score.
    to_score = f"/risks/{unassessed[0][0]}/edit/#id_inherent_likelihood" if len(unassessed) == 1 else _risks_url(system)
    if assessed == 0:
        return False, _("No assessed risk is linked to this system."), (
            to_score if unassessed else f"/risks/new/?system={system.pk}")
    if unassessed:
        count = risks.filter(inherent_level="").count()
        titles = "; ".join(_quoted(title) for _pk, title in unassessed)
        return False, ngettext("%(n)d linked risk is not assessed yet: %(titles)s.",
                               "%(n)d linked risks are not assessed yet: %(titles)s.", count) % {
            "n": count, "titles": titles}, to_score
    return True, _("%(n)d assessed risks.") % {"n": assessed}, _risks_url(system)


# Treatments that lower a risk; "accept" keeps it where it is.
REDUCING_TREATMENTS = ("reduce", "transfer", "avoid")


def _language() -> str:
    return "fr" if (get_language() or "en").startswith("fr") else "en"


def _qualifying(actions) -> list:
    """The actions that count: done, or planned with a due date (a wish without a date does not)."""
    return [a for a in actions if a.status == TreatmentAction.Status.DONE
            or (a.status in TreatmentAction.OPEN_STATUSES and a.due_date is not None)]


def unsupported_residual(risk, actions) -> str:
    """Why the residual level of `risk` cannot count yet ("" when it can, or when there is none below the inherent).

    A residual level below the inherent one claims that something lowers the risk: that claim needs a treatment
    decision that reduces it (reduce, transfer, avoid) and at least one action done or planned with a date. Until then
    the gate counts the risk at its inherent level, whatever score was typed in.
    """
    if not risk.residual_level or risk.residual_rank is None or risk.inherent_rank is None:
        return ""
    if risk.residual_rank >= risk.inherent_rank:
        return ""
    if risk.treatment not in REDUCING_TREATMENTS:
        return _("no treatment decision lowers it")
    if not _qualifying(actions):
        return _("no action done or planned with a date")
    return ""


def counted_level(risk, actions) -> str:
    """The level the gate counts: the residual one when it is supported, else the inherent one."""
    if risk.residual_level and not unsupported_residual(risk, actions):
        return risk.residual_level
    return risk.inherent_level


def risks_within_appetite_or_handled(system, *, on=None):
    """Every open risk linked to the system, counted at its supported level (see `unsupported_residual`): within
    appetite, or above it with a valid acceptance or with actions done or planned with a date. The message names each
    risk counted and how it was counted."""
    from .services._common import today

    day = on or today()
    risks = list(Risk.objects.filter(systems=system).exclude(status=Risk.Status.CLOSED).exclude(inherent_level="")
                 .select_related("method").prefetch_related("actions", "acceptances").order_by("title", "pk"))
    language = _language()
    blocking, fine = [], []
    for risk in risks:
        definition = risk.method.definition
        actions = [a for a in risk.actions.all() if a.status != TreatmentAction.Status.CANCELLED]
        level_key = counted_level(risk, actions)
        level = definition.levels[level_key].label(language)
        weak_residual = unsupported_residual(risk, actions)
        note = (_("residual level not counted: %(why)s") % {"why": weak_residual}) if weak_residual else ""
        acceptance = next((a for a in risk.acceptances.all()
                           if a.status == RiskAcceptance.Status.ACTIVE and a.expires_on >= day), None)
        if not definition.is_above_appetite(level_key, risk.category):
            how = _("within appetite")
        elif acceptance is not None:
            how = _("accepted until %(date)s") % {"date": formats.date_format(acceptance.expires_on, "DATE_FORMAT")}
        elif _qualifying(actions):
            count = len(_qualifying(actions))
            how = ngettext("treated (%(n)d action done or planned)", "treated (%(n)d actions done or planned)",
                           count) % {"n": count}
        else:
            how = _("above appetite with no valid acceptance and no action done or planned with a date")
            blocking.append(_("“%(title)s” (%(level)s): %(how)s") % {
                "title": risk.title, "level": level, "how": "; ".join(filter(None, [how, note]))})
            continue
        fine.append(_("“%(title)s” (%(level)s): %(how)s") % {"title": risk.title, "level": level,
                                                           "how": "; ".join(filter(None, [how, note]))})
    if blocking:
        return False, _("Not handled: %(risks)s.") % {"risks": " · ".join(blocking)} + (
            " " + _("Counted as well: %(risks)s.") % {"risks": " · ".join(fine)} if fine else ""), _risks_url(system)
    if not fine:
        return True, _("No assessed open risk is linked to this system."), _risks_url(system)
    return True, ngettext("%(n)d risk counted: %(risks)s.", "%(n)d risks counted: %(risks)s.", len(fine)) % {
        "n": len(fine), "risks": " · ".join(fine)}, _risks_url(system)


def suggestions_decided(system):
    """The rules' suggested risks must each be accepted (a risk is created) or dismissed with a reason."""
    pending = list(RiskSuggestion.objects.filter(system=system, status=RiskSuggestion.Status.PENDING)
                   .order_by("title_en"))
    url = f"/risks/suggestions/?system={system.pk}"
    if pending:
        language = _language()
        return False, ngettext("%(n)d suggested risk is still undecided: %(titles)s.",
                               "%(n)d suggested risks are still undecided: %(titles)s.", len(pending)) % {
            "n": len(pending), "titles": "; ".join(_quoted(s.title(language)) for s in pending)}, url
    return True, _("Every suggested risk was accepted or dismissed."), url


def impact_assessment_required(system) -> bool:
    """True when the catalogue's `required_when` conditions match the system (high-risk tier, public exposure...)."""
    traits = system_characteristics(system)
    return any(all(_holds(k, v, traits) for k, v in condition.items())
               for condition in catalogs.impact_template().get("required_when", ()))


def impact_assessment_approved(system):
    if not impact_assessment_required(system):
        return True, _("Not required for this system."), ""
    runs = ImpactAssessment.objects.filter(system=system)
    approved = runs.filter(status=ImpactAssessment.Status.APPROVED).order_by("-number").first()
    url = f"/risks/impact-assessments/?system={system.pk}"
    if approved is None:
        return False, _("An approved impact assessment is required for this system."), url
    if runs.filter(Q(status=ImpactAssessment.Status.REOPENED), number__gt=approved.number).exists():
        return False, _("The impact assessment was reopened after a change and must be re-run."), url
    return True, _("Run %(n)d approved.") % {"n": approved.number}, url


def register() -> None:
    """Add the checks if the inventory's gate registry is there (the inventory app may not be installed)."""
    try:
        from aims.inventory.gates import register_gate_check
    except ImportError:
        return
    register_gate_check(STAGE, "risks.assessed", gettext_lazy("Risk assessment done"), risk_assessment_done, order=50)
    register_gate_check(STAGE, "risks.appetite", gettext_lazy("No risk above appetite left untreated or unaccepted"),
                        risks_within_appetite_or_handled, order=51)
    register_gate_check(STAGE, "risks.impact_assessment", gettext_lazy("Impact assessment approved where required"),
                        impact_assessment_approved, order=52)
    register_gate_check(STAGE, "risks.suggestions", gettext_lazy("Suggested risks decided"), suggestions_decided,
                        order=53)
