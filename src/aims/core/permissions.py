"""The one place where permissions are decided.

A role grants actions on permission *domains* (organisation, people, inventory, risks...). A role assignment gives a
role to a person or a group, over one organisation unit and its descendants, or over the whole organisation.
Every list, page, API route and export asks `Model.objects.restrict(user, action)`; services call `require()`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
ALL_ACTIONS = frozenset({VIEW, ADD, CHANGE, DELETE})
READ = frozenset({VIEW})
WRITE = frozenset({VIEW, ADD, CHANGE})


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    AIMS_MANAGER = "aims_manager", _("AIMS manager")
    RISK_MANAGER = "risk_manager", _("Risk manager")
    SYSTEM_OWNER = "system_owner", _("System owner")
    CONTRIBUTOR = "contributor", _("Contributor")
    AUDITOR = "auditor", _("Auditor")
    VIEWER = "viewer", _("Viewer")


# The governed modules every role can at least read (within its scope). Later modules add their domain here.
# "compliance": frameworks, controls, the Statement of Applicability, assessments, policies; "obligations": the EU AI
# Act duties of each AI system (scoped by the system's unit, kept by its owners); "evidence": the evidence library.
BUSINESS_DOMAINS = ("inventory", "risks", "compliance", "obligations", "evidence", "incidents", "suppliers", "monitoring",
                    "audits")

# role -> domain -> allowed actions. Domains not listed are refused.
ROLE_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    Role.ADMINISTRATOR: {
        **{d: ALL_ACTIONS for d in BUSINESS_DOMAINS},
        "organisation": ALL_ACTIONS, "people": ALL_ACTIONS, "roles": ALL_ACTIONS,
        "ledger": READ, "settings": ALL_ACTIONS, "findings": ALL_ACTIONS,
    },
    Role.AIMS_MANAGER: {
        **{d: ALL_ACTIONS for d in BUSINESS_DOMAINS},
        "organisation": WRITE, "people": READ, "roles": READ, "ledger": READ, "findings": ALL_ACTIONS,
    },
    Role.RISK_MANAGER: {
        **{d: READ for d in BUSINESS_DOMAINS},
        "risks": ALL_ACTIONS, "organisation": READ, "people": READ,
    },
    Role.SYSTEM_OWNER: {
        **{d: READ for d in BUSINESS_DOMAINS},
        "inventory": WRITE, "risks": WRITE, "obligations": WRITE, "evidence": WRITE, "incidents": WRITE,
        "monitoring": WRITE, "suppliers": WRITE, "organisation": READ, "people": READ,
    },
    Role.CONTRIBUTOR: {
        **{d: READ for d in BUSINESS_DOMAINS},
        "inventory": WRITE, "risks": WRITE, "obligations": WRITE, "evidence": WRITE, "incidents": WRITE,
        "organisation": READ, "people": READ,
    },
    # Auditors read everything, the ledger included, and write findings; nothing else.
    Role.AUDITOR: {
        **{d: READ for d in BUSINESS_DOMAINS},
        "organisation": READ, "people": READ, "roles": READ, "ledger": READ, "findings": WRITE,
    },
    Role.VIEWER: {
        **{d: READ for d in BUSINESS_DOMAINS},
        "organisation": READ, "people": READ,
    },
}


@dataclass(frozen=True)
class Scope:
    """Where a grant applies: `unit_path` None means the whole organisation."""

    role: str
    unit_path: str | None


def user_scopes(user) -> list[Scope]:
    """The user's role scopes, direct and through groups; cached on the user object for the request."""
    cached = getattr(user, "_aims_scopes", None)
    if cached is not None:
        return cached
    RoleAssignment = apps.get_model("core", "RoleAssignment")
    rows = (
        RoleAssignment.objects.filter(Q(user=user) | Q(group__members=user))
        .values_list("role", "unit__path")
        .distinct()
    )
    scopes = [Scope(role, path) for role, path in rows]
    user._aims_scopes = scopes
    return scopes


_units_changed = 0  # bumped when a unit is saved or deleted (core.signals): the cached scope units are read again


def units_changed() -> None:
    global _units_changed
    _units_changed += 1


