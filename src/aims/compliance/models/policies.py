"""Policies as living documents: versions that move draft -> in review -> approved -> published -> retired, with who
approved and published each; the published version stays live while the next draft is edited. Publishing asks the
audience to acknowledge, and an acknowledgement is pinned to the SHA-256 of the exact text acknowledged. A new version
asks again only when its author marks the change as material. Role descriptions are policies whose audience is the
holders of a role: acknowledging one is the signed acceptance of the role.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aims.core.models import OrgUnit, PeopleGroup, VersionedModel
from aims.core.permissions import VIEW, can_anywhere

from .frameworks import Requirement


class Policy(VersionedModel):
    class Kind(models.TextChoices):
        POLICY = "policy", _("Policy")
        ROLE_DESCRIPTION = "role_description", _("Role description")

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.POLICY)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="owned_policies")
    audience_people = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("people"), blank=True,
                                             related_name="+")
    audience_groups = models.ManyToManyField(PeopleGroup, verbose_name=_("groups"), blank=True, related_name="+")
    audience_units = models.ManyToManyField(OrgUnit, verbose_name=_("units (and their sub-units)"), blank=True,
                                            related_name="+")
    audience_roles = models.JSONField(_("holders of roles"), default=list, blank=True)
    review_every_months = models.PositiveSmallIntegerField(_("review every (months)"), default=12)
    next_review_date = models.DateField(_("next review"), null=True, blank=True, db_index=True)
    last_reviewed_at = models.DateTimeField(_("last reviewed"), null=True, blank=True)
    template = models.CharField(_("template"), max_length=40, blank=True)
    requirements = models.ManyToManyField(Requirement, verbose_name=_("requirements it serves"), blank=True,
                                          related_name="policies")
    published_version = models.ForeignKey("PolicyVersion", verbose_name=_("published version"), null=True,
                                          blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)

    ledger_fields = ("reference", "title", "kind", "owner_id", "audience_roles", "review_every_months",
                     "next_review_date", "template", "published_version_id")
    permission_domain = "compliance"
    unit_path = None

    class Meta:
        ordering = ["reference"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}"

    @classmethod
    def restrict_extra(cls, user, action):
        """Compliance readers see every policy; anyone sees the policies addressed to them (to read and acknowledge
        them, whatever their roles)."""
        if action != VIEW or not getattr(user, "is_authenticated", False):
            return Q(pk__in=[])
        if can_anywhere(user, VIEW, "compliance"):
            return Q(pk__isnull=False)
        return Q(pk__in=cls.addressed_to(user).values("pk"))

    @classmethod
    def addressed_to(cls, user):
        from aims.core.permissions import user_scopes

        roles = sorted({scope.role for scope in user_scopes(user)})
        unit_ids = []
        if user.unit_id:
            path = user.unit.path
            unit_ids = [int(pk) for pk in path.strip("/").split("/") if pk]
        condition = Q(audience_people=user) | Q(audience_groups__members=user) | Q(audience_units__in=unit_ids)
        matches = cls.objects.filter(condition)
        # Few policies name roles; a JSON "contains" differs between databases, so the match is made here.
        role_matches = [p.pk for p in cls.objects.exclude(audience_roles=[]).only("pk", "audience_roles")
                        if set(p.audience_roles) & set(roles)]
        return cls.objects.filter(Q(pk__in=matches.values("pk")) | Q(pk__in=role_matches))

    def audience(self):
        """Active people the policy addresses now."""
        from aims.core.models import User

        units = list(self.audience_units.all())
        condition = Q(pk__in=self.audience_people.values("pk")) | Q(
            people_groups__in=self.audience_groups.values("pk"))
        for unit in units:
            condition |= Q(unit__path__startswith=unit.path)
        if self.audience_roles:  # holders of the role wherever they hold it, directly or through a group
            from aims.core.models import RoleAssignment

            holders = RoleAssignment.objects.filter(role__in=self.audience_roles)
            condition |= Q(pk__in=holders.filter(user__isnull=False).values("user")) | Q(
                people_groups__in=holders.filter(group__isnull=False).values("group"))
        return User.objects.filter(is_active=True).filter(condition).distinct()

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("compliance:policy_detail", args=[self.pk])


class PolicyVersion(VersionedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown: **bold**, lists, headings, links."))
    body_html = models.TextField(editable=False, blank=True)
    sha256 = models.CharField(_("SHA-256 of the text"), max_length=64, blank=True, editable=False)
    material = models.BooleanField(_("material change"), default=True,
                                   help_text=_("The audience must acknowledge this version again."))
    change_summary = models.TextField(_("what changed"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
                               related_name="+")
    submitted_at = models.DateTimeField(_("submitted on"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("approved on"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("published on"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired on"), null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True)

    ledger_fields = ("policy_id", "number", "status", "sha256", "material", "change_summary", "author_id",
                     "submitted_at", "approved_by_id", "approved_at", "published_by_id", "published_at",
                     "retired_at", "decision_comment")
    permission_domain = "compliance"
    unit_path = None
    restrict_extra = classmethod(lambda cls, user, action: Q(policy__in=Policy.objects.restrict(user, action)))

    class Meta:
        ordering = ["policy", "-number"]
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="policy_version_unique")]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("compliance:policy_version", args=[self.policy_id, self.number])


class PolicyAcknowledgement(models.Model):
    """A person acknowledged this exact text: the SHA-256 of the version's text when they did."""

    version = models.ForeignKey(PolicyVersion, verbose_name=_("version"), on_delete=models.PROTECT,
                                related_name="acknowledgements")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="policy_acknowledgements")
    sha256 = models.CharField(_("SHA-256 of the text acknowledged"), max_length=64)
    acknowledged_at = models.DateTimeField(_("acknowledged on"), default=timezone.now)

    class Meta:
        ordering = ["-acknowledged_at"]
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        constraints = [models.UniqueConstraint(fields=["version", "person"], name="policy_ack_once")]
