"""Who may be named owner, contact or assignee of something: the people who can act on it.

Every owner and assignee field of the product goes through here, so that nobody is given work they cannot open:

- forms offer only the people who can act (`PersonField` and `assignable_people`);
- services check the person they are given (`check_assignee`), so the API and imports follow the same rule.

Where the organisation chooses (`AIMS_ASSIGNMENT_GRANTS_ACCESS`, settings.ASSIGNMENT_GRANTS_ACCESS), a person who
lacks the access is not refused: the assignment gives it, as the least powerful operational role that grants it
(viewer, contributor or system owner; never a governance role) over the object's unit, ledgered with its reason, and
the person is told.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import RoleAssignment, User
from .notifications import notify
from .permissions import (
    Role, can_anywhere, can_in_unit, forget_scopes, people_holding, role_for_assignment, roles_granting,
    unit_and_ancestor_paths,
)
from .services import _create
from .widgets import searchable

# What an assignment lets the person do, in words, for the refusal message ("… may not %(need)s").
NEEDS = {
    ("view", "inventory"): gettext_lazy("see the AI systems of “%(unit)s”"),
    ("change", "inventory"): gettext_lazy("change the AI systems of “%(unit)s”"),
    ("view", "risks"): gettext_lazy("see the risks of “%(unit)s”"),
    ("change", "risks"): gettext_lazy("change the risks of “%(unit)s”"),
    ("view", "compliance"): gettext_lazy("see the compliance programme of “%(unit)s”"),
    ("change", "obligations"): gettext_lazy("keep the AI Act obligations of “%(unit)s”"),
}


def grants_access() -> bool:
    """The organisation's choice: does naming someone give them the access the assignment needs?"""
    return bool(getattr(settings, "ASSIGNMENT_GRANTS_ACCESS", False))


def _people_who_can_in_any(action: str, domain: str, units) -> Q:
    """People who may do `action` on `domain` in at least one of `units` (None: in any unit, or everywhere): one
    condition."""
    reaching = RoleAssignment.objects.filter(role__in=roles_granting(action, domain))
    if units is not None:
        paths = sorted({path for unit in units for path in unit_and_ancestor_paths(unit)})
        reaching = reaching.filter(Q(unit__isnull=True) | Q(unit__path__in=paths))
    return (Q(pk__in=reaching.filter(user__isnull=False).values("user"))
            | Q(people_groups__in=reaching.filter(group__isnull=False).values("group")) | Q(is_superuser=True))


def assignable_people(user, action: str, domain: str, *, unit=None, units=None, anywhere: bool = False):
    """The people `user` may pick: active, visible to `user`, and able to do `action` on `domain` in `unit` (or, when
    the form also chooses the unit, in one of `units`; the service checks the unit finally chosen; or, for
    organisation-wide objects that everyone reading the domain somewhere may see, `anywhere`). With the
    organisation's grants setting, every active person `user` can see (the assignment gives the access)."""
    people = User.objects.restrict(user, "view").filter(is_active=True)
    if not grants_access():
        if anywhere:
            people = people.filter(pk__in=User.objects.filter(_people_who_can_in_any(action, domain, None)).values("pk"))
        elif unit is not None or units is None:
            able = people_holding(roles_granting(action, domain), unit).values("pk")
            people = people.filter(Q(pk__in=able) | Q(is_superuser=True))
        else:
            people = people.filter(pk__in=User.objects.filter(_people_who_can_in_any(action, domain, units)).values("pk"))
    return people.order_by("last_name", "first_name", "pk")


class PersonField(forms.ModelChoiceField):
    """A choice of person, shown with their job title, limited with `limit_to`; searchable in the browser."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        searchable(self)

    def label_from_instance(self, obj) -> str:
        return f"{obj} · {obj.job_title}" if obj.job_title else str(obj)


def limit_to(field: forms.ModelChoiceField, user, action: str, domain: str, *, unit=None, units=None,
             anywhere: bool = False) -> None:
    """Offer in `field` only the people who can act (see `assignable_people`), and say so; the picker is searchable
    (aims.core.widgets)."""
    field.queryset = assignable_people(user, action, domain, unit=unit, units=units, anywhere=anywhere)
    searchable(field)
    hint = (_("Someone without access is given it when named (recorded in the ledger).") if grants_access()
            else _("Only people who can act on it are offered."))
    field.help_text = f"{field.help_text} {hint}".strip() if field.help_text else hint


def check_assignee(*, actor, person, action: str, domain: str, unit, field: str, what: str = "",
                   anywhere: bool = False) -> None:
    """The services' rule for every owner/assignee: `person` must be able to do `action` on `domain` in `unit` (with
    `anywhere`, for an organisation-wide object every reader of the domain sees: in some unit at least).

    Refused with a ValidationError on `field`, or, with the organisation's grants setting, granted: the least
    powerful operational role that gives the access, over `unit`, ledgered with `what` (the assignment) as reason.
    Call it inside the service's transaction, before saving the assignment.
    """
    if person is None or can_in_unit(person, action, domain, unit):
        return
    if anywhere and unit is None and person.is_active and can_anywhere(person, action, domain):
        return
    if not person.is_active:
        raise ValidationError({field: _("%(person)s is no longer active.") % {"person": person}})
    place = unit.name if unit is not None else _("the whole organisation")
    role = role_for_assignment(action, domain)
    if not grants_access() or role is None:
        need = NEEDS.get((action, domain), gettext_lazy("act in “%(unit)s”"))
        raise ValidationError({field: _("%(person)s may not %(need)s: choose someone who can, or ask an administrator "
                                        "to give them access there.") % {"person": person,
                                                                         "need": need % {"unit": place}}})
    reason = _("Access needed by an assignment: %(what)s") % {"what": what or field}
    _create(actor=actor, obj=RoleAssignment(role=role, user=person, unit=unit), reason=reason)
    forget_scopes(person)
    notify(recipient=person, title=gettext_lazy("You were given the %(role)s role over %(unit)s"), body=reason,
           params={"role": Role(role).label, "unit": place}, url=f"/people/{person.pk}/", kind="roles")