def scope_unit_ids(user, paths: list[str]) -> list[int]:
    """The ids of the units under `paths` (the units a scoped reader's roles reach), read once per request and kept on
    the user object, as its scopes are. A scoped list filters on "unit IN (3, 7, 9)", not on a subquery over the
    units: given a subquery, SQLite cannot tell how few rows it selects, walks the whole table in the sort's index
    and keeps the reader's rows (a unit's 4,000 risks among 200,000, page 80: 390 ms); given the ids, it reads them
    through the index on their unit and sorts them (40 ms). PostgreSQL plans better with the values as well."""
    cache = user.__dict__.setdefault("_aims_scope_units", {})
    key = (tuple(sorted(paths)), _units_changed)
    if key not in cache:
        in_scope = Q()
        for path in paths:
            in_scope |= Q(path__startswith=path)
        OrgUnit = apps.get_model("core", "OrgUnit")  # by name: the models module imports this one
        cache[key] = list(OrgUnit.objects.filter(in_scope).values_list("pk", flat=True))
    return cache[key]


def load_scopes(users) -> None:
    """Fill the scope cache of many users at once (three queries, not one per person), for work that checks the rights
    of many people in one go: a sweep reminding hundreds of handlers spent a third of its time on their scopes."""
    pending = {user.pk: user for user in users if getattr(user, "_aims_scopes", None) is None}
    if not pending:
        return
    RoleAssignment = apps.get_model("core", "RoleAssignment")
    found: dict[int, set] = {pk: set() for pk in pending}
    for pk, role, path in (RoleAssignment.objects.filter(user_id__in=pending)
                           .values_list("user_id", "role", "unit__path")):
        found[pk].add((role, path))
    memberships = apps.get_model("core", "PeopleGroup").members.through.objects.filter(user_id__in=pending)
    by_group: dict[int, list[int]] = {}
    for group_id, user_id in memberships.values_list("peoplegroup_id", "user_id"):
        by_group.setdefault(group_id, []).append(user_id)
    for group_id, role, path in (RoleAssignment.objects.filter(group_id__in=by_group)
                                 .values_list("group_id", "role", "unit__path")):
        for pk in by_group[group_id]:
            found[pk].add((role, path))
    for pk, user in pending.items():
        user._aims_scopes = [Scope(role, path) for role, path in found[pk]]


def forget_scopes(user) -> None:
    if hasattr(user, "_aims_scopes"):
        del user._aims_scopes


def _granting_paths(user, domain: str, action: str) -> tuple[bool, list[str]]:
    """(everywhere, unit paths) where the user may perform `action` on `domain`."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False, []
    if user.is_superuser:
        return True, []
    paths: list[str] = []
    for scope in user_scopes(user):
        if action in ROLE_GRANTS.get(scope.role, {}).get(domain, frozenset()):
            if scope.unit_path is None:
                return True, []
            paths.append(scope.unit_path)
    return False, paths


def has_role(user, *roles: str) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return any(scope.role in roles for scope in user_scopes(user)) if getattr(user, "is_authenticated", False) else False


# What a sign-in event records about the person's device: theirs, not the organisation's to browse.
SIGN_IN_DETAILS = ("ip", "user_agent")


def sees_sign_in_details(user, event) -> bool:
    """Addresses and browsers of sign-in events (auth.*) are shown to administrators and to the person alone."""
    if not event.action.startswith("auth."):
        return True
    return has_role(user, Role.ADMINISTRATOR) or (bool(event.object_id) and event.object_id == str(getattr(user, "pk", "")))


def readable_data(user, event, data: dict) -> dict:
    """`data` (an event's before or after) without what `user` may not read."""
    if sees_sign_in_details(user, event):
        return data
    return {key: value for key, value in data.items() if key not in SIGN_IN_DETAILS}


def can_in_unit(user, action: str, domain: str, unit) -> bool:
    """May the user perform `action` on `domain` objects placed in `unit` (None: objects with no unit)?"""
    everywhere, paths = _granting_paths(user, domain, action)
    if everywhere:
        return True
    if unit is None:
        return False
    return any(unit.path.startswith(p) for p in paths)


def can_anywhere(user, action: str, domain: str) -> bool:
    everywhere, paths = _granting_paths(user, domain, action)
    return everywhere or bool(paths)


def can_everywhere(user, action: str, domain: str) -> bool:
    """Whether `user` may perform `action` on every row of `domain`, whatever its unit."""
    return _granting_paths(user, domain, action)[0]


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW) -> "RestrictedQuerySet":
        """Only the rows `user` may perform `action` on."""
        model = self.model
        domain = getattr(model, "permission_domain", None)
        if domain is None:
            return self.none()
        everywhere, paths = _granting_paths(user, domain, action)
        extra = model.restrict_extra(user, action) if hasattr(model, "restrict_extra") else Q(pk__in=[])
        if everywhere:
            return self.all()
        unit_path = getattr(model, "unit_path", None)
        condition = extra
        if paths and unit_path is not None:
            if unit_path == "":  # the model is the unit itself
                in_scope = Q()
                for path in paths:
                    in_scope |= Q(path__startswith=path)
                condition |= in_scope
            else:
                condition |= Q(**{f"{unit_path}__in": scope_unit_ids(user, paths)})
        return self.filter(condition)


