"""Policies: drafts, review and approval through the approvals inbox (never by the author), publication to the
audience with acknowledgements pinned to the SHA-256 of the text, scheduled reviews (ISO/IEC 42001 A.2.4),
templates shipped as data."""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.catalogs import load_catalog, localised
from aims.core import approvals, context, ledger
from aims.core.markdown import render_markdown
from aims.core.notifications import close_tasks, notify, open_task
from aims.core.permissions import ADD, CHANGE, Role, require
from aims.core.services import _create, _save_with_changes, stamp_new

from ..models import Policy, PolicyAcknowledgement, PolicyVersion, Requirement
from ._common import check_compliance_person, clean_text, reject_unknown
from .evidence_dates import add_months

APPROVAL = "compliance.policy"
TEMPLATES = "policy_templates"
EDITABLE = ("title", "owner", "review_every_months", "audience_roles")
MAX_BODY = 200_000


def text_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def templates() -> list[dict]:
    return load_catalog(TEMPLATES)["templates"]


def template(key: str) -> dict | None:
    return next((t for t in templates() if t["key"] == key), None)


def _may_edit(actor, policy: Policy) -> None:
    """The policy's owner edits its drafts; so do compliance writers over the whole organisation."""
    if actor.pk != policy.owner_id:
        require(actor, CHANGE, policy)


def _next_reference() -> str:
    numbers = [int(r[4:]) for r in Policy.objects.filter(reference__regex=r"^POL-\d+$")
               .values_list("reference", flat=True)]
    return f"POL-{(max(numbers) if numbers else 0) + 1:03d}"


def _check_roles(roles) -> list[str]:
    roles = sorted(set(roles or []))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ValidationError({"audience_roles": _("Unknown roles: %(roles)s.") % {"roles": ", ".join(unknown)}})
    return roles


@transaction.atomic
def create_policy(*, actor, title: str = "", owner=None, kind: str = Policy.Kind.POLICY, template_key: str = "",
                  body: str = "", language: str = "en", review_every_months: int | None = None, people=(),
                  groups=(), units=(), roles=(), reason: str = "") -> Policy:
    """A new policy with its first draft (from a template when given, in `language`)."""
    require(actor, ADD, domain="compliance", unit=None)
    shipped = template(template_key) if template_key else None
    if template_key and shipped is None:
        raise ValidationError({"template": _("Unknown template.")})
    if shipped:
        title = title or localised(shipped["title"], language)
        body = body or localised(shipped["body"], language)
        kind = shipped.get("kind", kind)
        review_every_months = review_every_months or shipped.get("review_every_months")
    check_compliance_person(actor=actor, person=owner, unit=None, field="owner",
                            what=_("owner of the policy “%(title)s”") % {"title": title})
    policy = Policy(reference=_next_reference(), title=clean_text(title, "title", required=True, limit=300,
                                                                  message=_("Give the policy a title.")),
                    kind=kind, owner=owner or actor, review_every_months=review_every_months or 12,
                    template=template_key, audience_roles=_check_roles(roles))
    policy = _create(actor=actor, obj=policy, reason=reason)
    policy.audience_people.set(people)
    policy.audience_groups.set(groups)
    policy.audience_units.set(units)
    if shipped:
        refs = [tuple(r.split("/", 1)) for r in shipped.get("requirements", [])]
        policy.requirements.set([r for key, ref in refs for r in Requirement.objects.filter(
            framework__key=key, ref=ref)])
    _new_version(actor=actor, policy=policy, body=body, material=True, change_summary="")
    return policy


