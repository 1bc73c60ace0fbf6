"""Go-live (deployment) gate checks the risk module adds to the inventory's lifecycle gates.

Each check is `func(system) -> (passed, message, fix_url)` and only reads. Registered from RisksConfig.ready().
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import catalogs
from .models import ImpactAssessment, Risk, RiskAcceptance, TreatmentAction
from .suggest import _holds, system_characteristics

STAGE = "deployment"


def _risks_url(system) -> str:
    return f"/risks/?system={system.pk}"


def risk_assessment_done(system):
    """At least one linked risk is assessed, and none is left merely identified."""
    risks = Risk.objects.filter(systems=system).exclude(status=Risk.Status.CLOSED)
    assessed = risks.exclude(inherent_level="").count()
    unassessed = risks.filter(inherent_level="").count()
    if assessed == 0:
        return False, _("No assessed risk is linked to this system."), _risks_url(system)
    if unassessed:
        return False, _("%(n)d linked risks are not assessed yet.") % {"n": unassessed}, _risks_url(system)
    return True, _("%(n)d assessed risks.") % {"n": assessed}, _risks_url(system)


def risks_within_appetite_or_handled(system, *, on=None):
    """Every open risk above appetite has treatment actions under way or done, or a valid acceptance."""
    from .services._common import today

    day = on or today()
    valid_acceptance = RiskAcceptance.objects.filter(risk=OuterRef("pk"), status=RiskAcceptance.Status.ACTIVE,
                                                     expires_on__gte=day)
    actions = TreatmentAction.objects.filter(risk=OuterRef("pk")).exclude(status=TreatmentAction.Status.CANCELLED)
    unhandled = list(
        Risk.objects.filter(systems=system, above_appetite=True).exclude(status=Risk.Status.CLOSED)
        .filter(~Exists(valid_acceptance) & ~Exists(actions)).values_list("title", flat=True)[:5]
    )
    if unhandled:
        return False, _("Above appetite with neither treatment actions nor a valid acceptance: %(titles)s") % {
            "titles": "; ".join(unhandled)}, _risks_url(system)
    return True, "", _risks_url(system)


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
