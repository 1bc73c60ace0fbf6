"""What a person reads for the supplier module's own ledger actions (registered in AppConfig.ready)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "suppliers.supplier.submit": _("Supplier submitted for approval"),
    "suppliers.supplier.approve": _("Supplier approved"),
    "suppliers.supplier.return": _("Supplier returned to its owner"),
    "suppliers.supplier.suspend": _("Supplier suspended"),
    "suppliers.supplier.criticality": _("Supplier criticality recomputed"),
    "suppliers.assessment.complete": _("Supplier assessment completed"),
    "suppliers.questionnaire.answer": _("Questionnaire answers saved by the supplier"),
    "suppliers.questionnaire.attach": _("File attached to the questionnaire by the supplier"),
    "suppliers.questionnaire.submit": _("Questionnaire submitted by the supplier"),
    "suppliers.questionnaire.return": _("Questionnaire returned to the supplier for follow-up"),
    "suppliers.questionnaire.review": _("Questionnaire reviewed"),
    "suppliers.questionnaire.revoke": _("Questionnaire link revoked"),
    "suppliers.questionnaire.expire": _("Questionnaire link expired"),
}


# --- Reading the module's stored facts in History (models' `ledger_display`) --------------------------------------

def clauses_display(value, snapshot, memo) -> str:
    """Clause keys as the catalogue's words, in the reader's language."""
    from aims.core.labels import language

    from .catalog import clause_label

    return ", ".join(clause_label(key, language()) for key in value or []) or "—"


def subprocessors_display(value, snapshot, memo) -> str:
    from django.utils.translation import gettext as _

    parts = []
    for item in value or []:
        text = str(item.get("name", ""))
        if item.get("country"):
            text += f" ({item['country']})"
        if item.get("ai"):
            text += " · " + _("AI sub-processor")
        parts.append(text)
    return "; ".join(parts) or "—"


def countries_display(value, snapshot, memo) -> str:
    return ", ".join(value or []) or "—"
