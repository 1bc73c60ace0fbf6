"""State changes of the core domain. Each function checks permission, changes state and writes its ledger event in
one transaction. Views, API, CLI and jobs all call these; none of them writes models directly."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from . import context, ledger
from .markdown import render_markdown
from .models import (
    ApiToken, JournalNote, LedgerEvent, Notification, OrgUnit, PeopleGroup, RoleAssignment, User, WebhookEndpoint,
)
from .permissions import ADD, CHANGE, DELETE, VIEW, forget_scopes, may_write_notes, require


class StaleVersion(Exception):
    """The object changed since the caller read it (optimistic locking): reload and retry."""

    def __init__(self, current_version: int):
        super().__init__(f"stale version: the object is now at version {current_version}")
        self.current_version = current_version


def check_version(obj: Model, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != obj.version:
        raise StaleVersion(obj.version)


def _save_with_changes(*, actor, obj: Model, changes: dict, reason: str, expected_version: int | None,
                       action: str | None = None, reloaded: dict | None = None) -> Model:
    """Apply field changes, bump the version, validate, save and ledger the diff. Shared by every update service.

    `reloaded`: the values lock_and_reload() returned, when the caller already locked and re-read the row.
    """
    # Lock the row so two concurrent updates of the same version cannot both pass the version check.
    stored = reloaded if reloaded is not None else lock_and_reload(obj)
    check_version(obj, expected_version)
    before = ledger.snapshot(obj)
    for field, value in changes.items():
        setattr(obj, field, value)
    obj.full_clean(exclude=_unchanged_fields(obj, changes), validate_constraints=False)
    obj.validate_constraints()  # Meta.constraints may tie a changed field to unchanged ones: always checked whole
    after = ledger.snapshot(obj)
    changed_before, changed_after = ledger.diff(before, after)
    if not changed_after and not changed_before:
        return obj
    obj.version += 1
    obj.updated_at = context.now()
    _update_row(obj, [name for name, value in stored.items() if getattr(obj, name) != value])
    ledger.record(actor=actor, action=action or f"{ledger.object_type_of(obj)}.update", obj=obj,
                  before=changed_before, after=changed_after, reason=reason)
    return obj


_RELOAD_SQL: dict = {}
_UPDATE_SQL: dict = {}


def _update_row(obj: Model, attnames: list[str]) -> None:
    """UPDATE only the columns that differ from the row just read under its lock, with SQL built once per model and set
    of columns: Django's save() rebuilt the statement for every column on every change, which cost more than running
    it (see benchmarks/ledger.py). No model of the product overrides save() or listens to its signals."""
    model = obj._meta.model
    connection = transaction.get_connection()
    key = (model, connection.alias, tuple(attnames))
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    fields = [by_attname[name] for name in attnames]
    if key not in _UPDATE_SQL:
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        _UPDATE_SQL[key] = (f"UPDATE {quote(model._meta.db_table)} SET {assignments} "
                            f"WHERE {quote(model._meta.pk.column)} = %s")
    values = [field.get_db_prep_save(field.pre_save(obj, False), connection=connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(_UPDATE_SQL[key], [*values, obj.pk])


def lock_and_reload(obj: Model) -> dict:
    """Re-read the row and lock it (SELECT ... FOR UPDATE on PostgreSQL; SQLite's write transaction already holds the
    lock) in one query, like refresh_from_db(from_queryset=select_for_update()), but with the SQL built once per
    model: every update service passes here. Returns {attname: stored value} of the concrete fields."""
    # _meta.model, not type(obj): views pass request.user, a lazy wrapper whose type is not the model.
    model = obj._meta.model
    connection = transaction.get_connection()
    key = (model, connection.alias, connection.vendor)
    if key not in _RELOAD_SQL:
        queryset = model._default_manager.select_for_update().filter(pk=0)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, _params = compiler.as_sql()
        columns = [column.target for column, _sql, _alias in compiler.select]
        converters = compiler.get_converters([column for column, _sql, _alias in compiler.select])
        _RELOAD_SQL[key] = (sql, columns, converters)
    sql, columns, converters = _RELOAD_SQL[key]
    with connection.cursor() as cursor:
        cursor.execute(sql, [obj.pk])
        row = cursor.fetchone()
    if row is None:
        raise model.DoesNotExist(f"{model._meta.object_name} {obj.pk} no longer exists")
    row = list(row)
    for index, (functions, expression) in converters.items():
        for convert in functions:
            row[index] = convert(row[index], expression, connection)
    stored = {}
    for field, value in zip(columns, row):
        if field.is_relation and field.is_cached(obj) and getattr(obj, field.attname) != value:
            field.delete_cached_value(obj)
        setattr(obj, field.attname, value)
        stored[field.attname] = value
    obj._state.adding, obj._state.db = False, connection.alias
    return stored


def _unchanged_fields(obj: Model, changes: dict) -> list[str]:
    """Fields whose own validation may be skipped: they passed it when saved, and re-checking them costs a query per
    foreign key and unique field on every update. Fields in a unique_together with a changed field are still checked."""
    meta = obj._meta
    checked = {f.name for f in meta.concrete_fields if f.name in changes or f.attname in changes}
    for group in meta.unique_together:
        if set(group) & checked:
            checked |= set(group)
    return [f.name for f in meta.concrete_fields if f.name not in checked]


def stamp_new(obj: Model) -> None:
    """Date a new object by the context's clock when one is bound (the demo writing its past year): every field that
    defaults to the time of creation takes the clock's time. Without a bound clock the defaults already hold it."""
    if not context.clock_bound():
        return
    moment = context.now()
    for field in obj._meta.concrete_fields:
        if field.default is timezone.now:
            setattr(obj, field.attname, moment)


