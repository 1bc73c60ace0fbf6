"""The demo organisation that `aims demo` loads: a bank with six units, a dozen people holding every role, and a
year of use.

Core loads the organisation (units, people, roles, groups); every module adds its own data through the demo
registry, in its AppConfig.ready, so core never imports a domain app and no page of the demo is empty:

    demo.register("risks", risks_demo.load, order=20, history=risks_demo.history)

Both callables take the `Organisation`. Everything goes through the services, as a person would, so the demo's
ledger reads like real use, in one transaction:

1. `history(organisation)` (optional), in `order`: what happened over the past year. Code that runs directly in it
   happens on the day the organisation adopted AIMS, a year ago (catalogues, methods, the first systems); it
   schedules later steps with `organisation.at(days_ago, step)`. Once every module has scheduled its steps, they all
   run in date order (modules interleave: a risk assessed in March comes before a go-live in April), each under a
   clock set to its date, which the ledger and the services read (`aims.core.context.now`). Times only move forward
   along the ledger's chain.
2. `loader(organisation)` (optional), in `order`, today: it finds everything the histories built in its final state
   (systems classified, live or retired...). Look objects up by their stable keys (systems by reference code, people
   by e-mail) and skip quietly when one is missing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

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
    ("operations", "Customer Operations", "acme"),
]

PEOPLE = [
    # (email, first, last, job title, unit code, role, role scope unit code or None)
    ("claire.martin@example.com", "Claire", "Martin", "Chief AI Officer", "acme", Role.AIMS_MANAGER, None),
    ("karim.benali@example.com", "Karim", "Benali", "AI Risk Manager", "risk", Role.RISK_MANAGER, None),
    ("sophie.durand@example.com", "Sophie", "Durand", "Head of Recruitment", "hr", Role.SYSTEM_OWNER, "hr"),
    ("lucas.petit@example.com", "Lucas", "Petit", "Data Scientist", "data-ai", Role.CONTRIBUTOR, "data-ai"),
    ("anne.leroy@example.com", "Anne", "Leroy", "Internal Auditor", "risk", Role.AUDITOR, None),
    ("marc.moreau@example.com", "Marc", "Moreau", "Branch Manager", "retail", Role.VIEWER, "retail"),
    ("julie.bernard@example.com", "Julie", "Bernard", "Head of Retail Credit", "retail", Role.SYSTEM_OWNER, "retail"),
    ("hugo.fontaine@example.com", "Hugo", "Fontaine", "Head of Cards and Payments", "retail", Role.SYSTEM_OWNER,
     "retail"),
    ("emma.rousseau@example.com", "Emma", "Rousseau", "Head of Customer Operations", "operations", Role.SYSTEM_OWNER,
     "operations"),
    ("thomas.girard@example.com", "Thomas", "Girard", "Financial Crime Analyst", "risk", Role.CONTRIBUTOR, "risk"),
    ("nadia.haddad@example.com", "Nadia", "Haddad", "Data Protection Officer", "risk", Role.VIEWER, None),
    ("paul.lefebvre@example.com", "Paul", "Lefebvre", "Machine Learning Engineer", "data-ai", Role.CONTRIBUTOR, None),
]


# Each reading of the demo clock moves it on a little, so the events of one step keep their order and spread out.
CLOCK_TICK = timedelta(seconds=3)
HISTORY_DAYS = 365


class DemoClock:
    """A clock for the demo's past: it starts a year ago, only moves forward and never reaches the present."""

    def __init__(self, start: datetime, end: datetime):
        self._time, self._end = start, end

    def __call__(self) -> datetime:
        current = self._time
        self._time = min(current + CLOCK_TICK, max(self._end, current + timedelta(microseconds=1)))
        return current

    def move_to(self, moment: datetime) -> None:
        """Jump forward to `moment` (a moment already passed leaves the clock where it is)."""
        self._time = max(self._time, min(moment, self._end))


@dataclass(order=True)
class _Step:
    when: datetime
    order: int
    sequence: int
    run: Callable[[], object] = field(compare=False)


class Timeline:
    """The steps of the demo's past year, run in date order once every module has scheduled its own."""

    def __init__(self, clock: DemoClock, today: datetime):
        self.clock, self._today = clock, timezone.localtime(today)
        self._steps: list[_Step] = []
        self.order = 0  # the order of the module scheduling now: ties on a date run in module order

    def moment(self, days_ago: float, at: str = "10:00") -> datetime:
        """The local date `days_ago` days before today, at the local time `at` ("HH:MM")."""
        day = (self._today - timedelta(days=days_ago)).date()
        hour, minute = (int(part) for part in at.split(":"))
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))

    def add(self, days_ago: float, step: Callable[[], object], at: str = "10:00") -> None:
        if not 0 <= days_ago <= HISTORY_DAYS:
            raise ValueError(f"a demo step must fall within the past {HISTORY_DAYS} days, not {days_ago} days ago")
        self._steps.append(_Step(self.moment(days_ago, at), self.order, len(self._steps), step))

    def run(self) -> None:
        for number, step in enumerate(sorted(self._steps), start=1):
            self.clock.move_to(step.when)
            with context.bound(request_id=f"demo-{number:04d}"):
                step.run()
        self._steps.clear()


