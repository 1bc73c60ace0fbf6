"""What the compliance module's own ledger actions read as (registered in AppConfig.ready; see aims.core.labels)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "compliance.framework.load": _("Framework loaded"),
    "compliance.mappings.load": _("Cross-mappings loaded"),
    "compliance.control.links": _("Links changed"),
    "compliance.control.readiness": _("Readiness re-evaluated"),
    "compliance.controltest.result": _("Test result recorded"),
    "compliance.soaversion.submit": _("Submitted for approval"),
    "compliance.soaversion.approve": _("Statement of Applicability approved"),
    "compliance.soaversion.return": _("Returned with a comment"),
    "compliance.soaversion.supersede": _("Superseded by a newer version"),
    "compliance.gapassessment.close": _("Assessment closed"),
    "compliance.gapsnapshot.create": _("Scores recorded"),
    "compliance.systemobligation.retire": _("No longer applies (re-classified)"),
    "compliance.systemobligation.restore": _("Applies again (re-classified)"),
    "compliance.systemobligation.exception_request": _("Exception asked for"),
    "compliance.systemobligation.exception": _("Exception approved"),
    "compliance.systemobligation.exception_refused": _("Exception refused"),
    "compliance.systemobligation.exception_withdrawn": _("Exception withdrawn"),
    "compliance.policyversion.submit": _("Submitted for approval"),
    "compliance.policyversion.approve": _("Version approved"),
    "compliance.policyversion.return": _("Returned to its author"),
    "compliance.policyversion.publish": _("Version published"),
    "compliance.policyversion.retire": _("Version retired"),
    "compliance.policy.publish": _("New version in force"),
    "compliance.policy.acknowledge": _("Acknowledged"),
    "compliance.policy.review": _("Scheduled review recorded"),
}
