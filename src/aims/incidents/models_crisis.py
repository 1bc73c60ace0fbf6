"""Crisis mode (issue 12 point 4) and crisis exercises (point 8).

A crisis is an incident escalated to a crisis cell: its members in the catalogue's roles (catalogs/crisis.yaml), the
first-hour checklist, the decision log and the communication log, until the cell stands down with a reason. An
exercise rehearses a crisis from a scenario of the catalogue: its injects on a timeline, its participants, the moments
it recorded (from which the times to detect, contain and notify are computed), its findings and the actions that
follow, each with an owner. Catalogue keys are stored; the words are read from the catalogue when shown."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aims.core.models import OrgUnit, VersionedModel

from . import labels_crisis


class Crisis(VersionedModel):
    """An incident run by a crisis cell, from its escalation to its stand-down."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Crisis cell active")
        STOOD_DOWN = "stood_down", _("Stood down")

    incident = models.OneToOneField("incidents.Incident", verbose_name=_("incident"), on_delete=models.CASCADE,
                                    related_name="crisis")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    escalated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("escalated by"),
                                     on_delete=models.PROTECT, related_name="+")
    escalated_at = models.DateTimeField(_("escalated on"))
    reason = models.TextField(_("why a crisis"))
    stood_down_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("stood down by"), null=True,
                                      blank=True, on_delete=models.PROTECT, related_name="+")
    stood_down_at = models.DateTimeField(_("stood down on"), null=True, blank=True)
    stand_down_reason = models.TextField(_("why the cell stood down"), blank=True)
    catalogue_version = models.CharField(_("catalogue version"), max_length=20, blank=True)

    ledger_fields = ("incident_id", "status", "escalated_by_id", "escalated_at", "reason", "stood_down_by_id",
                     "stood_down_at", "stand_down_reason", "catalogue_version")
    ledger_labels = labels_crisis.CRISIS_LABELS
    ledger_display = labels_crisis.CRISIS_DISPLAY
    permission_domain = "incidents"
    unit_path = "incident__unit"

    class Meta:
        ordering = ["-escalated_at", "-id"]
        verbose_name = _("crisis")
        verbose_name_plural = _("crises")
        indexes = [models.Index(fields=["status", "-escalated_at", "-id"], name="crisis_status_escalated"),
                   models.Index(fields=["-escalated_at", "-id"], name="crisis_escalated")]

    def __str__(self) -> str:
        return str(_("Crisis %(incident)s") % {"incident": self.incident.reference})

    def get_absolute_url(self) -> str:
        return f"/incidents/crises/{self.pk}/"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class CrisisMember(models.Model):
    """A person of the crisis cell in one of the catalogue's roles."""

    crisis = models.ForeignKey(Crisis, verbose_name=_("crisis"), on_delete=models.CASCADE, related_name="members")
    role = models.CharField(_("role"), max_length=40)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="crisis_roles")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(_("added on"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("crisis cell member")
        verbose_name_plural = _("crisis cell members")
        constraints = [models.UniqueConstraint(fields=["crisis", "role", "person"], name="one_member_per_role")]

    def __str__(self) -> str:
        return str(self.person)


class ChecklistItem(models.Model):
    """An item of the crisis's first-hour checklist (a key of the catalogue), ticked by someone at a time."""

    crisis = models.ForeignKey(Crisis, verbose_name=_("crisis"), on_delete=models.CASCADE, related_name="checklist")
    key = models.CharField(_("item"), max_length=40)
    position = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("done by"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [models.UniqueConstraint(fields=["crisis", "key"], name="one_checklist_item_per_key")]

    def __str__(self) -> str:
        from . import crisis_catalog

        return crisis_catalog.checklist_item(self.key)["label"]


class CrisisDecision(models.Model):
    """An entry of the crisis cell's decision log: what was decided, by whom, when and why."""

    crisis = models.ForeignKey(Crisis, verbose_name=_("crisis"), on_delete=models.CASCADE, related_name="decisions")
    decided_at = models.DateTimeField(_("decided on"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT,
                                   related_name="+")
    decision = models.TextField(_("decision"))
    rationale = models.TextField(_("rationale"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("crisis decision")
        verbose_name_plural = _("crisis decisions")
        indexes = [models.Index(fields=["crisis", "decided_at"], name="crisis_decision_at")]

    def __str__(self) -> str:
        return self.decision[:80]


class Communication(models.Model):
    """An entry of the communication log: to whom (audience), how (channel), when, and what was said: a template of
    the catalogue filled with the crisis's facts (its words rendered in the reader's language), and/or the text
    written for it."""

    crisis = models.ForeignKey(Crisis, verbose_name=_("crisis"), on_delete=models.CASCADE,
                               related_name="communications")
    audience = models.CharField(_("audience"), max_length=20)
    channel = models.CharField(_("sending channel"), max_length=30)
    sent_at = models.DateTimeField(_("sent on"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT,
                                related_name="+")
    recipients = models.CharField(_("recipients"), max_length=300, blank=True,
                                  help_text=_("Who exactly: a list, an authority, a newsroom..."))
    template = models.CharField(_("template"), max_length=40, blank=True)
    facts = models.JSONField(_("facts the template was filled with"), default=dict, blank=True)
    language = models.CharField(_("language sent in"), max_length=10, blank=True)
    text = models.TextField(_("text"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["sent_at", "id"]
        verbose_name = _("crisis communication")
        verbose_name_plural = _("crisis communications")
        indexes = [models.Index(fields=["crisis", "sent_at"], name="crisis_communication_at")]

    def __str__(self) -> str:
        from . import crisis_catalog

        return f"{crisis_catalog.audience_label(self.audience)} · {self.sent_at:%Y-%m-%d %H:%M}"

    def words(self, lang: str | None = None) -> str:
        """What was said, in the reader's language for a template, followed by the written text."""
        from . import crisis_catalog

        rendered = crisis_catalog.render_template(self.template, self.facts, lang) if self.template else ""
        return "\n\n".join(part for part in (rendered, self.text) if part)


# --- Crisis exercises ------------------------------------------------------------------------------------------------

class Exercise(VersionedModel):
    """A crisis exercise from a scenario of the catalogue: planned, running, completed."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")

    title = models.CharField(_("title"), max_length=200)
    scenario = models.CharField(_("scenario"), max_length=40)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("organisation unit"), on_delete=models.PROTECT,
                             related_name="crisis_exercises")
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("exercise lead"), on_delete=models.PROTECT,
                             related_name="led_exercises")
    system = models.ForeignKey("inventory.AISystem", verbose_name=_("AI system played"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="crisis_exercises")
    planned_for = models.DateTimeField(_("planned for"))
    objectives = models.TextField(_("objectives"), blank=True)
    started_at = models.DateTimeField(_("started on"), null=True, blank=True)
    detected_at = models.DateTimeField(_("detected on"), null=True, blank=True)
    contained_at = models.DateTimeField(_("contained on"), null=True, blank=True)
    notified_at = models.DateTimeField(_("authorities notified on"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed on"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)

    ledger_fields = ("title", "scenario", "status", "unit_id", "lead_id", "system_id", "planned_for", "objectives",
                     "started_at", "detected_at", "contained_at", "notified_at", "completed_at", "summary")
    ledger_labels = labels_crisis.EXERCISE_LABELS
    ledger_display = labels_crisis.EXERCISE_DISPLAY
    permission_domain = "incidents"
    unit_path = "unit"

    class Meta:
        ordering = ["-planned_for", "-id"]
        verbose_name = _("crisis exercise")
        verbose_name_plural = _("crisis exercises")
        indexes = [models.Index(fields=["-planned_for", "-id"], name="exercise_planned"),
                   models.Index(fields=["status", "-planned_for"], name="exercise_status_planned"),
                   models.Index(fields=["title", "id"], name="exercise_title")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/incidents/exercises/{self.pk}/"

    def _since_start(self, moment):
        return moment - self.started_at if moment and self.started_at else None

    @property
    def time_to_detect(self):
        return self._since_start(self.detected_at)

    @property
    def time_to_contain(self):
        return self._since_start(self.contained_at)

    @property
    def time_to_notify(self):
        return self._since_start(self.notified_at)


class ExerciseInject(models.Model):
    """What the players are told, a number of minutes after the start: a scenario's inject (its words from the
    catalogue, `catalogue_index`) or one the organisers wrote (`text`)."""

    exercise = models.ForeignKey(Exercise, verbose_name=_("exercise"), on_delete=models.CASCADE,
                                 related_name="injects")
    minutes = models.PositiveIntegerField(_("minutes after the start"))
    catalogue_index = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(_("inject"), blank=True)
    delivered_at = models.DateTimeField(_("delivered on"), null=True, blank=True)

    class Meta:
        ordering = ["minutes", "id"]
        verbose_name = _("inject")
        verbose_name_plural = _("injects")

    def __str__(self) -> str:
        return f"+{self.minutes} min"

    def words(self, lang: str | None = None) -> str:
        if self.catalogue_index is None:
            return self.text
        from . import crisis_catalog

        found = crisis_catalog.scenario(self.exercise.scenario, lang)
        injects = found["injects"] if found else []
        return injects[self.catalogue_index]["text"] if self.catalogue_index < len(injects) else self.text


class ExerciseParticipant(models.Model):
    """Someone who plays the exercise, in a role of the crisis cell."""

    exercise = models.ForeignKey(Exercise, verbose_name=_("exercise"), on_delete=models.CASCADE,
                                 related_name="participants")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="exercise_roles")
    role = models.CharField(_("role"), max_length=40)

    class Meta:
        ordering = ["id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [models.UniqueConstraint(fields=["exercise", "person"], name="one_participation_per_person")]

    def __str__(self) -> str:
        return str(self.person)


class ExerciseFinding(models.Model):
    """What the exercise showed: something that worked or a gap."""

    class Kind(models.TextChoices):
        STRENGTH = "strength", _("Worked well")
        GAP = "gap", _("Gap to close")

    exercise = models.ForeignKey(Exercise, verbose_name=_("exercise"), on_delete=models.CASCADE,
                                 related_name="findings")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.GAP)
    text = models.TextField(_("finding"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return self.text[:80]


class ExerciseAction(VersionedModel):
    """An action that follows the exercise (the post-incident action's shape): its owner, its due date, done or not."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    exercise = models.ForeignKey(Exercise, verbose_name=_("exercise"), on_delete=models.CASCADE,
                                 related_name="actions")
    finding = models.ForeignKey(ExerciseFinding, verbose_name=_("finding"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="actions")
    title = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="exercise_actions")
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=5, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(_("done on"), null=True, blank=True)
    done_note = models.TextField(_("what was done"), blank=True)

    ledger_fields = ("exercise_id", "finding_id", "title", "owner_id", "due_date", "status", "done_at", "done_note")
    permission_domain = "incidents"
    unit_path = "exercise__unit"

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("exercise action")
        verbose_name_plural = _("exercise actions")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/incidents/exercises/{self.exercise_id}/#action-{self.pk}"