def clean_for_create(obj: Model) -> None:
    """full_clean() without the existence query of each foreign key set from a saved instance (the database's
    foreign-key constraint still guards it): imports create thousands of rows, each paying one query per relation
    (see benchmarks/inventory.py). Uniqueness and constraints are still checked in full. Every creation through the
    services passes here, so the new object is also dated (`stamp_new`)."""
    stamp_new(obj)
    loaded = [f.name for f in obj._meta.concrete_fields if f.many_to_one and f.is_cached(obj)
              and getattr(f.get_cached_value(obj), "pk", None) is not None]
    obj.full_clean(exclude=loaded, validate_unique=False, validate_constraints=False)
    obj.validate_unique()
    obj.validate_constraints()


def _create(*, actor, obj: Model, reason: str = "") -> Model:
    clean_for_create(obj)
    obj.save()
    ledger.record(actor=actor, action=f"{ledger.object_type_of(obj)}.create", obj=obj, after=ledger.snapshot(obj), reason=reason)
    return obj


def _delete(*, actor, obj: Model, reason: str = "") -> None:
    before = ledger.snapshot(obj)
    object_type, object_id, label = ledger.object_type_of(obj), obj.pk, str(obj)
    obj.delete()
    ledger.record(actor=actor, action=f"{object_type}.delete", object_type=object_type, object_id=object_id,
                  object_label=label, before=before, reason=reason)


# --- Organisation units -------------------------------------------------------------------------------------------

def _unit_path(unit: OrgUnit) -> str:
    return f"{unit.parent.path if unit.parent_id else '/'}{unit.pk}/"


@transaction.atomic
def create_org_unit(*, actor, name: str, code: str, parent: OrgUnit | None = None, description: str = "",
                    reason: str = "") -> OrgUnit:
    require(actor, ADD, domain="organisation", unit=parent)
    unit = OrgUnit(name=name, code=code, parent=parent, description=description)
    stamp_new(unit)
    unit.full_clean(exclude=["path"])
    unit.save()
    unit.path = _unit_path(unit)
    unit.save(update_fields=["path"])
    ledger.record(actor=actor, action="core.orgunit.create", obj=unit, after=ledger.snapshot(unit), reason=reason)
    return unit


