"""The evidence library: items (a file or a link), their immutable versions, the generic link to whatever they prove,
and requests for evidence.

- A version is content-addressed: its file is stored under its SHA-256, so identical uploads share one stored file
  and `aims evidence verify` can re-hash every file to prove nothing changed behind the product's back. Database
  triggers refuse any change to a version's content columns (evidence_guards.py).
- Retention: an item cannot be deleted before `retain_until` (the latest version's upload + the type's retention) or
  while under legal hold; the services refuse it and database triggers refuse it too, and `retain_until` can only
  move later.
- Freshness: validity dates (or a renewal cadence from the document's effective date) give `expires_on`; events on
  what the evidence proves (a major change, a new model version) mark it "to re-confirm" until its owner confirms or
  replaces it.
- `EvidenceLink` ties an item to any registered object by its ledger object type ("compliance.control",
  "inventory.aisystem", later "incidents.incident"...): one link model every module reuses.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aims.core.models import OrgUnit, VersionedModel


def _object_type_label(value: str) -> str:
    from aims.core import labels

    return str(labels.object_type_label(value))


class Freshness(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expiring soon")
    EXPIRED = "expired", _("Expired")
    NOT_YET_VALID = "not_yet_valid", _("Not yet valid")
    TO_RECONFIRM = "to_reconfirm", _("To re-confirm")
    NO_CONTENT = "no_content", _("No content yet")


class EvidenceItem(VersionedModel):
    class Kind(models.TextChoices):
        FILE = "file", _("File")
        LINK = "link", _("Link")

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FILE)
    evidence_type = models.CharField(_("evidence type"), max_length=40)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("organisation unit"), on_delete=models.PROTECT,
                             related_name="evidence_items")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="owned_evidence", help_text=_("Keeps it current and confirms it."))
    effective_date = models.DateField(_("effective date"), null=True, blank=True,
                                      help_text=_("The date the document took effect (renewals count from it)."))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    renewal_months = models.PositiveSmallIntegerField(_("renewal every (months)"), null=True, blank=True,
                                                      help_text=_("Instead of an end date: valid for this many months "
                                                                  "from the effective date."))
    # Computed by the services from the dates above: the day the evidence stops being valid.
    expires_on = models.DateField(_("expires on"), null=True, blank=True, editable=False, db_index=True)
    retention_months = models.PositiveIntegerField(_("retention (months)"), editable=False)
    retain_until = models.DateField(_("retained until"), editable=False, db_index=True)
    legal_hold = models.BooleanField(_("legal hold"), default=False, editable=False)
    legal_hold_reason = models.TextField(_("reason for the legal hold"), blank=True, editable=False)
    legal_hold_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", editable=False)
    legal_hold_at = models.DateTimeField(null=True, blank=True, editable=False)
    reconfirm_required = models.BooleanField(_("to re-confirm"), default=False, editable=False, db_index=True)
    reconfirm_reason = models.TextField(_("why re-confirmation is needed"), blank=True, editable=False)
    # The same reason as a fact (aims.core.stored_text.fact_of), put into words in the reader's language when shown.
    reconfirm_fact = models.JSONField(_("why re-confirmation is needed"), null=True, blank=True, editable=False)
    reconfirm_since = models.DateTimeField(null=True, blank=True, editable=False)
    current_version = models.ForeignKey("EvidenceVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+", editable=False)

    ledger_fields = ("reference", "title", "description", "kind", "evidence_type", "unit_id", "owner_id",
                     "effective_date", "valid_from", "valid_until", "renewal_months", "expires_on",
                     "retention_months", "retain_until", "legal_hold", "legal_hold_reason", "reconfirm_required",
                     "reconfirm_reason", "current_version_id")
    # Link and unlink events carry what the item was linked to (not fields of the item).
    ledger_labels = {"object_type": _("kind of record linked"), "object_id": _("number of the record linked"),
                     "object": _("record linked")}
    ledger_display = {"object_type": lambda value, snapshot, memo: _object_type_label(value)}
    permission_domain = "evidence"
    unit_path = "unit"

    @property
    def reconfirm_reason_text(self) -> str:
        """Why re-confirmation is needed, in the reader's language (the stored text for a flag without a fact)."""
        from aims.core.stored_text import render_fact

        return render_fact(self.reconfirm_fact, self.reconfirm_reason)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("evidence item")
        verbose_name_plural = _("evidence items")
        indexes = [
            models.Index(fields=["unit", "updated_at"], name="evidence_unit_updated"),
            models.Index(fields=["updated_at", "id"], name="evidence_updated"),
            models.Index(fields=["evidence_type", "updated_at"], name="evidence_type_updated"),
            models.Index(fields=["owner"], name="evidence_owner"),
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["title"], name="evidence_title_sort"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("evidence:detail", args=[self.pk])

    def freshness(self, on=None) -> str:
        from aims.core import context

        from .catalog import expiring_within_days

        day = on or context.today()
        if self.current_version_id is None:
            return Freshness.NO_CONTENT
        if self.reconfirm_required:
            return Freshness.TO_RECONFIRM
        if self.expires_on is not None and self.expires_on < day:
            return Freshness.EXPIRED
        if self.valid_from is not None and self.valid_from > day:
            return Freshness.NOT_YET_VALID
        if self.expires_on is not None and (self.expires_on - day).days <= expiring_within_days():
            return Freshness.EXPIRING
        return Freshness.VALID

    def is_fresh(self, on=None) -> bool:
        return self.freshness(on) in (Freshness.VALID, Freshness.EXPIRING)

    def get_freshness_display(self) -> str:
        return str(Freshness(self.freshness()).label)

    def under_retention(self, on=None) -> bool:
        from aims.core import context

        return self.legal_hold or self.retain_until > (on or context.today())


class EvidenceVersion(models.Model):
    """One immutable version: a stored file (content-addressed) or a link. Only its approval is recorded later."""

    item = models.ForeignKey(EvidenceItem, verbose_name=_("evidence item"), on_delete=models.CASCADE,
                             related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    size = models.BigIntegerField(_("size in bytes"), default=0)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    storage_name = models.CharField(max_length=300, blank=True)
    url = models.URLField(_("address"), max_length=1000, blank=True)
    note = models.TextField(_("note"), blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded on"), default=timezone.now)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("approved on"), null=True, blank=True)

    ledger_fields = ("item_id", "number", "sha256", "size", "content_type", "filename", "url", "note",
                     "uploaded_by_id", "uploaded_at", "approved_by_id", "approved_at")

    class Meta:
        ordering = ["item", "-number"]
        verbose_name = _("evidence version")
        verbose_name_plural = _("evidence versions")
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="evidence_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.item.reference} v{self.number}"


class EvidenceLink(models.Model):
    """Evidence item -> any registered object, named by its ledger object type and id."""

    item = models.ForeignKey(EvidenceItem, verbose_name=_("evidence item"), on_delete=models.CASCADE,
                             related_name="links")
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=64)
    object_label = models.CharField(_("object"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    permission_domain = "evidence"
    unit_path = "item__unit"
    ledger_fields = ("item_id", "object_type", "object_id", "object_label", "note")

    class Meta:
        ordering = ["object_type", "object_id"]
        verbose_name = _("evidence link")
        verbose_name_plural = _("evidence links")
        constraints = [models.UniqueConstraint(fields=["item", "object_type", "object_id"],
                                               name="evidence_link_unique")]
        indexes = [models.Index(fields=["object_type", "object_id"], name="evidence_link_target")]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.object_type}:{self.object_id}"


class EvidenceRequest(VersionedModel):
    """Someone is asked for evidence by a date; reminded, then their manager is told when it is overdue."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FULFILLED = "fulfilled", _("Fulfilled")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("what is needed"), max_length=300)
    description = models.TextField(_("details"), blank=True)
    requested_from = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("asked of"), on_delete=models.PROTECT,
                                       related_name="evidence_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.PROTECT,
                                     related_name="+")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("organisation unit"), on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("due date"), db_index=True)
    evidence_type = models.CharField(_("evidence type"), max_length=40, blank=True)
    object_type = models.CharField(_("for (object type)"), max_length=60, blank=True)
    object_id = models.CharField(_("for (object id)"), max_length=64, blank=True)
    object_label = models.CharField(_("for"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    fulfilled_item = models.ForeignKey(EvidenceItem, verbose_name=_("evidence provided"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)
    close_note = models.TextField(_("note"), blank=True)
    last_reminded_on = models.DateField(null=True, blank=True, editable=False)
    escalated_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("escalated to"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+", editable=False)
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True, editable=False)

    ledger_fields = ("title", "description", "requested_from_id", "requested_by_id", "unit_id", "due_date",
                     "evidence_type", "object_type", "object_id", "status", "fulfilled_item_id", "closed_at",
                     "close_note", "escalated_to_id", "escalated_on")
    permission_domain = "evidence"
    unit_path = "unit"

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("evidence request")
        verbose_name_plural = _("evidence requests")
        indexes = [models.Index(fields=["requested_from", "status"], name="evidence_request_person")]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def restrict_extra(cls, user, action):
        """The person asked, whoever asked and the manager it was escalated to always see the request: they may hold
        no evidence role at all."""
        if action == "view" and getattr(user, "is_authenticated", False):
            return Q(requested_from=user) | Q(requested_by=user) | Q(escalated_to=user)
        return Q(pk__in=[])

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("evidence:request_detail", args=[self.pk])
