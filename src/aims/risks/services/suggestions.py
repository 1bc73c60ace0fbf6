"""Suggested risks: recorded from the catalogue rules, then accepted (a risk is created) or dismissed by the owner."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import context
from aims.core.notifications import notify
from aims.core.permissions import ADD, CHANGE
from aims.core.services import _create, _save_with_changes

from ..models import Risk, RiskSuggestion, Threat
from ..suggest import suggest_risks
from ._common import clean_text, require_or_system
from .risks import create_risk


def _threats_for(refs) -> list[Threat]:
    if not refs:
        return []
    condition = Q(pk__in=[])
    for catalog_key, external_id in refs:
        condition |= Q(catalog__key=catalog_key, external_id=external_id)
    return list(Threat.objects.filter(condition, is_active=True))


# Suggestions are proposed by the rules, not by the person registering the system: a contributor may register a
# system without holding any risk permission, and the ledger event says which rule proposed each suggestion.
RULES_ACTOR = "rules:risk-suggestions"


def suggest_by_rules(*, system) -> list[RiskSuggestion]:
    """`refresh_suggestions` as the rules' system actor (when the inventory registers or reclassifies a system)."""
    with context.bound(system_actor=RULES_ACTOR):
        return refresh_suggestions(actor=None, system=system)


@transaction.atomic
def refresh_suggestions(*, actor, system, notify_owner: bool = True) -> list[RiskSuggestion]:
    """Record the rules' new suggestions for `system` (call when a system is registered or reclassified).

    A suggestion already accepted or dismissed for this system is not proposed again. Returns the new ones.
    """
    require_or_system(actor, ADD, domain="risks", unit=system.unit)
    known = set(RiskSuggestion.objects.filter(system=system).values_list("key", flat=True))
    created = []
    for item in suggest_risks(system):
        if item["key"] in known:
            continue
        suggestion = _create(actor=actor, reason=gettext_lazy("Suggested by a catalogue rule"),
                             obj=RiskSuggestion(
                                 system=system, key=item["key"], rule=item["rule"], title_en=item["title_en"],
                                 title_fr=item.get("title_fr", ""), rationale_en=item.get("rationale_en", ""),
                                 rationale_fr=item.get("rationale_fr", ""), category=item["category"]))
        threats = _threats_for(item.get("threats"))
        if threats:
            suggestion.threats.set(threats)
        created.append(suggestion)
    if created and notify_owner:
        notify(recipient=system.owner, title=gettext_lazy("%(count)s risks are suggested for %(system)s"),
               params={"count": len(created), "system": str(system)}, url=f"/risks/suggestions/?system={system.pk}",
               kind="risk", email=False)  # in-app only: an import of many systems must not flood inboxes
    return created


@transaction.atomic
def accept_suggestion(*, actor, suggestion: RiskSuggestion, owner=None, title: str = "", reason: str = "") -> Risk:
    """Turn a suggestion into a risk linked to its system (owner defaults to the system owner)."""
    require_or_system(actor, CHANGE, suggestion)
    if suggestion.status != RiskSuggestion.Status.PENDING:
        raise ValidationError(_("This suggestion has already been decided."))
    system = suggestion.system
    language = getattr(actor, "language", "en")
    risk = create_risk(actor=actor, title=title.strip() or suggestion.title(language), category=suggestion.category,
                       owner=owner or system.owner, unit=system.unit, systems=[system],
                       threats=list(suggestion.threats.all()), reason=reason or _("Accepted suggestion"))
    _save_with_changes(actor=actor, obj=suggestion, reason=reason, expected_version=None,
                       action="risks.risksuggestion.accept",
                       changes={"status": RiskSuggestion.Status.ACCEPTED, "decided_by": actor,
                                "decided_at": context.now(), "risk": risk})
    return risk


@transaction.atomic
def dismiss_suggestion(*, actor, suggestion: RiskSuggestion, reason: str) -> RiskSuggestion:
    require_or_system(actor, CHANGE, suggestion)
    if suggestion.status != RiskSuggestion.Status.PENDING:
        raise ValidationError(_("This suggestion has already been decided."))
    reason = clean_text(reason, "dismiss_reason", required=True, limit=5000)
    return _save_with_changes(actor=actor, obj=suggestion, reason=reason, expected_version=None,
                              action="risks.risksuggestion.dismiss",
                              changes={"status": RiskSuggestion.Status.DISMISSED, "decided_by": actor,
                                       "decided_at": context.now(), "dismiss_reason": reason})