@transaction.atomic
def update_org_unit(*, actor, unit: OrgUnit, changes: dict, expected_version: int | None = None,
                    reason: str = "") -> OrgUnit:
    require(actor, CHANGE, unit)
    new_parent = changes.get("parent")  # (not .get(..., unit.parent): that would fetch the parent on every rename)
    if "parent" in changes and new_parent is not None:
        require(actor, CHANGE, new_parent)
        if new_parent.pk == unit.pk or new_parent.path.startswith(unit.path):
            raise ValidationError({"parent": _("A unit cannot be placed under itself or one of its descendants.")})
    old_path = unit.path
    unit = _save_with_changes(actor=actor, obj=unit, changes=changes, reason=reason, expected_version=expected_version)
    new_path = _unit_path(unit) if "parent" in changes else old_path
    if new_path != old_path:
        # Moving a unit moves its whole subtree: rewrite the materialised paths below it.
        for descendant in OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
            descendant.path = new_path + descendant.path[len(old_path):]
            descendant.save(update_fields=["path"])
        unit.path = new_path
        unit.save(update_fields=["path"])
    return unit


@transaction.atomic
def delete_org_unit(*, actor, unit: OrgUnit, reason: str = "") -> None:
    require(actor, DELETE, unit)
    if unit.children.exists() or unit.people.exists():
        raise ValidationError(_("This unit still has sub-units or people; move them first or deactivate the unit."))
    _delete(actor=actor, obj=unit, reason=reason)


# --- People ---------------------------------------------------------------------------------------------------------

PERSON_EDITABLE = ("first_name", "last_name", "email", "job_title", "unit", "manager", "backup", "language",
                   "is_active", "mfa_required")
# What a person may change on their own profile without the people-management permission.
SELF_EDITABLE = ("first_name", "last_name", "job_title", "language")


@transaction.atomic
def create_person(*, actor, email: str, first_name: str = "", last_name: str = "", job_title: str = "",
                  unit: OrgUnit | None = None, manager: User | None = None, backup: User | None = None,
                  language: str = "en", password: str | None = None, mfa_required: bool = False,
                  reason: str = "") -> User:
    require(actor, ADD, domain="people", unit=unit)
    email = User.objects.normalize_email(email).strip()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("A person with this e-mail address already exists.")})
    person = User(username=email.lower(), email=email, first_name=first_name, last_name=last_name, job_title=job_title,
                  unit=unit, manager=manager, backup=backup, language=language, mfa_required=mfa_required)
    if password:
        from django.contrib.auth.password_validation import validate_password

        validate_password(password, person)
        person.set_password(password)
    else:
        person.set_unusable_password()
    stamp_new(person)
    person.full_clean(exclude=["password"])
    person.save()
    ledger.record(actor=actor, action="core.user.create", obj=person, after=ledger.snapshot(person), reason=reason)
    return person


@transaction.atomic
def update_person(*, actor, person: User, changes: dict, expected_version: int | None = None, reason: str = "") -> User:
    is_self = getattr(actor, "pk", None) == person.pk
    if not (is_self and set(changes) <= set(SELF_EDITABLE)):
        require(actor, CHANGE, person)
        if "unit" in changes and changes["unit"] is not None:
            require(actor, CHANGE, domain="people", unit=changes["unit"])
    unknown = set(changes) - set(PERSON_EDITABLE)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in unknown})
    if is_self and changes.get("is_active") is False:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    if changes.get("backup") is not None and changes["backup"].pk == person.pk:
        raise ValidationError({"backup": _("A person cannot be their own backup.")})
    if changes.get("manager") is not None and changes["manager"].pk == person.pk:
        raise ValidationError({"manager": _("A person cannot be their own manager.")})
    if "email" in changes:
        if User.objects.filter(email__iexact=changes["email"]).exclude(pk=person.pk).exists():
            raise ValidationError({"email": _("A person with this e-mail address already exists.")})
    return _save_with_changes(actor=actor, obj=person, changes=changes, reason=reason, expected_version=expected_version)


# --- Groups and roles -----------------------------------------------------------------------------------------------