@dataclass(frozen=True)
class Organisation:
    """What a module's demo loader builds on."""

    admin: User
    units: dict[str, OrgUnit]  # by code (UNITS)
    people: dict[str, User]  # by e-mail (PEOPLE)
    timeline: Timeline | None = None

    def at(self, days_ago: float, step: Callable[[], object], *, at: str = "10:00") -> None:
        """Schedule `step` for `days_ago` days ago at the local time `at` (from a module's `history` only)."""
        if self.timeline is None:
            raise RuntimeError("steps are scheduled from a module's demo history, not from its present loader")
        self.timeline.add(days_ago, step, at)


Loader = Callable[[Organisation], object]
_LOADERS: dict[str, tuple[int, Loader | None, Loader | None]] = {}


def register(key: str, loader: Loader | None = None, *, order: int = 100, history: Loader | None = None) -> None:
    """Add a module's demo data: `history` schedules its past year, `loader` adds what exists today. `order` places
    it after what it builds on (inventory 10, risks 20...)."""
    _LOADERS[key] = (order, loader, history)


def logins() -> list[tuple[str, str, str]]:
    """(e-mail, roles with their scope, name and job title) of every demo login, the administrator first: what
    `aims demo` prints. Read from the database, so it says what the people really hold."""
    from .models import RoleAssignment

    emails = [ADMIN_EMAIL, *(person[0] for person in PEOPLE)]
    people = {person.email: person for person in User.objects.filter(email__in=emails)}
    rows = []
    for email in emails:
        person = people.get(email)
        if person is None:
            continue
        roles = [f"{Role(assignment.role).label} ({assignment.unit.name if assignment.unit else 'whole organisation'})"
                 for assignment in RoleAssignment.objects.filter(user=person).select_related("unit").order_by("pk")]
        name = " ".join(part for part in (person.get_full_name(), f"· {person.job_title}" if person.job_title else "")
                        if part)
        rows.append((email, ", ".join(roles) or "no role", name))
    return rows


def _registered():
    return sorted(_LOADERS.values(), key=lambda entry: entry[0])


def load(password: str | None = None) -> tuple[User, str | None]:
    """Create the demo organisation once. Returns the administrator and, on first run, their new password."""
    with context.bound(system_actor="system:demo", request_id="demo-setup"), transaction.atomic():
        admin = User.objects.filter(email=ADMIN_EMAIL).first()
        if admin is not None:
            return admin, None
        password = password or secrets.token_urlsafe(12)[:DEMO_PASSWORD_LENGTH]
        today = timezone.now()
        clock = DemoClock(today - timedelta(days=HISTORY_DAYS), end=today - timedelta(minutes=5))
        timeline = Timeline(clock, today)
        timeline.clock.move_to(timeline.moment(HISTORY_DAYS, "09:00"))
        with context.bound(clock=clock):
            organisation = _create_organisation(password, timeline)
            for order, _loader, history in _registered():
                if history is not None:
                    timeline.order = order
                    history(organisation)
            timeline.run()
        present = Organisation(admin=organisation.admin, units=organisation.units, people=organisation.people)
        for _order, loader, _history in _registered():
            if loader is not None:
                loader(present)
        return organisation.admin, password


def _create_organisation(password: str, timeline: Timeline) -> Organisation:
    # Everyone shares the printed password, hashed once: a password hash costs a noticeable fraction of a second on
    # purpose (Argon2), and the demo has a dozen people.
    hashed = make_password(password)
    admin = User.objects.create_superuser(username=ADMIN_EMAIL, email=ADMIN_EMAIL, password=None,
                                          first_name="Ada", last_name="Admin", job_title="AIMS administrator",
                                          date_joined=context.now())
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
                                        unit=units[unit])
        services.grant_role(actor=admin, role=role, user=person, unit=units.get(scope) if scope else None)
        people[email] = person
    User.objects.filter(pk__in=[admin.pk, *(person.pk for person in people.values())]).update(password=hashed)
    for person in (admin, *people.values()):
        person.password = hashed  # the objects below are saved again
    services.update_person(actor=admin, person=people["sophie.durand@example.com"],
                           changes={"backup": people["lucas.petit@example.com"],
                                    "manager": people["claire.martin@example.com"]})
    for email, backup in (("julie.bernard@example.com", "hugo.fontaine@example.com"),
                          ("hugo.fontaine@example.com", "julie.bernard@example.com"),
                          ("emma.rousseau@example.com", "paul.lefebvre@example.com")):
        services.update_person(actor=admin, person=people[email],
                               changes={"backup": people[backup], "manager": people["claire.martin@example.com"]})
    committee = services.create_group(actor=admin, name="AI governance committee",
                                      description="Decides on major changes and retirements of AI systems.",
                                      members=[people["claire.martin@example.com"], people["karim.benali@example.com"]])
    services.add_note(actor=admin, obj=committee, body="Meets **monthly**; chaired by the Chief AI Officer.")
    # The other approvers that retirements need (catalogs/change_decisions.yaml names these groups).
    services.create_group(actor=admin, name="Data protection officer", description="Approves retirements of "
                          "systems that process personal data.", members=[people["nadia.haddad@example.com"]])
    services.create_group(actor=admin, name="Executive management", description="Approves retirements.",
                          members=[people["claire.martin@example.com"]])
    return Organisation(admin=admin, units=units, people=people, timeline=timeline)
