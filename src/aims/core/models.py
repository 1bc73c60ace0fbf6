"""Organisation, people, roles, the ledger, the journal, notifications, API tokens and webhooks."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .ordering import UniqueSortIndex
from .permissions import RestrictedQuerySet, Role
from .stored_text import render_stored


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):
    pass


class VersionedModel(models.Model):
    """Base of every governed entity: an optimistic-locking version and timestamps."""

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RestrictedManager()

    # Subclasses name the fields whose values go into ledger snapshots, and the permission domain they belong to.
    ledger_fields: tuple[str, ...] = ()
    permission_domain = "organisation"
    # Path from the model to the organisation unit that scopes it ("" means the model is the unit itself).
    unit_path = "unit"

    class Meta:
        abstract = True


class OrgUnit(VersionedModel):
    """A node of the organisation tree (company, division, department, team)."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of primary keys ("/1/4/9/") so "this unit and its descendants" is one indexed prefix query.
    path = models.CharField(max_length=500, db_index=True, editable=False, default="")
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    ledger_fields = ("name", "code", "parent_id", "description", "is_active")
    permission_domain = "organisation"
    unit_path = ""

    class Meta:
        ordering = ["path"]
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        indexes = [
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["updated_at"], name="orgunit_updated_sort"),
        ]
        constraints = [UniqueSortIndex(fields=["name", "code"], name="orgunit_name_sort")]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)


class AimsUserManager(UserManager.from_queryset(RestrictedQuerySet)):
    pass