@transaction.atomic
def create_group(*, actor, name: str, description: str = "", unit: OrgUnit | None = None, members=(),
                 reason: str = "") -> PeopleGroup:
    require(actor, ADD, domain="people", unit=unit)
    group = _create(actor=actor, obj=PeopleGroup(name=name, description=description, unit=unit), reason=reason)
    if members:
        set_group_members(actor=actor, group=group, members=members, reason=reason)
    return group


@transaction.atomic
def update_group(*, actor, group: PeopleGroup, changes: dict, expected_version: int | None = None,
                 reason: str = "") -> PeopleGroup:
    require(actor, CHANGE, group)
    unknown = set(changes) - {"name", "description", "unit"}
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in unknown})
    if changes.get("unit") is not None:
        require(actor, CHANGE, domain="people", unit=changes["unit"])
    return _save_with_changes(actor=actor, obj=group, changes=changes, reason=reason, expected_version=expected_version)


@transaction.atomic
def set_group_members(*, actor, group: PeopleGroup, members, reason: str = "") -> PeopleGroup:
    require(actor, CHANGE, group)
    before = sorted(group.members.values_list("pk", flat=True))
    group.members.set(members)
    after = sorted(group.members.values_list("pk", flat=True))
    if before != after:
        group.version += 1
        group.save(update_fields=["version"])
        ledger.record(actor=actor, action="core.peoplegroup.members", obj=group, before={"members": before},
                      after={"members": after}, reason=reason)
    return group


@transaction.atomic
def edit_group(*, actor, group: PeopleGroup, changes: dict, members=None, expected_version: int | None = None,
               reason: str = "") -> PeopleGroup:
    """Change a group's details and, when `members` is given, its member list: one change, one version check."""
    group = update_group(actor=actor, group=group, changes=changes, expected_version=expected_version, reason=reason)
    if members is not None:
        group = set_group_members(actor=actor, group=group, members=members, reason=reason)
    return group


@transaction.atomic
def grant_role(*, actor, role: str, user: User | None = None, group: PeopleGroup | None = None,
               unit: OrgUnit | None = None, reason: str = "") -> RoleAssignment:
    require(actor, ADD, domain="roles", unit=unit)
    if (user is None) == (group is None):
        raise ValidationError({"user": _("Give the role to either a person or a group.")})
    if RoleAssignment.objects.filter(role=role, user=user, group=group, unit=unit).exists():
        raise ValidationError(_("This role is already assigned with this scope."))
    assignment = _create(actor=actor, obj=RoleAssignment(role=role, user=user, group=group, unit=unit), reason=reason)
    if user is not None:
        forget_scopes(user)
    return assignment


@transaction.atomic
def revoke_role(*, actor, assignment: RoleAssignment, reason: str = "") -> None:
    require(actor, DELETE, assignment)
    if getattr(actor, "pk", None) == assignment.user_id and assignment.role == "administrator":
        raise ValidationError(_("You cannot remove your own administrator role."))
    _delete(actor=actor, obj=assignment, reason=reason)


# --- Journal ------------------------------------------------------------------------------------------------------

@transaction.atomic
def add_note(*, actor, obj: Model, body: str) -> JournalNote:
    """Anyone who may see an object may write a note on it, except people who only hold the viewer role: they read
    (docs/decisions/0012-journal-notes.md). Auditors' notes are their working notes."""
    require(actor, VIEW, obj)
    if not may_write_notes(actor):
        raise PermissionDenied(_("Viewers read the journal; they do not add notes to it."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("A note cannot be empty.")})
    if len(body) > 20000:
        raise ValidationError({"body": _("A note is limited to 20,000 characters.")})
    note = JournalNote.objects.create(object_type=ledger.object_type_of(obj), object_id=str(obj.pk), author=actor,
                                      body=body, body_html=render_markdown(body), created_at=context.now())
    ledger.record(actor=actor, action="core.journal.add", obj=obj, after={"note_id": note.pk, "body": body})
    return note


# --- API tokens ------------------------------------------------------------------------------------------------------

