"""Incidents: the register, its timeline, the organisation's regulatory profile, the regimes proposed and confirmed
for each incident, their clocks and the submissions that stop them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aims.core.models import OrgUnit, VersionedModel

from . import labels


class Category(models.TextChoices):
    SECURITY_ATTACK = "security_attack", _("Security attack")
    MALFUNCTION = "malfunction", _("Malfunction")
    BIAS_ETHICS = "bias_ethics", _("Bias or ethics")
    PRIVACY_BREACH = "privacy_breach", _("Privacy breach")
    SAFETY = "safety", _("Safety")
    PERFORMANCE = "performance_degradation", _("Performance degradation")


class Nature(models.TextChoices):
    ATTACK = "attack", _("Attack")
    FAILURE = "failure", _("Failure")
    UNKNOWN = "unknown", _("Not yet known")


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported")
    TRIAGED = "triaged", _("Triaged")
    CONTAINED = "contained", _("Contained")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed after review")


# Where an incident may go from each status (closing has its own conditions, see services.change_status).
TRANSITIONS = {
    Status.REPORTED: (Status.TRIAGED, Status.CONTAINED, Status.RESOLVED),
    Status.TRIAGED: (Status.CONTAINED, Status.RESOLVED),
    Status.CONTAINED: (Status.TRIAGED, Status.RESOLVED),
    Status.RESOLVED: (Status.CONTAINED, Status.CLOSED),
    Status.CLOSED: (),
}
OPEN_STATUSES = (Status.REPORTED, Status.TRIAGED, Status.CONTAINED)

# The facts of an incident that decide which regulatory regimes apply (catalogs/incident_clocks.yaml names them).
FACT_FIELDS = ("personal_data_breach", "serious_incident", "death", "widespread_or_critical_infrastructure",
               "significant_incident", "major_ict_incident", "actively_exploited_vulnerability", "severe_incident")


class Incident(VersionedModel):
    """An AI or security event: what happened, to which systems, how bad, who handles it, and where it stands."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices, db_index=True)
    nature = models.CharField(_("classification"), max_length=10, choices=Nature.choices, default=Nature.UNKNOWN,
                              help_text=_("An attack (someone meant it) or a failure (nobody did)."))
    severity = models.CharField(_("severity"), max_length=20, db_index=True,
                                help_text=_("On the organisation's severity scale (catalogue data)."))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REPORTED,
                              db_index=True)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("organisation unit"), on_delete=models.PROTECT,
                             related_name="incidents")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("handler"), on_delete=models.PROTECT,
                                related_name="handled_incidents",
                                help_text=_("The person who runs the response; they and their manager are reminded "
                                            "of the deadlines."))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    systems = models.ManyToManyField("inventory.AISystem", verbose_name=_("affected AI systems"), blank=True,
                                     related_name="incidents")
    components = models.ManyToManyField("inventory.Component", verbose_name=_("affected components"), blank=True,
                                        related_name="incidents")
    suppliers = models.TextField(_("suppliers involved"), blank=True)
    people_affected = models.PositiveIntegerField(_("people affected"), null=True, blank=True)
    people_description = models.TextField(_("who is affected"), blank=True)
    damage_business = models.TextField(_("damage to the business"), blank=True)
    damage_legal = models.TextField(_("legal consequences"), blank=True)
    damage_customers = models.TextField(_("effect on customers"), blank=True)

    detected_at = models.DateTimeField(_("detected on"))
    aware_at = models.DateTimeField(_("became aware on"),
                                    help_text=_("When the organisation knew enough to say an incident happened: most "
                                                "deadlines count from here."))
    classified_major_at = models.DateTimeField(_("classified as major on"), null=True, blank=True)
    fix_available_at = models.DateTimeField(_("fix available on"), null=True, blank=True)
    contained_at = models.DateTimeField(_("contained on"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)

    personal_data_breach = models.BooleanField(_("personal data breached"), default=False,
                                               help_text=_("Personal data was exposed, lost, altered or disclosed."))
    serious_incident = models.BooleanField(_("serious incident (EU AI Act)"), default=False,
                                           help_text=_("Death or serious harm to health, serious and irreversible "
                                                       "disruption of critical infrastructure, infringement of "
                                                       "fundamental rights, or serious harm to property or the "
                                                       "environment."))
    death = models.BooleanField(_("a person died"), default=False)
    widespread_or_critical_infrastructure = models.BooleanField(
        _("widespread infringement or critical infrastructure disrupted"), default=False)
    significant_incident = models.BooleanField(_("significant incident (NIS2)"), default=False)
    major_ict_incident = models.BooleanField(_("major ICT-related incident (DORA)"), default=False)
    actively_exploited_vulnerability = models.BooleanField(_("actively exploited vulnerability (CRA)"), default=False)
    severe_incident = models.BooleanField(_("severe incident affecting a product's security (CRA)"), default=False)

    ledger_fields = (
        "reference", "title", "description", "category", "nature", "severity", "status", "unit_id", "handler_id",
        "reported_by_id", "suppliers", "people_affected", "people_description", "damage_business", "damage_legal",
        "damage_customers", "detected_at", "aware_at", "classified_major_at", "fix_available_at", "contained_at",
        "resolved_at", "closed_at", *FACT_FIELDS,
    )
    ledger_labels = labels.INCIDENT_LABELS
    ledger_display = labels.INCIDENT_DISPLAY
    permission_domain = "incidents"
    unit_path = "unit"

    class Meta:
        ordering = ["-aware_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            models.Index(fields=["status", "-aware_at"], name="incident_status_aware"),
            models.Index(fields=["unit", "status"], name="incident_unit_status"),
            models.Index(fields=["-aware_at", "-id"], name="incident_aware"),
            models.Index(fields=["severity", "-aware_at"], name="incident_severity"),
            models.Index(fields=["title", "id"], name="incident_title"),
            models.Index(fields=["-created_at", "-id"], name="incident_created"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}" if self.reference else self.title

    def get_absolute_url(self) -> str:
        return f"/incidents/{self.pk}/"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TimelineEntry(models.Model):
    """A timestamped moment of the incident (detected, became aware, classified, contained, notified, resolved...),
    with who recorded it and where the information came from."""

    class Kind(models.TextChoices):
        DETECTED = "detected", _("Detected")
        AWARE = "aware", _("Became aware")
        CLASSIFIED = "classified", _("Classified")
        CONTAINED = "contained", _("Contained")
        NOTIFIED = "notified", _("Notified")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        DECISION = "decision", _("Containment decision")
        HOLD = "hold", _("Evidence hold")
        REVIEWED = "reviewed", _("Post-incident review approved")
        NOTE = "note", _("Observation")

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.CASCADE,
                                 related_name="timeline")
    kind = models.CharField(_("what"), max_length=12, choices=Kind.choices)
    at = models.DateTimeField(_("when"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(_("source"), max_length=300, blank=True,
                              help_text=_("Where this comes from: a log, a person, a monitoring alert..."))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        indexes = [models.Index(fields=["incident", "at"], name="timeline_incident_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.at:%Y-%m-%d %H:%M}"


# The kinds a person adds by hand; decisions and evidence holds enter the timeline through their own services.
MANUAL_TIMELINE_KINDS = tuple(k for k in TimelineEntry.Kind.values if k not in ("decision", "hold", "reviewed"))


class RegulatoryProfile(VersionedModel):
    """What the organisation is, for the regulations that decide which clocks run (one row)."""

    class Nis2(models.TextChoices):
        NONE = "", _("Not in scope")
        ESSENTIAL = "essential", _("Essential entity")
        IMPORTANT = "important", _("Important entity")

    nis2_entity = models.CharField(_("NIS2 entity"), max_length=10, choices=Nis2.choices, blank=True, default="")
    financial_entity = models.BooleanField(_("financial entity under DORA"), default=False)
    digital_products_manufacturer = models.BooleanField(
        _("manufacturer of products with digital elements (Cyber Resilience Act)"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    ledger_fields = ("nis2_entity", "financial_entity", "digital_products_manufacturer", "notes")
    permission_domain = "organisation"
    unit_path = None

    class Meta:
        verbose_name = _("regulatory profile")
        verbose_name_plural = _("regulatory profiles")

    def __str__(self) -> str:
        return str(_("Regulatory profile"))


class RegimeDecision(VersionedModel):
    """A regulatory regime for an incident: proposed by the product from the facts, then applied (its clocks run) or
    dismissed with a reason by a person."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPLIED = "applied", _("Applies")
        DISMISSED = "dismissed", _("Does not apply")

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.CASCADE,
                                 related_name="regimes")
    regime = models.CharField(_("regime"), max_length=60)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PROPOSED)
    facts = models.JSONField(_("facts that proposed it"), default=list, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    catalogue_version = models.CharField(_("catalogue version"), max_length=20, blank=True)

    ledger_fields = ("incident_id", "regime", "state", "facts", "decided_by_id", "decided_at", "reason",
                     "catalogue_version")
    ledger_display = labels.DECISION_DISPLAY
    permission_domain = "incidents"
    unit_path = "incident__unit"

    class Meta:
        ordering = ["regime"]
        verbose_name = _("regulatory regime")
        verbose_name_plural = _("regulatory regimes")
        constraints = [models.UniqueConstraint(fields=["incident", "regime"], name="one_decision_per_regime")]

    def __str__(self) -> str:
        from . import clocks

        entry = clocks.regime(self.regime)
        from aims.core.labels import language

        return f"{self.incident.reference} · {entry.label_in(language()) if entry else self.regime}"


class Clock(VersionedModel):
    """One deadline of an applied regime: counting from its anchor, reminding at the catalogue's points, stopped by
    a submission."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting for its starting event")
        RUNNING = "running", _("Running")
        SUBMITTED = "submitted", _("Submitted")
        CANCELLED = "cancelled", _("Cancelled")

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.CASCADE,
                                 related_name="clocks")
    decision = models.ForeignKey(RegimeDecision, verbose_name=_("regime"), on_delete=models.CASCADE,
                                 related_name="clocks")
    regime = models.CharField(_("regime"), max_length=60)
    deadline = models.CharField(_("deadline"), max_length=60)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.WAITING)
    anchor_at = models.DateTimeField(_("counts from"), null=True, blank=True)
    due_at = models.DateTimeField(_("due on"), null=True, blank=True)
    basis = models.CharField(_("computed as"), max_length=100, blank=True)
    reminders_sent = models.JSONField(_("reminders sent"), default=list, blank=True)
    next_reminder_at = models.DateTimeField(_("next reminder"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("first submitted on"), null=True, blank=True)
    late = models.BooleanField(_("submitted late"), default=False)

    ledger_fields = ("incident_id", "regime", "deadline", "state", "anchor_at", "due_at", "basis", "reminders_sent",
                     "submitted_at", "late")
    ledger_labels = labels.CLOCK_LABELS
    ledger_display = labels.CLOCK_DISPLAY
    permission_domain = "incidents"
    unit_path = "incident__unit"

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("notification clock")
        verbose_name_plural = _("notification clocks")
        constraints = [models.UniqueConstraint(fields=["incident", "regime", "deadline"], name="one_clock_per_deadline")]
        indexes = [
            # The reminder sweep reads only the clocks whose next point has come.
            models.Index(fields=["next_reminder_at"], name="clock_next_reminder",
                         condition=models.Q(state="running")),
            # The home card and the open-clock list: running clocks nearest their deadline first.
            models.Index(fields=["state", "due_at", "id"], name="clock_state_due"),
            # The API's sorts of clocks.
            models.Index(fields=["due_at", "id"], name="clock_due"),
            models.Index(fields=["incident", "due_at"], name="clock_incident_due"),
        ]

    def __str__(self) -> str:
        entry = self.definition()
        from aims.core.labels import language

        label = entry.label_in(language()) if entry else self.deadline
        return f"{self.incident.reference} · {label}"

    def definition(self):
        from . import clocks

        regime = clocks.regime(self.regime)
        try:
            return regime.deadline(self.deadline) if regime else None
        except StopIteration:
            return None

    def get_absolute_url(self) -> str:
        return f"/incidents/{self.incident_id}/#clock-{self.pk}"


class Submission(models.Model):
    """A report sent to an authority for a clock: who sent it, when, to whom, the reference or receipt, the report as
    evidence, and why it was late when it was."""

    clock = models.ForeignKey(Clock, verbose_name=_("clock"), on_delete=models.CASCADE, related_name="submissions")
    submitted_at = models.DateTimeField(_("submitted on"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"),
                                     on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    authority = models.CharField(_("authority"), max_length=200)
    reference = models.CharField(_("reference or receipt"), max_length=200, blank=True)
    complete = models.BooleanField(_("complete report"), default=True,
                                   help_text=_("Untick for an initial report that is allowed to be incomplete."))
    late_reason = models.TextField(_("reason for the delay"), blank=True)
    note = models.TextField(_("note"), blank=True)
    evidence = models.ForeignKey("evidence.EvidenceItem", verbose_name=_("report"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["submitted_at", "id"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return f"{self.authority} · {self.reference}" if self.reference else self.authority


class ContainmentDecision(VersionedModel):
    """A decision of the response (isolate, quarantine data flows, degraded mode, human takeover, roll back, stop...):
    who decided, when, why and what it does to the system. A measure in force stays on its system until lifted."""

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.CASCADE,
                                 related_name="containment")
    kind = models.CharField(_("decision"), max_length=30, help_text=_("A kind of the catalogue (catalogs/incidents.yaml)."))
    system = models.ForeignKey("inventory.AISystem", verbose_name=_("AI system"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="containment_decisions")
    component = models.ForeignKey("inventory.Component", verbose_name=_("version rolled back to"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided on"))
    reason = models.TextField(_("why"))
    effect = models.TextField(_("effect on the system"), blank=True)
    in_force = models.BooleanField(_("in force"), default=False)
    lifted_at = models.DateTimeField(_("lifted on"), null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("lifted by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    lift_reason = models.TextField(_("why it was lifted"), blank=True)

    ledger_fields = ("incident_id", "kind", "system_id", "component_id", "decided_by_id", "decided_at", "reason",
                     "effect", "in_force", "lifted_at", "lifted_by_id", "lift_reason")
    ledger_labels = labels.CONTAINMENT_LABELS
    ledger_display = labels.CONTAINMENT_DISPLAY
    permission_domain = "incidents"
    unit_path = "incident__unit"

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("containment decision")
        verbose_name_plural = _("containment decisions")
        indexes = [models.Index(fields=["system", "in_force"], name="containment_system_in_force")]

    def __str__(self) -> str:
        from . import catalog

        return f"{self.incident.reference} · {catalog.containment_label(self.kind)}"

    def get_absolute_url(self) -> str:
        return f"/incidents/{self.incident_id}/#decision-{self.pk}"


class EvidenceHold(models.Model):
    """AI Act Art. 73(6): while a serious incident is not yet reported, the affected system must not be altered in a
    way that could affect the evaluation of its causes. The hold keeps a snapshot of the system (configuration,
    components, model cards) and blocks its lifecycle moves and changes until the report is submitted, the regime is
    dismissed, or an AIMS manager releases it with a justification."""

    class Release(models.TextChoices):
        SUBMITTED = "submitted", _("The authority was informed")
        DISMISSED = "dismissed", _("The regime does not apply")
        UNLINKED = "unlinked", _("The system is no longer affected")
        OVERRIDE = "override", _("Released by an AIMS manager")

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.CASCADE,
                                 related_name="evidence_holds")
    system = models.ForeignKey("inventory.AISystem", verbose_name=_("AI system"), on_delete=models.PROTECT,
                               related_name="evidence_holds")
    regime = models.CharField(_("regime"), max_length=60)
    started_at = models.DateTimeField(_("held since"))
    snapshot = models.JSONField(_("snapshot of the system"), default=dict, blank=True)
    released_at = models.DateTimeField(_("released on"), null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("released by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    release = models.CharField(_("released because"), max_length=10, choices=Release.choices, blank=True)
    release_reason = models.TextField(_("justification"), blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("evidence hold")
        verbose_name_plural = _("evidence holds")
        constraints = [models.UniqueConstraint(fields=["incident", "system"], condition=models.Q(released_at=None),
                                               name="one_active_hold_per_system")]
        indexes = [models.Index(fields=["system", "released_at"], name="hold_system_released")]

    def __str__(self) -> str:
        return f"{self.incident.reference} · {self.system}"

    @property
    def active(self) -> bool:
        return self.released_at is None


class PostIncidentReview(VersionedModel):
    """After the incident: its root cause, what worked, what did not, the lessons learned and the actions that follow
    (each with an owner). Submitted for sign-off through the "To approve" inbox; once approved it asks the risk owners
    to review the risks of the affected systems and the evidence owners to re-confirm the systems' evidence."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Waiting for sign-off")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned for changes")

    incident = models.OneToOneField(Incident, verbose_name=_("incident"), on_delete=models.CASCADE,
                                    related_name="review")
    root_cause = models.TextField(_("root cause"), blank=True)
    what_worked = models.TextField(_("what worked"), blank=True)
    what_did_not_work = models.TextField(_("what did not work"), blank=True)
    lessons_learned = models.TextField(_("lessons learned"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT,
                               related_name="+")
    submitted_at = models.DateTimeField(_("submitted on"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("signed off by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("signed off on"), null=True, blank=True)
    decision_comment = models.TextField(_("sign-off comment"), blank=True)
    risk_reviews_requested = models.PositiveIntegerField(_("risk reviews requested"), default=0)
    evidence_to_reconfirm = models.PositiveIntegerField(_("evidence items to re-confirm"), default=0)

    ledger_fields = ("incident_id", "root_cause", "what_worked", "what_did_not_work", "lessons_learned", "status",
                     "author_id", "submitted_at", "decided_by_id", "decided_at", "decision_comment",
                     "risk_reviews_requested", "evidence_to_reconfirm")
    permission_domain = "incidents"
    unit_path = "incident__unit"

    class Meta:
        verbose_name = _("post-incident review")
        verbose_name_plural = _("post-incident reviews")
        indexes = [models.Index(fields=["status", "submitted_at"], name="incident_review_status")]

    def __str__(self) -> str:
        return str(_("Post-incident review of %(incident)s") % {"incident": self.incident.reference})

    def get_absolute_url(self) -> str:
        return f"/incidents/{self.incident_id}/#review"


class ReviewAction(VersionedModel):
    """A corrective or improvement action decided in the post-incident review, with its owner and due date."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    review = models.ForeignKey(PostIncidentReview, verbose_name=_("review"), on_delete=models.CASCADE,
                               related_name="actions")
    title = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="incident_actions")
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=5, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(_("done on"), null=True, blank=True)
    done_note = models.TextField(_("what was done"), blank=True)

    ledger_fields = ("review_id", "title", "owner_id", "due_date", "status", "done_at", "done_note")
    permission_domain = "incidents"
    unit_path = "review__incident__unit"

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("post-incident action")
        verbose_name_plural = _("post-incident actions")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/incidents/{self.review.incident_id}/#action-{self.pk}"


# Vulnerabilities (issue 12 point 5) live in their own module.
from .models_vulnerabilities import (  # noqa: E402,F401
    OPEN_VULNERABILITY_STATUSES, VULNERABILITY_TRANSITIONS, Mitigation, MitigationKind, Vulnerability, VulnerabilityKind,
    VulnerabilityStatus, VulnerableComponent,
)
# Crisis mode and exercises (issue 12 points 4 and 8) live in their own module.
from .models_crisis import (  # noqa: E402,F401
    ChecklistItem, Communication, Crisis, CrisisDecision, CrisisMember, Exercise, ExerciseAction, ExerciseFinding,
    ExerciseInject, ExerciseParticipant,
)
# Coordinated vulnerability disclosure (issue 12 point 6) lives in its own module.
from .models_disclosure import (  # noqa: E402,F401
    Advisory, AdvisoryState, CaseStatus, DisclosureAttachment, DisclosureCase, DisclosureMessage, NotAffectedReason,
)
