"""The demo organisation that `aims demo` loads: a small bank with a few units and one person per role.

Core loads the organisation (units, people, roles, groups); every module adds its own data through the demo
registry, in its AppConfig.ready, so core never imports a domain app and no page of the demo is empty:

    demo.register("risks", risks_demo.load, order=20)   # load(organisation: demo.Organisation) -> None

Loaders run once, in `order`, inside the transaction that creates the organisation, and go through the services as a
person would, so the demo's ledger reads like real use.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from . import context, services
from .models import OrgUnit, User
from .permissions import Role

ADMIN_EMAIL = "admin@example.com"
DEMO_PASSWORD_LENGTH = 16

UNITS = [
    # (code, name, parent code)
    ("acme", "Acme Bank", None),
    ("retail", "Retail Banking", "acme"),
    ("hr", "Human Resources", "acme"),
    ("data-ai", "Data & AI", "acme"),
    ("risk", "Risk & Compliance", "acme"),
]

PEOPLE = [
    # (email, first, last, job title, unit code, role, role scope unit code or None)
    ("claire.martin@example.com", "Claire", "Martin", "Chief AI Officer", "acme", Role.AIMS_MANAGER, None),
    ("karim.benali@example.com", "Karim", "Benali", "AI Risk Manager", "risk", Role.RISK_MANAGER, None),
    ("sophie.durand@example.com", "Sophie", "Durand", "Head of Recruitment", "hr", Role.SYSTEM_OWNER, "hr"),
    ("lucas.petit@example.com", "Lucas", "Petit", "Data Scientist", "data-ai", Role.CONTRIBUTOR, "data-ai"),
    ("anne.leroy@example.com", "Anne", "Leroy", "Internal Auditor", "risk", Role.AUDITOR, None),
    ("marc.moreau@example.com", "Marc", "Moreau", "Branch Manager", "retail", Role.VIEWER, "retail"),
]


@dataclass(frozen=True)
class Organisation:
    """What a module's demo loader builds on."""

    admin: User
    units: dict[str, OrgUnit]  # by code (UNITS)
    people: dict[str, User]  # by e-mail (PEOPLE)


_LOADERS: dict[str, tuple[int, Callable[[Organisation], None]]] = {}


def register(key: str, loader: Callable[[Organisation], None], *, order: int = 100) -> None:
    """Add a module's demo data; `order` places it after what it builds on (inventory 10, risks 20...)."""
    _LOADERS[key] = (order, loader)


def load(password: str | None = None) -> tuple[User, str | None]:
    """Create the demo organisation once. Returns the administrator and, on first run, their new password."""
    with context.bound(system_actor="system:demo", request_id="demo-setup"), transaction.atomic():
        admin = User.objects.filter(email=ADMIN_EMAIL).first()
        if admin is not None:
            return admin, None
        password = password or secrets.token_urlsafe(12)[:DEMO_PASSWORD_LENGTH]
        admin = User.objects.create_superuser(username=ADMIN_EMAIL, email=ADMIN_EMAIL, password=password,
                                              first_name="Ada", last_name="Admin", job_title="AIMS administrator")
        from . import ledger

        ledger.record(actor=None, action="core.user.create", obj=admin, after=ledger.snapshot(admin),
                      reason="demo administrator")
        units: dict[str, OrgUnit] = {}
        for code, name, parent in UNITS:
            units[code] = services.create_org_unit(actor=admin, name=name, code=code, parent=units.get(parent))
        services.update_person(actor=admin, person=admin, changes={"unit": units["acme"]})
        services.grant_role(actor=admin, role=Role.ADMINISTRATOR, user=admin)
        people = {}
        for email, first, last, title, unit, role, scope in PEOPLE:
            person = services.create_person(actor=admin, email=email, first_name=first, last_name=last, job_title=title,
                                            unit=units[unit], password=password)
            services.grant_role(actor=admin, role=role, user=person, unit=units.get(scope) if scope else None)
            people[email] = person
        services.update_person(actor=admin, person=people["sophie.durand@example.com"],
                               changes={"backup": people["lucas.petit@example.com"],
                                        "manager": people["claire.martin@example.com"]})
        committee = services.create_group(actor=admin, name="AI governance committee",
                                          description="Decides on major changes and retirements of AI systems.",
                                          members=[people["claire.martin@example.com"], people["karim.benali@example.com"]])
        services.add_note(actor=admin, obj=committee, body="Meets **monthly**; chaired by the Chief AI Officer.")
        # The other approvers that retirements need (catalogs/change_decisions.yaml names these groups).
        services.create_group(actor=admin, name="Data protection officer", description="Approves retirements of "
                              "systems that process personal data.", members=[admin])
        services.create_group(actor=admin, name="Executive management", description="Approves retirements.",
                              members=[people["claire.martin@example.com"]])
        organisation = Organisation(admin=admin, units=units, people=people)
        for _order, loader in sorted(_LOADERS.values(), key=lambda entry: entry[0]):
            loader(organisation)
        return admin, password
