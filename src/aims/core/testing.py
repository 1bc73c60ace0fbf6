"""Test helpers shared by every app: factories and people holding a given role.

Factories write rows directly (fast, no ledger); tests of behaviour go through the services.
"""

from __future__ import annotations

import factory
from django.db import connection

from .models import OrgUnit, RoleAssignment, User

DEFAULT_PASSWORD = "Correct-Horse-Battery-42"


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Unit {n}")
    code = factory.Sequence(lambda n: f"unit-{n}")
    parent = None

    @factory.post_generation
    def set_path(self, create, extracted, **kwargs):
        self.path = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
        if create:
            self.save(update_fields=["path"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    username = factory.LazyAttribute(lambda o: o.email)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    job_title = "Analyst"

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            self.save(update_fields=["password"])


def person_with_role(role: str | None, unit: OrgUnit | None = None, **fields) -> User:
    """A person holding `role` over `unit` (None: the whole organisation), or no role at all."""
    person = UserFactory(unit=fields.pop("home_unit", unit), **fields)
    if role:
        RoleAssignment.objects.create(role=role, user=person, unit=unit)
    return person


def drop_ledger_triggers():
    from .ledger_triggers import remove

    remove(connection)


def restore_ledger_triggers():
    from .ledger_triggers import install

    install(connection)


def tamper(sql: str, params=()) -> None:
    """Run `sql` on the ledger with its triggers dropped, as someone with rights on the database would (tamper drills)."""
    drop_ledger_triggers()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        restore_ledger_triggers()


def run_ledger_verify(*args: str) -> tuple[int, str]:
    """Run `aims ledger verify [args]` in this process; return (exit code, standard error)."""
    import io

    from django.core.management import call_command

    err = io.StringIO()
    try:
        call_command("ledger", "verify", *args, stderr=err, stdout=io.StringIO())
    except SystemExit as exc:
        return exc.code, err.getvalue()
    return 0, err.getvalue()