TOKEN_PREFIX = "aims_"


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_api_token(*, actor, name: str, scopes=("read",), days: int = 90) -> tuple[ApiToken, str]:
    """Return the token and its secret, which is shown once and never stored."""
    scopes = sorted(set(scopes))
    if not scopes or not set(scopes) <= {c.value for c in ApiToken.Scope}:
        raise ValidationError({"scopes": _("Choose read, or read and write.")})
    if not 1 <= days <= 366:
        raise ValidationError({"days": _("A token lasts between 1 and 366 days.")})
    if not name.strip():
        raise ValidationError({"name": _("Give the token a name.")})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=actor, name=name.strip()[:100], prefix=secret[:12], key_hash=hash_token(secret),
                                    scopes=scopes, expires_at=timezone.now() + timedelta(days=days))
    ledger.record(actor=actor, action="core.apitoken.create", obj=token,
                  after={"name": token.name, "scopes": scopes, "expires_at": token.expires_at.isoformat()})
    return token, secret


@transaction.atomic
def revoke_api_token(*, actor, token: ApiToken) -> ApiToken:
    if token.user_id != getattr(actor, "pk", None):
        require(actor, CHANGE, token.user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        ledger.record(actor=actor, action="core.apitoken.revoke", obj=token, after={"revoked_at": token.revoked_at.isoformat()})
    return token


# One ledger event (and one last_used_at write) per token per window, not per call: a sync script makes thousands of
# calls an hour, which would flood the ledger and take the database write lock on every read. The window still
# tells an investigator when, and from where, a token was in use.
TOKEN_USE_LEDGER_INTERVAL = timedelta(minutes=10)


def record_token_use(*, actor, token: ApiToken, details: dict | None = None) -> bool:
    """Ledger `auth.token_used` and stamp last_used_at, at most once per token per TOKEN_USE_LEDGER_INTERVAL.

    Returns True when an event was written."""
    now = timezone.now()
    if token.last_used_at is not None and token.last_used_at > now - TOKEN_USE_LEDGER_INTERVAL:
        return False  # the common case: no transaction, no write lock
    return _record_token_use(actor=actor, token=token, now=now, details=details or {})


@transaction.atomic
def _record_token_use(*, actor, token: ApiToken, now, details: dict) -> bool:
    from django.db.models import Q

    # A conditional UPDATE so that, of two concurrent first calls, exactly one claims the window and writes the event.
    claimed = (ApiToken.objects.filter(pk=token.pk)
               .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - TOKEN_USE_LEDGER_INTERVAL))
               .update(last_used_at=now))
    if not claimed:
        return False
    token.last_used_at = now
    ledger.record(actor=actor, action="auth.token_used", obj=token, after=details)
    return True


# --- Webhooks --------------------------------------------------------------------------------------------------------

@transaction.atomic
def create_webhook(*, actor, name: str, url: str, events=(), reason: str = "") -> WebhookEndpoint:
    require(actor, ADD, domain="settings", unit=None)
    endpoint = WebhookEndpoint(name=name, url=url, events=list(events), secret=secrets.token_hex(32))
    return _create(actor=actor, obj=endpoint, reason=reason)


@transaction.atomic
def update_webhook(*, actor, endpoint: WebhookEndpoint, changes: dict, expected_version: int | None = None,
                   reason: str = "") -> WebhookEndpoint:
    require(actor, CHANGE, endpoint)
    return _save_with_changes(actor=actor, obj=endpoint, changes=changes, reason=reason, expected_version=expected_version)


@transaction.atomic
def delete_webhook(*, actor, endpoint: WebhookEndpoint, reason: str = "") -> None:
    require(actor, DELETE, endpoint)
    _delete(actor=actor, obj=endpoint, reason=reason)


# --- Authentication events (written by signal handlers; the actor may be anonymous) --------------------------------

@transaction.atomic
def record_auth_event(*, actor, action: str, label: str, details: dict | None = None) -> LedgerEvent:
    return ledger.record(actor=actor if getattr(actor, "pk", None) else f"anonymous:{label}"[:200], action=action,
                         object_type="core.user", object_id=getattr(actor, "pk", "") or "", object_label=label,
                         after=details or {})


def mark_notifications_read(*, actor, ids=None) -> int:
    """Reading a notification is a personal view state, not a governed change: not ledgered."""
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
