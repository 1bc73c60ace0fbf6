"""The risk register: risks, treatment actions, acceptances, reviews and suggested risks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aims.core.labels import date_text, localised
from aims.core.models import VersionedModel

from .. import labels as risk_labels
from .. import review_reasons
from .common import RiskCategory


class Risk(VersionedModel):
    """An AI risk, scored with one version of the risk method.

    Scoping: a risk carries its own `unit` rather than inheriting it through a linked system, because a risk may
    link several systems in different units, or none at all (a supplier lock-in risk, an organisation-wide
    regulatory risk), and a many-to-many path would neither name one owner unit nor give a cheap, single-join
    filter on a 50,000-row register. Services default the unit to the first linked system's unit.

    Scores and levels are never typed in: services compute them from `method` (see services.apply_scores) and store
    them here so that lists filter and sort by level without touching the method. `*_rank` is the level's rank, the
    sort key across levels; `above_appetite` compares the current level (residual if scored, else inherent) with the
    method's appetite for the risk's category.
    """

    class Treatment(models.TextChoices):
        REDUCE = "reduce", _("Reduce")
        ACCEPT = "accept", _("Accept")
        TRANSFER = "transfer", _("Transfer")
        AVOID = "avoid", _("Avoid")

    class Status(models.TextChoices):
        IDENTIFIED = "identified", _("Identified")
        ASSESSED = "assessed", _("Assessed")
        TREATED = "treated", _("Treated")
        ACCEPTED = "accepted", _("Accepted")
        CLOSED = "closed", _("Closed")

    unit = models.ForeignKey("core.OrgUnit", verbose_name=_("organisation unit"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=300)
    category = models.CharField(_("category"), max_length=40, choices=RiskCategory.choices)
    # Scenario: what could happen, from what, with what result.
    risk_source = models.TextField(_("risk source"), blank=True)
    event = models.TextField(_("event"), blank=True)
    consequence = models.TextField(_("consequence"), blank=True)
    # EBIOS RM view, for critical systems.
    ebios_risk_source = models.TextField(_("risk source (EBIOS RM)"), blank=True)
    ebios_target_objective = models.TextField(_("target objective (EBIOS RM)"), blank=True)
    ebios_operational_scenario = models.TextField(_("operational scenario (EBIOS RM)"), blank=True)
    threats = models.ManyToManyField("risks.Threat", verbose_name=_("threats"), blank=True, related_name="risks")
    systems = models.ManyToManyField("inventory.AISystem", verbose_name=_("AI systems"), blank=True, related_name="risks")
    components = models.ManyToManyField("inventory.Component", verbose_name=_("components"), blank=True,
                                        related_name="risks")
    dependencies = models.ManyToManyField("inventory.Dependency", verbose_name=_("dependencies"), blank=True,
                                          related_name="risks")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("risk owner"), on_delete=models.PROTECT,
                              related_name="owned_risks")
    method = models.ForeignKey("risks.RiskMethod", verbose_name=_("method version"), on_delete=models.PROTECT,
                               related_name="risks")
    inherent_likelihood = models.PositiveSmallIntegerField(_("inherent likelihood"), null=True, blank=True)
    inherent_impact = models.PositiveSmallIntegerField(_("inherent impact"), null=True, blank=True)
    existing_measures = models.TextField(_("existing measures"), blank=True)
    treatment = models.CharField(_("treatment decision"), max_length=10, choices=Treatment.choices, blank=True)
    treatment_rationale = models.TextField(_("treatment rationale"), blank=True)
    residual_likelihood = models.PositiveSmallIntegerField(_("residual likelihood"), null=True, blank=True)
    residual_impact = models.PositiveSmallIntegerField(_("residual impact"), null=True, blank=True)
    target_level = models.CharField(_("target level"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.IDENTIFIED,
                              db_index=True)
    next_review_date = models.DateField(_("next review"), null=True, blank=True, db_index=True)
    # Computed by the services from `method`; never set from user input.
    inherent_score = models.PositiveSmallIntegerField(_("inherent score"), null=True, blank=True, editable=False)
    inherent_level = models.CharField(_("inherent level"), max_length=40, blank=True, editable=False)
    inherent_rank = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    residual_score = models.PositiveSmallIntegerField(_("residual score"), null=True, blank=True, editable=False)
    residual_level = models.CharField(_("residual level"), max_length=40, blank=True, editable=False)
    residual_rank = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    above_appetite = models.BooleanField(_("above appetite"), default=False, editable=False, db_index=True)

    ledger_fields = (
        "unit_id", "title", "category", "risk_source", "event", "consequence", "ebios_risk_source",
        "ebios_target_objective", "ebios_operational_scenario", "owner_id", "method_id", "inherent_likelihood",
        "inherent_impact", "existing_measures", "treatment", "treatment_rationale", "residual_likelihood",
        "residual_impact", "target_level", "status", "next_review_date", "inherent_score", "inherent_level",
        "residual_score", "residual_level", "above_appetite",
    )
    ledger_display = {name: risk_labels.level_display
                      for name in ("inherent_level", "residual_level", "target_level")}
    permission_domain = "risks"
    unit_path = "unit"

    class Meta:
        ordering = ["-residual_rank", "-inherent_rank", "title"]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        indexes = [
            models.Index(fields=["unit", "status"], name="risk_unit_status"),
            # The register's level sorts (ties by score, then by id): read in index order, not sorted per request.
            models.Index(fields=["inherent_rank", "inherent_score"], name="risk_inherent_sort"),
            models.Index(fields=["residual_rank", "residual_score"], name="risk_residual_sort"),
            # Covers the heatmap's GROUP BY: unit first, so a scoped reader reads only their units' entries (the
            # organisation-wide map scans this index, not the table). See benchmarks/risks.py.
            models.Index(fields=["unit", "method", "inherent_likelihood", "inherent_impact", "residual_likelihood",
                                 "residual_impact", "status"], name="risk_heatmap"),
            # Method first, then the cells: the register behind a heatmap cell's link seeks its risks here. (The
            # organisation-wide map once counted through it, 23 ms at 184,000 risks; it now reads the counts the
            # triggers of aims.risks.heatmap keep.) Unit last keeps it covering for a scoped reader.
            models.Index(fields=["method", "inherent_likelihood", "inherent_impact", "residual_likelihood",
                                 "residual_impact", "status", "unit"], name="risk_heatmap_all"),
            # The register's common filters (category, status, appetite) under its default and level sorts: the
            # category, then the sort's columns, then the other filters, so a filtered page walks the category's
            # entries in the order shown, checks status and appetite inside the index and stops when the page is full;
            # only its 50 rows are read from the table (aims.core.paging). With status and appetite before the sort
            # (as before), "open" (every status but closed) left the walk unordered: SQLite sorted the category's
            # 25,000 risks of 200,000 for every page (offset 5,000: 21-36 -> 3 ms; first page 8 -> 0.1 ms). Counts
            # stay inside the index (2 ms). Unit last keeps them covering for a reader scoped to units.
            models.Index(fields=["category", "residual_rank", "residual_score", "status", "above_appetite", "unit"],
                         name="risk_category_residual_sort"),
            models.Index(fields=["category", "inherent_rank", "inherent_score", "status", "above_appetite", "unit"],
                         name="risk_category_inherent_sort"),
            # The same for a reader scoped to units, whom SQLite serves through the unit (4,000 risks of 200,000)
            # rather than through the category: unit first (count and page 16.5 -> 2 ms).
            models.Index(fields=["unit", "category", "status", "above_appetite", "residual_rank", "residual_score",
                                 "inherent_rank", "inherent_score"], name="risk_unit_register_filters"),
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["title"], name="risk_title_sort"),
            models.Index(fields=["category"], name="risk_category_sort"),
            models.Index(fields=["updated_at"], name="risk_updated_sort"),
            # The same sorts for a reader scoped to units: SQLite reads such a reader's risks through the unit, so a
            # sort on a column outside the unit's index read every one of them from the table and sorted them (a
            # unit's 4,000 risks of 200,000: 7-9 ms per page). Unit first, the page is read in index order (0.1 ms).
            # The level sorts (the default among them) were sorted inside the filter index (0.8-2.3 -> 0.05-0.15 ms);
            # they hold the common filters too, so a filtered page walks them without reading the table.
            models.Index(fields=["unit", "inherent_rank", "inherent_score", "category", "status", "above_appetite"],
                         name="risk_unit_inherent_sort"),
            models.Index(fields=["unit", "residual_rank", "residual_score", "category", "status", "above_appetite"],
                         name="risk_unit_residual_sort"),
            models.Index(fields=["unit", "title"], name="risk_unit_title_sort"),
            models.Index(fields=["unit", "next_review_date"], name="risk_unit_review_sort"),
            models.Index(fields=["unit", "updated_at"], name="risk_unit_updated_sort"),
            # The owner sort joins the people, so this index only spares reading the unit's risks from the table
            # (11 -> 5 ms). It also serves the register's owner choices (people owning a risk the reader sees): one
            # probe per person for the reader's units, instead of every risk of that person (358 ms for a unit's
            # owner at 200,000 risks).
            models.Index(fields=["unit", "owner"], name="risk_unit_owner_sort"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def current_level(self) -> str:
        """The level that counts now: residual once scored, else inherent."""
        return self.residual_level or self.inherent_level

    @property
    def is_assessed(self) -> bool:
        return bool(self.inherent_level)


class TreatmentAction(VersionedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    risk = models.ForeignKey(Risk, verbose_name=_("risk"), on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="risk_actions")
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # Last overdue reminder, so the daily job reminds weekly rather than every day.
    reminded_on = models.DateField(null=True, blank=True, editable=False)

    ledger_fields = ("risk_id", "title", "description", "owner_id", "due_date", "status", "completed_at")
    permission_domain = "risks"
    unit_path = "risk__unit"
    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("treatment action")
        verbose_name_plural = _("treatment actions")

    def __str__(self) -> str:
        return self.title


class RiskAcceptance(VersionedModel):
    """A formal acceptance of a risk at a given level, by someone with the authority the method requires."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    risk = models.ForeignKey(Risk, verbose_name=_("risk"), on_delete=models.CASCADE, related_name="acceptances")
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), on_delete=models.PROTECT,
                                    related_name="+")
    accepted_at = models.DateTimeField(_("accepted"))
    rationale = models.TextField(_("rationale"))
    expires_on = models.DateField(_("expires on"), db_index=True)
    level = models.CharField(_("level at acceptance"), max_length=40)
    method = models.ForeignKey("risks.RiskMethod", verbose_name=_("method version"), on_delete=models.PROTECT,
                               related_name="+")
    above_appetite = models.BooleanField(_("above appetite at acceptance"), default=False)
    # Which authority allowed it ("role:risk_manager", "group:AI governance committee", "owner"): for auditors.
    authority = models.CharField(_("authority"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    ledger_fields = ("risk_id", "accepted_by_id", "accepted_at", "rationale", "expires_on", "level", "method_id",
                     "above_appetite", "authority", "status", "ended_at")
    ledger_display = {"level": risk_labels.level_display}
    permission_domain = "risks"
    unit_path = "risk__unit"

    class Meta:
        ordering = ["-accepted_at"]
        verbose_name = _("risk acceptance")
        verbose_name_plural = _("risk acceptances")
        constraints = [
            models.UniqueConstraint(fields=["risk"], condition=models.Q(status="active"), name="risk_one_active_acceptance"),
        ]

    def __str__(self) -> str:
        return f"{self.risk} · {self.level} · {date_text(self.expires_on)}"


class RiskReview(VersionedModel):
    """One review of a risk, periodic or triggered by an event: who asked, why, who did it, when, and the outcome."""

    class Source(models.TextChoices):
        PERIODIC = "periodic", _("Periodic review")
        INCIDENT = "incident", _("Incident")
        MAJOR_CHANGE = "major_change", _("Major change")
        GO_LIVE = "go_live", _("Go-live")
        SUPPLIER_CHANGE = "supplier_change", _("Supplier change")
        DRIFT = "drift", _("Drift alert")
        KPI_BREACH = "kpi_breach", _("KPI breach")
        ACCEPTANCE_EXPIRED = "acceptance_expired", _("Acceptance expired")
        MANUAL = "manual", _("Requested manually")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        COMPLETED = "completed", _("Completed")

    class Outcome(models.TextChoices):
        UNCHANGED = "unchanged", _("Unchanged")
        RESCORED = "rescored", _("Rescored")
        CLOSED = "closed", _("Closed")

    risk = models.ForeignKey(Risk, verbose_name=_("risk"), on_delete=models.CASCADE, related_name="reviews")
    source = models.CharField(_("trigger"), max_length=20, choices=Source.choices)
    # Why: one fact per event that asked (aims.risks.review_reasons), put into words in the reader's language.
    facts = models.JSONField(_("reasons"), default=list, blank=True)
    # What people typed (asking by hand, or through the API), as typed; the events' reasons are in `facts`.
    reason = models.TextField(_("reason"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    # The job or module that asked when no person did (e.g. "job:risks-periodic-reviews").
    requested_by_label = models.CharField(_("requested by"), max_length=200, blank=True)
    due_date = models.DateField(_("due date"), db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    level_before = models.CharField(_("level before"), max_length=40, blank=True)
    level_after = models.CharField(_("level after"), max_length=40, blank=True)
    method = models.ForeignKey("risks.RiskMethod", verbose_name=_("method version used"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    reminded_on = models.DateField(null=True, blank=True, editable=False)

    ledger_fields = ("risk_id", "source", "facts", "reason", "requested_by_id", "requested_by_label", "due_date", "status",
                     "completed_by_id", "completed_at", "outcome", "notes", "level_before", "level_after", "method_id")
    ledger_display = {"level_before": risk_labels.level_display, "level_after": risk_labels.level_display,
                      "reason": risk_labels.review_reason_display, "facts": review_reasons.facts_display}
    permission_domain = "risks"
    unit_path = "risk__unit"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("risk review")
        verbose_name_plural = _("risk reviews")
        constraints = [
            # Events arriving while a review is open join it instead of piling up reviews nobody can finish.
            models.UniqueConstraint(fields=["risk"], condition=models.Q(status="pending"), name="risk_one_pending_review"),
        ]

    def __str__(self) -> str:
        return f"{self.risk} · {self.get_source_display()} · {date_text(self.due_date)}"

    @property
    def reason_text(self) -> str:
        """The reasons in the reader's language, each later trigger after its label (a review stored before the
        facts existed, and not recognised by the migration, shows its stored text)."""
        if self.facts:
            return review_reasons.render(self.facts)
        return risk_labels.review_reason_text(self.reason)


class RiskSuggestion(VersionedModel):
    """A risk proposed for a system by a catalogue rule; its owner accepts it (a risk is created) or dismisses it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DISMISSED = "dismissed", _("Dismissed")

    system = models.ForeignKey("inventory.AISystem", verbose_name=_("AI system"), on_delete=models.CASCADE,
                               related_name="risk_suggestions")
    key = models.SlugField(_("suggestion"), max_length=80)
    rule = models.CharField(_("rule"), max_length=80)
    title_en = models.CharField(_("title (English)"), max_length=300)
    title_fr = models.CharField(_("title (French)"), max_length=300, blank=True)
    rationale_en = models.TextField(_("why (English)"), blank=True)
    rationale_fr = models.TextField(_("why (French)"), blank=True)
    category = models.CharField(_("category"), max_length=40, choices=RiskCategory.choices)
    threats = models.ManyToManyField("risks.Threat", verbose_name=_("threats"), blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    dismiss_reason = models.TextField(_("reason for dismissal"), blank=True)
    risk = models.ForeignKey(Risk, verbose_name=_("risk created"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")

    ledger_fields = ("system_id", "key", "rule", "title_en", "category", "status", "decided_by_id", "decided_at",
                     "dismiss_reason", "risk_id")
    ledger_display = {"rule": risk_labels.rule_display, "key": risk_labels.suggestion_display}
    permission_domain = "risks"
    unit_path = "system__unit"

    class Meta:
        ordering = ["status", "title_en"]
        verbose_name = _("suggested risk")
        verbose_name_plural = _("suggested risks")
        constraints = [models.UniqueConstraint(fields=["system", "key"], name="risk_suggestion_once_per_system")]

    def __str__(self) -> str:
        return localised(self.title_en, self.title_fr)

    def title(self, language: str = "en") -> str:
        return self.title_fr if language == "fr" and self.title_fr else self.title_en
