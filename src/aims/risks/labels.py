"""What the risk module's own ledger actions read as (registered in AppConfig.ready; see aims.core.labels)."""

from django.utils.translation import gettext_lazy as _

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
