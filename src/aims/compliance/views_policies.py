"""Policy pages: the list (with what the reader must acknowledge), creating one from a template, its page (the live
text, versions, acknowledgements, reviews), a version (its text and sign-off), editing a draft, and the actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aims.core import approvals
from aims.core.forms import errors_on
from aims.core.permissions import can_in_unit

from . import services
from .forms import DecisionForm, DraftForm, PolicyForm, ReviewForm
from .models import Policy, PolicyAcknowledgement, PolicyVersion
from .services import policies
from .templatetags.compliance_tags import reader_language


def visible_policies(user):
    return Policy.objects.restrict(user, "view")


def may_manage(user, policy: Policy | None = None) -> bool:
    return can_in_unit(user, "change", "compliance", None) or (policy is not None and policy.owner_id == user.pk)


@login_required
def policy_list(request):
    user = request.user
    policies_qs = visible_policies(user).select_related("owner", "published_version").annotate(
        versions_count=Count("versions"))
    rows = list(policies_qs.order_by("reference"))
    for policy in rows:
        policy.addressed = policy.published_version_id and policy.audience().filter(pk=user.pk).exists()
        policy.acknowledged = bool(policy.addressed) and policies.has_acknowledged(user, policy)
    mine = request.GET.get("mine") == "1"
    if mine:
        rows = [p for p in rows if p.addressed and not p.acknowledged]
    return render(request, "compliance/policy_list.html", {
        "subnav": "policies", "policies": rows, "mine": mine, "can_add": can_in_unit(user, "add", "compliance", None),
    })


@login_required
def policy_create(request):
    user = request.user
    if not can_in_unit(user, "add", "compliance", None):
        raise PermissionDenied
    form = PolicyForm(request.POST or None, user=user, initial={"owner": user.pk,
                                                                 "template": request.GET.get("template", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            policy = services.create_policy(
                actor=user, title=data["title"], owner=data["owner"], template_key=data["template"],
                language=reader_language(), review_every_months=data["review_every_months"],
                people=data["audience_people"], groups=data["audience_groups"], units=data["audience_units"],
                roles=data["audience_roles"])
        if not form.errors:
            messages.success(request, _("The policy was created with a first draft."))
            return redirect(policy.versions.get().get_absolute_url())
    return render(request, "compliance/policy_form.html", {"subnav": "policies", "form": form},
                  status=400 if form.errors else 200)


def _policy(request, pk: int) -> Policy:
    return get_object_or_404(visible_policies(request.user).select_related("owner", "published_version"), pk=pk)


@login_required
def policy_detail(request, pk: int, review_form=None):
    user = request.user
    policy = _policy(request, pk)
    audience = policy.audience()
    floor = policies.baseline(policy)
    acknowledged = set()
    if floor is not None:
        acknowledged = set(PolicyAcknowledgement.objects.filter(
            version__policy=policy, version__number__gte=floor.number).values_list("person_id", flat=True))
    people = list(audience.order_by("last_name", "first_name"))
    manage = may_manage(user, policy)
    return render(request, "compliance/policy_detail.html", {
        "subnav": "policies", "policy": policy, "versions": policy.versions.select_related(
            "author", "approved_by", "published_by").order_by("-number"),
        "manage": manage, "addressed": any(p.pk == user.pk for p in people),
        "acknowledged_by_me": user.pk in acknowledged,
        "audience_total": len(people), "acknowledged_count": sum(1 for p in people if p.pk in acknowledged),
        "pending": [p for p in people if p.pk not in acknowledged] if manage else [],
        "my_acknowledgement": PolicyAcknowledgement.objects.filter(
            person=user, version__policy=policy).select_related("version").order_by("-version__number").first(),
        "review_form": review_form or ReviewForm(), "preparing": policy.versions.exclude(
            status__in=[PolicyVersion.Status.PUBLISHED, PolicyVersion.Status.RETIRED]).first(),
    }, status=400 if review_form is not None else 200)


def _version(request, pk: int, number: int) -> PolicyVersion:
    policy = _policy(request, pk)
    return get_object_or_404(PolicyVersion.objects.select_related("policy", "author", "approved_by"),
                             policy=policy, number=number)


@login_required
def policy_version(request, pk: int, number: int, form=None, decision_form=None):
    user = request.user
    version = _version(request, pk, number)
    manage = may_manage(user, version.policy)
    draft = version.status == PolicyVersion.Status.DRAFT
    return render(request, "compliance/policy_version.html", {
        "subnav": "policies", "version": version, "policy": version.policy, "manage": manage,
        "approval": approvals.context_for(user, policies.APPROVAL, version)
        if version.status == PolicyVersion.Status.IN_REVIEW else None,
        "decision_form": decision_form or DecisionForm(),
        "form": form or (DraftForm(initial={"version": version.version, "body": version.body,
                                            "change_summary": version.change_summary, "material": version.material})
                         if draft and manage else None),
    }, status=400 if form is not None or decision_form is not None else 200)


@login_required
@require_POST
def policy_version_edit(request, pk: int, number: int):
    version = _version(request, pk, number)
    form = DraftForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.edit_draft(actor=request.user, version=version, body=data["body"],
                                change_summary=data["change_summary"], material=data["material"],
                                expected_version=data["version"])
        if not form.errors:
            messages.success(request, _("The draft was saved."))
            return redirect(version.get_absolute_url())
    return policy_version(request, pk, number, form=form)


ACTIONS = {"submit": (policies.submit_policy_version, gettext_lazy("The version was submitted for approval.")),
           "publish": (policies.publish_policy_version, gettext_lazy("The version is published; its audience was "
                                                                     "asked to acknowledge it."))}


@login_required
@require_POST
def policy_version_action(request, pk: int, number: int, action: str):
    user = request.user
    version = _version(request, pk, number)
    if action in ("approve", "return"):
        form = DecisionForm(request.POST)
        if form.is_valid():
            with errors_on(form):
                if action == "approve":
                    services.approve_policy_version(actor=user, version=version, comment=form.cleaned_data["comment"])
                else:
                    services.return_policy_version(actor=user, version=version, comment=form.cleaned_data["comment"])
            if not form.errors:
                messages.success(request, _("The version was approved.") if action == "approve" else
                                 _("The version was returned to its author."))
                return redirect(version.get_absolute_url())
        return policy_version(request, pk, number, decision_form=form)
    service, done = ACTIONS[action]
    try:
        service(actor=user, version=version)
        messages.success(request, done)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(version.get_absolute_url())


@login_required
@require_POST
def policy_action(request, pk: int, action: str):
    user = request.user
    policy = _policy(request, pk)
    try:
        if action == "acknowledge":
            services.acknowledge(actor=user, policy=policy)
            messages.success(request, _("Thank you: your acknowledgement of this text is recorded."))
        elif action == "new_version":
            version = services.start_new_version(actor=user, policy=policy)
            messages.success(request, _("Version %(n)s was started from the published text.") % {"n": version.number})
            return redirect(version.get_absolute_url())
        else:
            form = ReviewForm(request.POST)
            if not form.is_valid():
                return policy_detail(request, pk, review_form=form)
            services.record_policy_review(actor=user, policy=policy, outcome=form.cleaned_data["outcome"])
            messages.success(request, _("The review was recorded."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(policy.get_absolute_url())
