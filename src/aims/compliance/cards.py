"""The compliance module's key figures on the home page, within the reader's scope."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aims.core import context, dashboard

from .models import Control, ControlTest, SoAEntry


def policies_to_acknowledge(user) -> int:
    from .models import Policy
    from .services.policies import has_acknowledged

    return sum(1 for policy in Policy.addressed_to(user).exclude(published_version=None).select_related(
        "published_version") if not has_acknowledged(user, policy))


def register() -> None:
    dashboard.register_card(
        "compliance.policies_to_acknowledge", _("policies to acknowledge"), "compliance:policy_list",
        domain="compliance", query="mine=1", order=29, count=policies_to_acknowledge)
    dashboard.register_card(
        "compliance.soa_undecided", _("Annex A controls still to decide in the SoA"), "compliance:soa",
        domain="compliance", order=30,
        count=lambda user: SoAEntry.objects.restrict(user, "view").filter(
            applicability=SoAEntry.Applicability.UNDECIDED, requirement__is_active=True).count())
    dashboard.register_card(
        "compliance.controls_ready", _("controls ready"), "compliance:control_list", domain="compliance",
        query="ready=yes", order=31,
        count=lambda user: Control.objects.restrict(user, "view").filter(is_ready=True).count())
    dashboard.register_card(
        "compliance.tests_due", _("control tests due"), "compliance:control_list", domain="compliance",
        query="tests_due=1", order=32,
        count=lambda user: ControlTest.objects.restrict(user, "view").filter(
            is_active=True, next_due__lte=context.today()).exclude(control__status=Control.Status.RETIRED).count())