class User(AbstractUser):
    """A person who uses AIMS (or who is named as an owner, even without logging in)."""

    class Language(models.TextChoices):
        EN = "en", _("English")
        FR = "fr", _("French")

    email = models.EmailField(_("e-mail address"), unique=True)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("organisation unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    manager = models.ForeignKey(
        "self", verbose_name=_("manager"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    backup = models.ForeignKey(
        "self", verbose_name=_("backup"), null=True, blank=True, on_delete=models.SET_NULL, related_name="backing_up"
    )
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.EN)
    mfa_required = models.BooleanField(_("two-factor authentication required"), default=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AimsUserManager()

    ledger_fields = (
        "username", "email", "first_name", "last_name", "job_title", "unit_id", "manager_id", "backup_id",
        "language", "is_active", "mfa_required",
    )
    permission_domain = "people"
    unit_path = "unit"

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [UniqueSortIndex(fields=["last_name", "first_name", "username"], name="person_name_sort")]
        indexes = [
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["job_title", "last_name"], name="person_job_title_sort"),
            models.Index(fields=["unit", "last_name"], name="person_unit_sort"),
            models.Index(fields=["updated_at"], name="person_updated_sort"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email or self.username

    @classmethod
    def restrict_extra(cls, user, action):
        """Everyone may see their own profile, whatever their roles."""
        from django.db.models import Q

        if action == "view" and getattr(user, "is_authenticated", False):
            return Q(pk=user.pk)
        return Q(pk__in=[])


class PeopleGroup(VersionedModel):
    """A named group of people (a committee, a team) that roles can be given to at once."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(User, verbose_name=_("members"), blank=True, related_name="people_groups")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("organisation unit"), null=True, blank=True, on_delete=models.PROTECT)

    ledger_fields = ("name", "description", "unit_id")
    permission_domain = "people"

    class Meta:
        ordering = ["name"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        indexes = [
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["name"], name="group_name_sort"),
            models.Index(fields=["updated_at"], name="group_updated_sort"),
        ]

    def __str__(self) -> str:
        return self.name


class RoleAssignment(VersionedModel):
    """Gives a person (or every member of a group) a role over a unit and its descendants, or everywhere."""

    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    user = models.ForeignKey(User, verbose_name=_("person"), null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments")
    group = models.ForeignKey(PeopleGroup, verbose_name=_("group"), null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments")
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("scope"), null=True, blank=True, on_delete=models.CASCADE,
        help_text=_("Leave empty for the whole organisation."),
    )

    ledger_fields = ("role", "user_id", "group_id", "unit_id")
    permission_domain = "roles"

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, group__isnull=True) | models.Q(user__isnull=True, group__isnull=False),
                name="role_assignment_user_xor_group",
            )
        ]
        indexes = [
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["role"], name="role_assignment_role_sort"),
            models.Index(fields=["created_at"], name="role_assignment_created_sort"),
        ]

    def __str__(self) -> str:
        holder = self.user or self.group
        scope = self.unit or _("whole organisation")
        return f"{self.get_role_display()} · {holder} · {scope}"


class LedgerEvent(models.Model):
    """One change, appended to a SHA-256 hash chain. Never updated or deleted (database triggers refuse it).

    The hash covers every column as stored (aims.core.ledger_chain), the sequence number included, so a modified,
    deleted, inserted or reordered row breaks the chain at the first bad event. before/after are stored as canonical
    JSON text. A column added here must be added to the hash recipe too: verification refuses a table with a column
    outside it.
    """

    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60, db_index=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    before = models.TextField(default="{}")
    after = models.TextField(default="{}")
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # Which hash recipe the row was written with (itself under the hash): 1 for events written before recipe 2.
    recipe = models.PositiveSmallIntegerField(default=2, editable=False)

    objects = RestrictedManager()
    permission_domain = "ledger"
    unit_path = None  # the ledger is not scoped by unit: only roles that may read the whole ledger see it

    class Meta:
        verbose_name = _("ledger event")
        verbose_name_plural = _("ledger events")
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"

    @property
    def before_data(self) -> dict:
        return json.loads(self.before or "{}")

    @property
    def after_data(self) -> dict:
        return json.loads(self.after or "{}")

    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field the event touched."""
        before, after = self.before_data, self.after_data
        return [(key, before.get(key), after.get(key)) for key in sorted(set(before) | set(after))]


class JournalNote(models.Model):
    """A human note on any object, in sanitised Markdown. Separate from the machine diff of the ledger."""

    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="journal_notes")
    body = models.TextField(_("note"))
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("journal note")
        verbose_name_plural = _("journal notes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["created_at"], name="journalnote_created_sort"),
        ]


class Notification(models.Model):
    """An in-app message for one person; also sent by e-mail when the person wants it."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    # The product's messages are kept as written (English message + parameters) so that pages render them in the
    # reader's language of the moment; `title`/`body` hold the rendering in the recipient's language when sent
    # (e-mail, API). See core/notifications.py.
    title_message = models.TextField(blank=True, default="")
    body_message = models.TextField(blank=True, default="")
    params = models.JSONField(blank=True, default=dict)
    url = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=60, default="info")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return render_stored(self.title_message, self.params, self.title)

    @property
    def display_body(self) -> str:
        return render_stored(self.body_message, self.params, self.body)


class Task(models.Model):
    """An item in someone's "my tasks" list, opened and closed by the modules (reviews due, approvals...)."""

    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=300)
    title_message = models.TextField(blank=True, default="")  # as for Notification
    params = models.JSONField(blank=True, default=dict)
    url = models.CharField(max_length=500, blank=True)
    due_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=100, help_text="Stable key of what opened the task, so it is opened once.")
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_date", "created_at"]
        constraints = [models.UniqueConstraint(fields=["assignee", "source"], name="task_unique_source_per_assignee")]
        indexes = [
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["due_date", "created_at"], name="task_due_sort"),
            models.Index(fields=["created_at"], name="task_created_sort"),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return render_stored(self.title_message, self.params, self.title)


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the secret is stored; the secret is shown once at creation."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class WebhookEndpoint(VersionedModel):
    """An external URL that receives signed JSON for chosen ledger actions."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(max_length=64, editable=False)
    events = models.JSONField(_("events"), default=list, blank=True, help_text=_("Ledger actions to send, e.g. core.user.update; empty means all."))
    is_active = models.BooleanField(_("active"), default=True)

    ledger_fields = ("name", "url", "events", "is_active")
    permission_domain = "settings"
    unit_path = None

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(LedgerEvent, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    attempts = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at"]


class IdempotencyRecord(models.Model):
    """The first answer to an API POST sent with an `Idempotency-Key`, kept for a while so that a retry (after a
    timeout or a crash, when the client cannot know whether the first call committed) gets that answer again instead
    of creating a second object. Written in the same transaction as the change itself (aims.core.idempotency)."""

    scope = models.CharField(max_length=80)  # whose key: the session's user, or the API token used
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of method, path and body: a reused key must match
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("kept answer for retries")
        verbose_name_plural = _("kept answers for retries")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_scope_key")]
