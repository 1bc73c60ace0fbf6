"""One inbox for every sign-off in the product ("To approve").

Each module registers its kinds of sign-off at start-up (AppConfig.ready), without core knowing the modules:

    approvals.register(approvals.ApprovalKind(
        key="inventory.classification", label=gettext_lazy("AI Act classification"),
        waiting=lambda: Classification.objects.filter(status="awaiting_sign_off"),
        approvers=lambda c: approvals.people_in_approver_roles("inventory.classification", c.system.unit),
        author=lambda c: c.classified_by, since=lambda c: c.classified_at,
        url=lambda c: f"{c.system.get_absolute_url()}?tab=classification#sign-off",
        approve=lambda *, actor, obj, comment="", **details: sign_off_classification(actor=actor, ...),
        describe=lambda c: Text(gettext_lazy("Classification of “%(system)s”"), system=str(c.system)),
    ))

Then the module's services call `request(key, obj)` when something starts waiting (a task and a notification for
each approver), `require_approver(actor, key, obj)` before approving, and `settle(key, obj)` when it no longer waits
(approved, returned, rejected, superseded). Pages show `context_for(user, key, obj)`: who may approve, and whether the
reader may (no button otherwise). A daily job reminds approvers of what has waited too long. See docs/approvals.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.catalogs import load_catalog

from . import context
from .models import Notification, OrgUnit, Task
from .notifications import close_tasks, notify, open_task
from .permissions import people_holding, user_scopes
from .stored_text import Text

CATALOGUE = "approvals"
REMINDER_KIND = "approval.reminder"


@dataclass(frozen=True)
class ApprovalKind:
    key: str  # "<app>.<what>": also the prefix of its tasks' source keys
    label: Any  # lazy translation: "AI Act classification"
    waiting: Callable[[], Any]  # a QuerySet of every object waiting for this sign-off
    approvers: Callable[[Any], Iterable]  # who may approve this object now (core drops the author and inactive people)
    author: Callable[[Any], Any]  # whose work it is (never an approver of it)
    since: Callable[[Any], datetime]  # waiting since
    url: Callable[[Any], str]  # the page where one approves (it names the approvers, with a button for them only)
    approve: Callable[..., Any]  # the service: approve(actor=..., obj=..., comment=..., **details)
    describe: Callable[[Any], Any] = str  # what waits: a stored_text.Text (read in each reader's language) or text
    # The objects `user` may approve, when the module can say it faster than waiting() filtered by approvers().
    waiting_for: Callable[[Any], Iterable] | None = None
    order: int = 100


@dataclass(frozen=True)
class Waiting:
    """One row of someone's inbox."""

    kind: ApprovalKind
    obj: Any
    title: str
    url: str
    author: Any
    since: datetime
    overdue: bool


_KINDS: dict[str, ApprovalKind] = {}


def register(kind: ApprovalKind) -> ApprovalKind:
    """Add (or replace, under the same key) a kind of sign-off."""
    _KINDS[kind.key] = kind
    return kind


def unregister(key: str) -> None:
    _KINDS.pop(key, None)


def kinds() -> list[ApprovalKind]:
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.key))


def get(key: str) -> ApprovalKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise LookupError(f"unknown approval kind: {key}") from None


# --- Configuration (catalogs/approvals.yaml) ------------------------------------------------------------------------

def _config(key: str) -> dict:
    return load_catalog(CATALOGUE).get("kinds", {}).get(key) or {}


def approver_roles(key: str) -> list[str]:
    """The roles whose holders may approve kind `key`, as the organisation configured them."""
    return list(_config(key).get("roles") or [])


def remind_after_days(key: str) -> int:
    days = _config(key).get("remind_after_days") or load_catalog(CATALOGUE).get("default_remind_after_days") or 7
    return max(1, int(days))


def people_in_approver_roles(key: str, unit):
    """Active people holding one of kind `key`'s approver roles over `unit` (for role-based kinds)."""
    return people_holding(approver_roles(key), unit)


def in_approver_scope(user, key: str, unit_field: str) -> Q:
    """A filter on objects whose unit (`unit_field`, e.g. "system__unit") lies where `user` holds one of kind `key`'s
    approver roles: the inbox of a role-based kind in one query."""
    roles = set(approver_roles(key))
    paths = []
    for scope in user_scopes(user):
        if scope.role in roles:
            if scope.unit_path is None:
                return Q()
            paths.append(scope.unit_path)
    if not paths:
        return Q(pk__in=[])
    in_scope = Q()
    for path in paths:
        in_scope |= Q(path__startswith=path)
    return Q(**{f"{unit_field}__in": OrgUnit.objects.filter(in_scope).values("pk")})


# --- Who may approve ------------------------------------------------------------------------------------------------

def approvers_of(key: str, obj) -> list:
    """Who may approve `obj` now: the kind's rule, without the author and without inactive people, by name."""
    kind = get(key)
    author = kind.author(obj)
    author_pk = getattr(author, "pk", None)
    people = {p.pk: p for p in kind.approvers(obj) if p.is_active and p.pk != author_pk}
    return sorted(people.values(), key=lambda p: (str(p).lower(), p.pk))


def may_approve(user, key: str, obj) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return any(person.pk == user.pk for person in approvers_of(key, obj))


