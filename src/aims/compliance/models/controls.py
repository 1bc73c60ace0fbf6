"""The organisation's own controls (measures), their recurring tests, and their computed readiness.

A control satisfies requirements of any framework (and, through cross-mappings, the requirements mapped to those),
treats risks of the register, and covers AI systems, components and dependencies. Readiness is never typed: the
services compute it (services/readiness.py) from the last test results, the policies the control relies on and the
freshness of its evidence, store the outcome and its reasons, and ledger every change of it.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from aims.core.models import OrgUnit, VersionedModel
from aims.core.permissions import VIEW, can_anywhere

from .frameworks import Requirement


class Frequency(models.TextChoices):
    # Values that read like no ordinary word, so a person's text ("we meet monthly") is never taken for one.
    MONTHLY = "every_month", _("Monthly")
    QUARTERLY = "every_quarter", _("Quarterly")
    SEMIANNUAL = "every_six_months", _("Every six months")
    ANNUAL = "every_year", _("Yearly")


# A test result stays valid this many days: a little over the period, so that a test done on the same date each
# period never lapses by a day.
FREQUENCY_DAYS = {Frequency.MONTHLY: 31, Frequency.QUARTERLY: 92, Frequency.SEMIANNUAL: 183, Frequency.ANNUAL: 366}


class Control(VersionedModel):
    class Type(models.TextChoices):
        PREVENTIVE = "preventive", _("Preventive")
        DETECTIVE = "detective", _("Detective")
        CORRECTIVE = "corrective", _("Corrective")

    class Automation(models.TextChoices):
        MANUAL = "manual", _("Manual")
        AUTOMATED = "automated", _("Automated")
        HYBRID = "hybrid", _("Partly automated")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PLACE = "in_place", _("In place")
        EFFECTIVE = "effective", _("Effective")
        RETIRED = "retired", _("Retired")

    reference = models.CharField(_("reference"), max_length=40, unique=True,
                                 help_text=_("Short stable identifier, e.g. CTL-012."))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="owned_controls")
    backup = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("backup"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="backed_up_controls")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("organisation unit"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="controls",
                             help_text=_("Leave empty for an organisation-wide control."))
    control_type = models.CharField(_("type"), max_length=12, choices=Type.choices, default=Type.PREVENTIVE)
    automation = models.CharField(_("operation"), max_length=12, choices=Automation.choices,
                                  default=Automation.MANUAL)
    how_it_operates = models.TextField(_("how it operates"), blank=True)
    frequency = models.CharField(_("frequency"), max_length=20, choices=Frequency.choices,
                                 default=Frequency.QUARTERLY)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED,
                              db_index=True)
    requirements = models.ManyToManyField(Requirement, verbose_name=_("requirements satisfied"), blank=True,
                                          related_name="controls")
    risks = models.ManyToManyField("risks.Risk", verbose_name=_("risks treated"), blank=True,
                                   related_name="controls")
    systems = models.ManyToManyField("inventory.AISystem", verbose_name=_("AI systems covered"), blank=True,
                                     related_name="controls")
    components = models.ManyToManyField("inventory.Component", verbose_name=_("components covered"), blank=True,
                                        related_name="controls")
    dependencies = models.ManyToManyField("inventory.Dependency", verbose_name=_("dependencies covered"), blank=True,
                                          related_name="controls")
    policies = models.ManyToManyField("compliance.Policy", verbose_name=_("policies it relies on"), blank=True,
                                      related_name="controls")
    # Computed by the services, never set from input.
    is_ready = models.BooleanField(_("ready"), default=False, editable=False, db_index=True)
    readiness_reasons = models.JSONField(_("why not ready"), default=list, blank=True, editable=False)
    readiness_checked_at = models.DateTimeField(_("readiness checked"), null=True, blank=True, editable=False)

    ledger_fields = ("reference", "title", "description", "owner_id", "backup_id", "unit_id", "control_type",
                     "automation", "how_it_operates", "frequency", "status", "is_ready")
    permission_domain = "compliance"
    unit_path = "unit"

    class Meta:
        ordering = ["reference"]
        verbose_name = _("control")
        verbose_name_plural = _("controls")
        indexes = [
            models.Index(fields=["unit", "reference"], name="control_unit_reference"),
            models.Index(fields=["owner"], name="control_owner"),
            # every sort its lists offer (core/tests/test_sorts_are_indexed.py)
            models.Index(fields=["title"], name="control_title_sort"),
            models.Index(fields=["status", "reference"], name="control_status_sort"),
            models.Index(fields=["is_ready", "reference"], name="control_ready_sort"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}"

    @classmethod
    def restrict_extra(cls, user, action):
        """Organisation-wide controls (no unit) are read by everyone who reads compliance data somewhere."""
        if action == VIEW and can_anywhere(user, VIEW, "compliance"):
            return Q(unit__isnull=True)
        return Q(pk__in=[])

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("compliance:control_detail", args=[self.pk])


class ControlTest(VersionedModel):
    """A recurring test of a control, with its written pass criteria and schedule."""

    control = models.ForeignKey(Control, verbose_name=_("control"), on_delete=models.CASCADE, related_name="tests")
    name = models.CharField(_("test"), max_length=200)
    pass_criteria = models.TextField(_("pass criteria"))
    frequency = models.CharField(_("frequency"), max_length=20, choices=Frequency.choices,
                                 default=Frequency.QUARTERLY)
    tester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("tester"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+",
                               help_text=_("Who runs it; the control owner when empty."))
    next_due = models.DateField(_("next due"), db_index=True)
    is_active = models.BooleanField(_("active"), default=True)

    ledger_fields = ("control_id", "name", "pass_criteria", "frequency", "tester_id", "next_due", "is_active")
    # A result is ledgered on its test (the control's history shows them): its keys are named and shown here.
    ledger_labels = {"result": _("result"), "performed_on": _("performed on"), "notes": _("notes"), "test_id": _("test")}
    ledger_display = {
        "result": lambda value, snapshot, memo: str(dict(ControlTestResult.Result.choices).get(value, value)),
        "performed_on": lambda value, snapshot, memo: formats.date_format(date.fromisoformat(value), "DATE_FORMAT"),
    }
    permission_domain = "compliance"
    unit_path = "control__unit"

    class Meta:
        ordering = ["control", "name", "id"]
        verbose_name = _("control test")
        verbose_name_plural = _("control tests")

    def __str__(self) -> str:
        return f"{self.control.reference} · {self.name}"

    @classmethod
    def restrict_extra(cls, user, action):
        if action == VIEW and can_anywhere(user, VIEW, "compliance"):
            return Q(control__unit__isnull=True)
        return Q(pk__in=[])

    @property
    def valid_days(self) -> int:
        return FREQUENCY_DAYS[self.frequency]


class ControlTestResult(models.Model):
    """One run of a test: the result, who ran it and when; evidence attaches to it through the evidence library."""

    class Result(models.TextChoices):
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")
        NOT_TESTED = "not_tested", _("Not tested")

    test = models.ForeignKey(ControlTest, verbose_name=_("test"), on_delete=models.CASCADE, related_name="results")
    result = models.CharField(_("result"), max_length=12, choices=Result.choices)
    performed_on = models.DateField(_("performed on"))
    tester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("tester"), on_delete=models.PROTECT,
                               related_name="+")
    notes = models.TextField(_("notes"), blank=True)
    recorded_at = models.DateTimeField(_("recorded on"), default=timezone.now)

    ledger_fields = ("test_id", "result", "performed_on", "tester_id", "notes")

    class Meta:
        ordering = ["-performed_on", "-id"]
        verbose_name = _("test result")
        verbose_name_plural = _("test results")
        indexes = [models.Index(fields=["test", "performed_on"], name="control_test_result_latest")]

    def __str__(self) -> str:
        return f"{self.test} · {self.get_result_display()} · {self.performed_on}"
