"""The trigger API other modules call when something happens that may change a risk picture.

    from aims.core.stored_text import Text
    from aims.risks.triggers import request_review
    request_review(actor=user, reason=Text(gettext_lazy("Incident %(ref)s: %(title)s"), ref="INC-42", title="..."),
                   systems=[system], source="incident")

The reason is stored as a fact (aims.risks.review_reasons): a `Text` or lazy message reads in each reader's
language; a plain string is what a person typed, kept as typed.

It finds every open risk linked to the given systems, components or dependencies (directly, or through a system
that uses the component or dependency), opens a pending review for each (one per risk: a second event joins the
review already pending), notifies the owners and puts the review in their "my tasks". A major change also reopens
the systems' approved impact assessments.

No risk permission is required of `actor`: the calling module has already authorised its own change (an incident,
a change decision, a drift alert from a job), and the review only asks the risk owner to look. `actor` may be None
for background jobs; the ledger then names the job.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from .models import ImpactAssessment, Risk, RiskReview
from .services.impact import reopen_impact_assessment
from .services.reviews import open_review

SOURCES = ("incident", "major_change", "go_live", "supplier_change", "drift", "kpi_breach")
# Changes that invalidate an approved impact assessment of the system.
IMPACT_REOPENING_SOURCES = ("major_change",)


def _ids(objects) -> list:
    return [getattr(o, "pk", o) for o in objects]


def linked_risks(*, systems=(), components=(), dependencies=()):
    """Open risks linked to these objects, directly or through the systems that use the component/dependency."""
    system_ids, component_ids, dependency_ids = _ids(systems), _ids(components), _ids(dependencies)
    condition = Q(pk__in=[])
    if system_ids:
        condition |= Q(systems__in=system_ids)
    if component_ids:
        condition |= Q(components__in=component_ids) | Q(systems__component_links__component__in=component_ids)
    if dependency_ids:
        condition |= Q(dependencies__in=dependency_ids) | Q(systems__dependency_links__dependency__in=dependency_ids)
    ids = Risk.objects.filter(condition).exclude(status=Risk.Status.CLOSED).values_list("pk", flat=True).distinct()
    return Risk.objects.filter(pk__in=list(ids)).select_related("owner").order_by("pk")


@transaction.atomic
def request_review(*, actor, reason, systems=(), components=(), dependencies=(), source: str = "incident",
                   ) -> list[RiskReview]:
    """Open (or join) a review for each open risk linked to the objects; return the reviews, one per risk."""
    if source not in SOURCES:
        raise ValueError(f"unknown review trigger {source!r}; expected one of {', '.join(SOURCES)}")
    reviews = [open_review(actor=actor, risk=risk, source=source, reason=reason)
               for risk in linked_risks(systems=systems, components=components, dependencies=dependencies)]
    if source in IMPACT_REOPENING_SOURCES and systems:
        for assessment in ImpactAssessment.objects.select_related("system__owner").filter(
            system__in=_ids(systems), status=ImpactAssessment.Status.APPROVED
        ):
            # The reason stays a fact: the owner reads it in their language.
            reopen_impact_assessment(actor=actor, assessment=assessment, reason=reason)
    return reviews