def refusal(obj, message=None) -> PermissionDenied:
    """The PermissionDenied for an action on `obj` refused to someone who may see `obj`: the 403 page then names the
    object and its owner (core/views_errors.py), which tells them nothing they cannot already read."""
    error = PermissionDenied(message or _("You are not allowed to do this."))
    error.aims_object = obj
    return error


def get_for(user, queryset, action: str, **lookup):
    """The object `lookup` finds in `queryset` if `user` may perform `action` on it. Http404 when they may not even
    see it (its existence stays unknown), a refusal naming it when they may see it but not do this."""
    from django.http import Http404

    if action != VIEW:
        found = queryset.restrict(user, action).filter(**lookup).first()
        if found is not None:
            return found
    found = queryset.restrict(user, VIEW).filter(**lookup).first()
    if found is None:
        raise Http404
    if action != VIEW:
        raise refusal(found)
    return found


def require(user, action: str, obj=None, *, domain: str | None = None, unit=None) -> None:
    """Raise PermissionDenied unless `user` may perform `action` on `obj` (or, for creation, in `unit`)."""
    if obj is not None and obj.pk is not None:
        domain = getattr(obj._meta.model, "permission_domain", None)
        if domain is not None and _granting_paths(user, domain, action)[0]:
            return  # granted organisation-wide: restrict() would be the whole table, no query needed
        # _meta.model, not type(obj): request.user arrives wrapped in a lazy object.
        allowed = obj._meta.model._default_manager.restrict(user, action).filter(pk=obj.pk).exists()
    else:
        allowed = can_in_unit(user, action, domain, unit)
    if not allowed:
        raise refusal(obj)


# --- Who can act: the people behind a permission (pickers, approvers, assignment checks) -----------------------------

def unit_and_ancestor_paths(unit) -> list[str]:
    """"/1/4/9/" -> ["/1/", "/1/4/", "/1/4/9/"]: a role held over any of these units reaches `unit`."""
    if unit is None:
        return []
    parts = [p for p in unit.path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def people_holding(roles, unit) -> models.QuerySet:
    """Active people holding one of `roles` over `unit` (directly or through a group; a role over an ancestor unit or
    the whole organisation counts). `unit` None: only roles held over the whole organisation count."""
    RoleAssignment = apps.get_model("core", "RoleAssignment")
    PeopleGroup = apps.get_model("core", "PeopleGroup")
    User = apps.get_model("core", "User")
    roles = list(roles)
    if not roles:
        return User.objects.none()
    reaching = RoleAssignment.objects.filter(
        Q(unit__isnull=True) | Q(unit__path__in=unit_and_ancestor_paths(unit)), role__in=roles)
    members = PeopleGroup.members.through.objects.filter(
        peoplegroup__in=reaching.filter(group__isnull=False).values("group"))
    return User.objects.filter(is_active=True).filter(
        Q(pk__in=reaching.filter(user__isnull=False).values("user")) | Q(pk__in=members.values("user")))


def roles_granting(action: str, domain: str) -> list[str]:
    return [role for role, grants in ROLE_GRANTS.items() if action in grants.get(domain, frozenset())]


def people_who_can(action: str, domain: str, unit) -> models.QuerySet:
    """Active people who may perform `action` on `domain` objects placed in `unit`: what `can_in_unit` answers for
    each person, as one query (superusers included, as the permission checks let them through)."""
    User = apps.get_model("core", "User")
    return User.objects.filter(is_active=True).filter(
        Q(pk__in=people_holding(roles_granting(action, domain), unit).values("pk")) | Q(is_superuser=True))


# The roles an assignment may bring with it, least powerful first. Governance roles (risk or AIMS manager, auditor,
# administrator) carry authority (accepting risks, overriding gates) that naming someone owner must never hand out.
ASSIGNABLE_ROLES = (Role.VIEWER, Role.CONTRIBUTOR, Role.SYSTEM_OWNER)


def role_for_assignment(action: str, domain: str) -> str | None:
    """The least powerful operational role granting `action` on `domain` (what an assignment needs, no more)."""
    for role in ASSIGNABLE_ROLES:
        if action in ROLE_GRANTS[role].get(domain, frozenset()):
            return role
    return None


def may_write_notes(user) -> bool:
    """Journal notes are written by everyone who may see the object, except people whose only role is viewer: a viewer
    reads. (Someone with no role at all sees only what is theirs, e.g. their own shadow-AI declaration, and may note it.)"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    roles = {scope.role for scope in user_scopes(user)}
    return not roles or roles != {Role.VIEWER}
