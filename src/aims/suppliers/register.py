"""The supplier register's selection (search, filters, sort: what the register page shows a person) and its CSV/XLSX
export through the shared writers (aims.core.exports): labels in the header row, in the reader's language; codes in
the cells (statuses, criticalities, countries, unit codes, people's e-mails, clause keys, ISO dates), so a file reads
the same whatever the language it was exported in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .models import Criticality, Status, Supplier
from .services_reassessment import schedule_of, with_schedule

SORTS = {
    "name": ("legal_name",),
    "country": ("country", "legal_name"),
    "criticality": ("criticality_rank", "legal_name"),
    "status": ("status", "legal_name"),
    "owner": ("owner__last_name", "owner__first_name", "legal_name"),
}


@dataclass
class Selection:
    suppliers: object  # the ordered queryset, annotated with the re-assessment schedule
    q: str
    status: str
    criticality: str
    criticality_set: bool
    country: str
    sort: str
    descending: bool

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.status or self.country or self.criticality_set)


def _sorting(params) -> tuple[str, bool]:
    raw = params.get("sort", "name")
    descending = raw.startswith("-")
    key = raw.lstrip("-")
    return (key, descending) if key in SORTS else ("name", False)


def selection(user, params) -> Selection:
    """Exactly the suppliers the register shows `user` for these query parameters, in the same order."""
    suppliers = Supplier.objects.restrict(user, "view").select_related("owner", "unit")
    q = params.get("q", "").strip()[:200]
    for term in q.split()[:10]:
        suppliers = suppliers.filter(Q(legal_name__icontains=term) | Q(services__icontains=term)
                                     | Q(registration_number__icontains=term) | Q(vat_number__icontains=term))
    status, criticality = params.get("status", ""), params.get("criticality", "")
    country = params.get("country", "").strip().upper()[:2]
    if status in Status.values:
        suppliers = suppliers.filter(status=status)
    criticality_set = "criticality" in params and criticality in Criticality.values
    if criticality_set:
        suppliers = suppliers.filter(criticality=criticality)
    if country:
        suppliers = suppliers.filter(country=country)
    sort, descending = _sorting(params)
    ordering = [("-" if descending else "") + f for f in SORTS[sort]] + ["-pk" if descending else "pk"]
    # The re-assessment schedule comes with the rows (annotations of the same query).
    return Selection(with_schedule(suppliers).order_by(*ordering), q, status, criticality, criticality_set, country,
                     sort, descending)


# --- Export ------------------------------------------------------------------------------------------------------------

# (key, header label): the key names the column for the import (importing.py), which reads a header in either language.
COLUMNS = [
    ("legal_name", gettext_lazy("Legal name")), ("registration_number", gettext_lazy("Registration number")),
    ("vat_number", gettext_lazy("VAT number")), ("lei", gettext_lazy("LEI")), ("country", gettext_lazy("Country")),
    ("website", gettext_lazy("Website")), ("unit", gettext_lazy("Managing unit code")),
    ("owner", gettext_lazy("Internal owner")), ("backup", gettext_lazy("Backup owner")),
    ("status", gettext_lazy("Onboarding status")), ("criticality", gettext_lazy("Criticality")),
    ("required_score", gettext_lazy("Required score")), ("score_exception", gettext_lazy("Score exception")),
    ("last_assessed_on", gettext_lazy("Last assessed on")),
    ("reassessment_due_on", gettext_lazy("Re-assessment due on")),
    ("reassessment", gettext_lazy("Re-assessment")), ("clauses", gettext_lazy("Clauses in the contract")),
    ("dpa_signed_on", gettext_lazy("Data processing agreement signed on")),
    ("hosting_countries", gettext_lazy("Hosting countries")),
    ("trains_on_our_data", gettext_lazy("Trains on our data")),
    ("prompt_retention_days", gettext_lazy("Prompt retention (days)")),
    ("output_retention_days", gettext_lazy("Output retention (days)")),
    ("model_change_notice_days", gettext_lazy("Notice of model changes (days)")),
    ("value_chain_role", gettext_lazy("AI Act value-chain role")),
    ("art25_agreement", gettext_lazy("Art. 25 written agreement")), ("services", gettext_lazy("Services provided")),
]


def headers() -> list[str]:
    return [str(label) for _key, label in COLUMNS]


def _email(person) -> str:
    return person.email if person is not None else ""


def export_rows(suppliers) -> Iterable[list]:
    """One row per supplier, in `headers()` order; codes, not labels (see the module's docstring)."""
    for s in suppliers.select_related("unit", "owner", "backup").iterator(chunk_size=2000):
        schedule = schedule_of(s)
        yield [
            s.legal_name, s.registration_number, s.vat_number, s.lei, s.country, s.website, s.unit.code,
            _email(s.owner), _email(s.backup), s.status, s.criticality, s.required_score, s.score_exception,
            timezone.localdate(s.last_assessed_at) if s.last_assessed_at else None, schedule.due_on, schedule.code,
            " ".join(s.clauses or []), s.dpa_signed_on, " ".join(s.hosting_countries or []), s.trains_on_our_data,
            s.prompt_retention_days, s.output_retention_days, s.model_change_notice_days, s.value_chain_role,
            s.art25_agreement, s.services,
        ]