def require_approver(actor, key: str, obj) -> None:
    """Raise PermissionDenied, saying who may, unless `actor` may approve `obj` (the author never may)."""
    if may_approve(actor, key, obj):
        return
    author = get(key).author(obj)
    if author is not None and getattr(actor, "pk", None) == author.pk:
        raise PermissionDenied(_("You cannot approve your own work: another person must."))
    names = approvers_of(key, obj)
    if names:
        raise PermissionDenied(_("Only these people may approve this: %(names)s.")
                               % {"names": ", ".join(str(p) for p in names)})
    raise PermissionDenied(_("Nobody may approve this yet: give the approver role to someone other than its author."))


def context_for(user, key: str, obj) -> dict:
    """What a page shows beside a waiting object: who may approve, since when, and whether the reader may."""
    people = approvers_of(key, obj)
    kind = get(key)
    return {
        "approval_kind": kind, "approvers": people,
        "may_approve": any(p.pk == user.pk for p in people) and user.is_active,
        "is_author": getattr(kind.author(obj), "pk", None) == user.pk,
        "waiting_since": kind.since(obj),
    }


# --- Tasks, notifications and reminders ------------------------------------------------------------------------------

def task_source(key: str, obj) -> str:
    return f"approval.{key}.{obj.pk}"


def _describe_for(kind: ApprovalKind, obj, person):
    """What waits, as a stored fact when the kind describes it with `stored_text.Text` (each reader reads it in their
    language, whenever they read it), else as text in the approver's language."""
    description = kind.describe(obj)
    if isinstance(description, Text):
        return description
    with translation.override(getattr(person, "language", None) or settings.LANGUAGE_CODE):
        return str(description)


def request(key: str, obj, *, body="", notify_approvers: bool = True) -> list:
    """`obj` now waits for kind `key`'s sign-off: each approver gets a task (and a notification) that opens the page
    where they approve. Returns the approvers. Call it inside the service's transaction."""
    kind = get(key)
    people = approvers_of(key, obj)
    url = kind.url(obj)
    for person in people:
        what = _describe_for(kind, obj, person)
        open_task(assignee=person, title=gettext_lazy("To approve: %(what)s"), params={"what": what},
                  source=task_source(key, obj), url=url, reopen=True)
        if notify_approvers:
            notify(recipient=person, title=gettext_lazy("Your approval is requested: %(what)s"), body=body,
                   params={"what": what}, url=url, kind="approval")
    return people


def has_open_tasks(key: str, obj) -> bool:
    return Task.objects.filter(source=task_source(key, obj), done_at__isnull=True).exists()


def settle(key: str, obj) -> int:
    """`obj` no longer waits (approved, returned, rejected or replaced): its approval tasks close."""
    return close_tasks(source=task_source(key, obj))


def waiting_for(user) -> list[Waiting]:
    """Everything `user` may approve now, oldest first."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    now = context.now()
    rows = []
    for kind in kinds():
        candidates = kind.waiting_for(user) if kind.waiting_for else [
            obj for obj in kind.waiting() if may_approve(user, kind.key, obj)]
        limit = timedelta(days=remind_after_days(kind.key))
        for obj in candidates:
            since = kind.since(obj)
            rows.append(Waiting(kind=kind, obj=obj, title=str(kind.describe(obj)), url=kind.url(obj),
                                author=kind.author(obj), since=since, overdue=bool(since) and now - since > limit))
    return sorted(rows, key=lambda row: (row.since or now, row.kind.order, row.title))


def count_for(user) -> int:
    return len(waiting_for(user))


def send_reminders() -> int:
    """For everything that has waited longer than its kind's `remind_after_days`: bring the approval tasks up to date
    (people who became approvers get one, people who no longer are lose theirs) and remind each approver, at most
    once per period. Returns the number of reminders sent."""
    now = context.now()
    sent = 0
    for kind in kinds():
        days = remind_after_days(kind.key)
        waiting = list(kind.waiting())
        prefix = f"approval.{kind.key}."
        still = {task_source(kind.key, obj) for obj in waiting}
        # What no longer waits (decided elsewhere, its system retired...) leaves nobody's task list.
        Task.objects.filter(source__startswith=prefix, done_at__isnull=True).exclude(source__in=still).update(
            done_at=now)
        for obj in waiting:
            people = approvers_of(kind.key, obj)
            source = task_source(kind.key, obj)
            Task.objects.filter(source=source, done_at__isnull=True).exclude(
                assignee__in=[p.pk for p in people]).update(done_at=now)
            since = kind.since(obj)
            url = kind.url(obj)
            for person in people:
                what = _describe_for(kind, obj, person)
                open_task(assignee=person, title=gettext_lazy("To approve: %(what)s"), params={"what": what},
                          source=source, url=url, reopen=True)
                if since is None or now - since < timedelta(days=days):
                    continue
                if Notification.objects.filter(recipient=person, kind=REMINDER_KIND, url=url,
                                               created_at__gt=now - timedelta(days=days)).exists():
                    continue
                notify(recipient=person, title=gettext_lazy("Still waiting for your approval since %(date)s: %(what)s"),
                       params={"what": what, "date": since}, url=url, kind=REMINDER_KIND)
                sent += 1
    return sent