def _new_version(*, actor, policy: Policy, body: str, material: bool, change_summary: str) -> PolicyVersion:
    body = clean_text(body, "body", limit=MAX_BODY)
    number = (policy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PolicyVersion(policy=policy, number=number, body=body, body_html=render_markdown(body),
                            material=material, change_summary=clean_text(change_summary, "change_summary"),
                            author=actor)
    return _create(actor=actor, obj=version)


@transaction.atomic
def update_policy(*, actor, policy: Policy, changes: dict, people=None, groups=None, units=None,
                  expected_version: int | None = None, reason: str = "") -> Policy:
    _may_edit(actor, policy)
    reject_unknown(changes, EDITABLE)
    if "audience_roles" in changes:
        changes["audience_roles"] = _check_roles(changes["audience_roles"])
    if changes.get("owner") is not None and changes["owner"] != policy.owner:
        check_compliance_person(actor=actor, person=changes["owner"], unit=None, field="owner",
                                what=_("owner of the policy “%(title)s”") % {"title": policy.title})
    policy = _save_with_changes(actor=actor, obj=policy, changes=changes, reason=reason,
                                expected_version=expected_version)
    for manager, values in ((policy.audience_people, people), (policy.audience_groups, groups),
                            (policy.audience_units, units)):
        if values is not None:
            manager.set(values)
    return policy


@transaction.atomic
def start_new_version(*, actor, policy: Policy) -> PolicyVersion:
    """The next draft, starting from the published text; the published version stays live meanwhile."""
    policy = Policy.objects.select_for_update(of=("self",)).select_related("published_version").get(pk=policy.pk)
    _may_edit(actor, policy)
    if policy.versions.filter(status__in=[PolicyVersion.Status.DRAFT, PolicyVersion.Status.IN_REVIEW,
                                          PolicyVersion.Status.APPROVED]).exists():
        raise ValidationError(_("A version is already being prepared: finish it first."))
    base = policy.published_version.body if policy.published_version_id else ""
    return _new_version(actor=actor, policy=policy, body=base, material=False, change_summary="")


@transaction.atomic
def edit_draft(*, actor, version: PolicyVersion, body: str, change_summary: str = "", material: bool | None = None,
               expected_version: int | None = None) -> PolicyVersion:
    version = PolicyVersion.objects.select_for_update(of=("self",)).select_related("policy").get(pk=version.pk)
    _may_edit(actor, version.policy)
    if version.status != PolicyVersion.Status.DRAFT:
        raise ValidationError(_("Only a draft can be edited; start a new version to change a published text."))
    body = clean_text(body, "body", limit=MAX_BODY)
    # The text itself is not ledgered (it may be long): its SHA-256 is, so each edit of a draft leaves its trace.
    changes = {"body": body, "body_html": render_markdown(body), "sha256": text_hash(body),
               "change_summary": clean_text(change_summary, "change_summary")}
    if material is not None:
        changes["material"] = material or version.number == 1
    return _save_with_changes(actor=actor, obj=version, changes=changes, expected_version=expected_version,
                              reason="")


@transaction.atomic
def submit_policy_version(*, actor, version: PolicyVersion) -> PolicyVersion:
    version = PolicyVersion.objects.select_for_update(of=("self",)).select_related("policy").get(pk=version.pk)
    _may_edit(actor, version.policy)
    if version.status != PolicyVersion.Status.DRAFT:
        raise ValidationError(_("Only a draft can be submitted for approval."))
    if not version.body.strip():
        raise ValidationError({"body": _("Write the text before submitting it.")})
    if version.number > 1 and not version.change_summary.strip():
        raise ValidationError({"change_summary": _("Say what changed since the published version.")})
    version = _save_with_changes(actor=actor, obj=version, expected_version=None, reason="",
                                 action="compliance.policyversion.submit",
                                 changes={"status": PolicyVersion.Status.IN_REVIEW, "submitted_at": context.now(),
                                          "sha256": text_hash(version.body)})
    approvals.request(APPROVAL, version, body=version.change_summary)
    return version


@transaction.atomic
def approve_policy_version(*, actor, version: PolicyVersion, comment: str = "") -> PolicyVersion:
    """The sign-off: an approver other than the author (approvals inbox rule)."""
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != PolicyVersion.Status.IN_REVIEW:
        raise ValidationError(_("Only a version in review can be approved."))
    approvals.require_approver(actor, APPROVAL, version)
    version = _save_with_changes(actor=actor, obj=version, expected_version=None, reason=comment,
                                 action="compliance.policyversion.approve",
                                 changes={"status": PolicyVersion.Status.APPROVED, "approved_by": actor,
                                          "approved_at": context.now(),
                                          "decision_comment": clean_text(comment, "comment")})
    approvals.settle(APPROVAL, version)
    notify(recipient=version.author, title=gettext_lazy("%(policy)s v%(number)s approved: you may publish it"),
           params={"policy": str(version.policy), "number": version.number}, url=version.get_absolute_url(),
           kind="compliance.policy")
    return version


@transaction.atomic
def return_policy_version(*, actor, version: PolicyVersion, comment: str) -> PolicyVersion:
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != PolicyVersion.Status.IN_REVIEW:
        raise ValidationError(_("Only a version in review can be returned."))
    approvals.require_approver(actor, APPROVAL, version)
    comment = clean_text(comment, "comment", required=True, message=_("Say what must be corrected."))
    version = _save_with_changes(actor=actor, obj=version, expected_version=None, reason=comment,
                                 action="compliance.policyversion.return",
                                 changes={"status": PolicyVersion.Status.DRAFT, "decision_comment": comment,
                                          "submitted_at": None, "sha256": ""})
    approvals.settle(APPROVAL, version)
    notify(recipient=version.author, title=gettext_lazy("%(policy)s v%(number)s returned"), body=comment,
           params={"policy": str(version.policy), "number": version.number}, url=version.get_absolute_url(),
           kind="compliance.policy")
    return version


@transaction.atomic
def publish_policy_version(*, actor, version: PolicyVersion) -> PolicyVersion:
    """Put an approved version live: the previous one retires, the review date is set, and the audience is asked to
    acknowledge when the change is material (the first version always is)."""
    policy = Policy.objects.select_for_update().get(pk=version.policy_id)
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    _may_edit(actor, policy)
    if version.status != PolicyVersion.Status.APPROVED:
        raise ValidationError(_("Only an approved version can be published."))
    if text_hash(version.body) != version.sha256:  # nothing may change the text between approval and publication
        raise ValidationError(_("The text no longer matches what was approved."))
    now = context.now()
    previous = policy.published_version
    if previous is not None:
        _save_with_changes(actor=actor, obj=previous, expected_version=None, reason="",
                           action="compliance.policyversion.retire",
                           changes={"status": PolicyVersion.Status.RETIRED, "retired_at": now})
        close_tasks(source=f"compliance.policy_ack.{previous.pk}")
    version = _save_with_changes(actor=actor, obj=version, expected_version=None, reason="",
                                 action="compliance.policyversion.publish",
                                 changes={"status": PolicyVersion.Status.PUBLISHED, "published_by": actor,
                                          "published_at": now})
    _save_with_changes(actor=actor, obj=policy, expected_version=None, reason="",
                       action="compliance.policy.publish",
                       changes={"published_version": version,
                                "next_review_date": add_months(context.today(), policy.review_every_months)})
    if version.material or previous is None:
        ask_audience(policy=policy, version=version)
    _refresh_controls(policy, actor)
    return version


def ask_audience(*, policy: Policy, version: PolicyVersion) -> int:
    """A task (and a notification) for each person of the audience who has not acknowledged this text yet."""
    done = set(version.acknowledgements.values_list("person_id", flat=True))
    params = {"policy": str(policy), "number": version.number}
    count = 0
    for person in policy.audience().exclude(pk__in=done):
        open_task(assignee=person, title=gettext_lazy("Read and acknowledge %(policy)s (version %(number)s)"),
                  source=f"compliance.policy_ack.{version.pk}", url=policy.get_absolute_url(), params=params)
        notify(recipient=person, title=gettext_lazy("Please acknowledge %(policy)s (version %(number)s)"),
               params=params, url=policy.get_absolute_url(), kind="compliance.policy", email=False)
        count += 1
    return count


def baseline(policy: Policy) -> PolicyVersion | None:
    """The version people must have acknowledged (or a later one): the latest material published or retired one."""
    if policy.published_version_id is None:
        return None
    return (policy.versions.filter(number__lte=policy.published_version.number, material=True)
            .exclude(status__in=[PolicyVersion.Status.DRAFT, PolicyVersion.Status.IN_REVIEW,
                                 PolicyVersion.Status.APPROVED]).order_by("-number").first()
            or policy.published_version)


def has_acknowledged(person, policy: Policy) -> bool:
    floor = baseline(policy)
    return floor is not None and PolicyAcknowledgement.objects.filter(
        person=person, version__policy=policy, version__number__gte=floor.number).exists()


@transaction.atomic
def acknowledge(*, actor, policy: Policy) -> PolicyAcknowledgement:
    """The actor read and acknowledges the published text: the acknowledgement keeps that text's SHA-256."""
    policy = Policy.objects.select_related("published_version").get(pk=policy.pk)
    version = policy.published_version
    if version is None:
        raise ValidationError(_("This policy has no published version to acknowledge."))
    if not policy.audience().filter(pk=actor.pk).exists():
        raise PermissionDenied(_("This policy is not addressed to you."))
    existing = PolicyAcknowledgement.objects.filter(version=version, person=actor).first()
    if existing is not None:
        return existing
    acknowledgement = PolicyAcknowledgement(version=version, person=actor, sha256=version.sha256)
    stamp_new(acknowledgement)
    acknowledgement.save()
    ledger.record(actor=actor, action="compliance.policy.acknowledge", obj=policy,
                  after={"version": version.number, "sha256": version.sha256})
    from aims.core.models import Task

    Task.objects.filter(assignee=actor, source=f"compliance.policy_ack.{version.pk}", done_at__isnull=True).update(
        done_at=context.now())
    return acknowledgement


@transaction.atomic
def record_policy_review(*, actor, policy: Policy, outcome: str) -> Policy:
    """The scheduled review (ISO/IEC 42001 A.2.4): the outcome is ledgered and the next review is set."""
    _may_edit(actor, policy)
    outcome = clean_text(outcome, "outcome", required=True, message=_("Say what the review concluded."))
    policy = _save_with_changes(actor=actor, obj=policy, expected_version=None, reason=outcome,
                                action="compliance.policy.review",
                                changes={"last_reviewed_at": context.now(),
                                         "next_review_date": add_months(context.today(), policy.review_every_months)})
    close_tasks(source=f"compliance.policy_review.{policy.pk}")
    _refresh_controls(policy, actor)
    return policy


def open_due_reviews(on=None) -> int:
    day = on or context.today()
    count = 0
    for policy in Policy.objects.filter(next_review_date__lte=day).select_related("owner"):
        open_task(assignee=policy.owner, title=gettext_lazy("Review the policy %(policy)s (due %(date)s)"),
                  source=f"compliance.policy_review.{policy.pk}", url=policy.get_absolute_url(),
                  due_date=policy.next_review_date, params={"policy": str(policy), "date": policy.next_review_date})
        count += 1
    return count


def _refresh_controls(policy: Policy, actor) -> None:
    from .readiness import refresh_many

    refresh_many(policy.controls.all(), actor=actor)
