"""People, groups and role assignments."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import services
from .forms import GrantRoleForm, GroupForm, PersonForm, ReasonForm, errors_on
from .models import OrgUnit, PeopleGroup, RoleAssignment, User
from .permissions import Role, can_anywhere, can_in_unit
from .views_org import _posted, tab_context

PEOPLE_PER_PAGE = 50
# Sort keys offered on the people list -> the ordering they mean. Anything else falls back to the name.
PEOPLE_SORTS = {
    "name": ("last_name", "first_name", "pk"),
    "email": ("email",),
    "job_title": ("job_title", "last_name", "pk"),
    "unit": ("unit__name", "last_name", "pk"),
}


def _sorting(request) -> tuple[str, bool]:
    raw = request.GET.get("sort", "name")
    descending = raw.startswith("-")
    key = raw.lstrip("-")
    return (key, descending) if key in PEOPLE_SORTS else ("name", False)


@login_required
def people_list(request):
    user = request.user
    people = User.objects.restrict(user, "view").select_related("unit")
    q = request.GET.get("q", "").strip()[:200]
    for term in q.split():
        people = people.filter(Q(first_name__icontains=term) | Q(last_name__icontains=term)
                               | Q(email__icontains=term) | Q(job_title__icontains=term))
    units = OrgUnit.objects.restrict(user, "view").order_by("path")
    unit_filter = request.GET.get("unit", "")
    if unit_filter.isdigit():
        chosen = units.filter(pk=unit_filter).values_list("path", flat=True).first()
        people = people.filter(unit__path__startswith=chosen) if chosen else people.none()
    role_filter = request.GET.get("role", "")
    if role_filter in Role.values:
        holders = RoleAssignment.objects.filter(role=role_filter)
        people = people.filter(Q(pk__in=holders.values("user_id"))
                               | Q(people_groups__in=holders.filter(group__isnull=False).values("group_id")))
    active = request.GET.get("active", "yes")
    if active == "yes":
        people = people.filter(is_active=True)
    elif active == "no":
        people = people.filter(is_active=False)
    sort, descending = _sorting(request)
    ordering = [("-" if descending else "") + f for f in PEOPLE_SORTS[sort]]
    page = Paginator(people.distinct().order_by(*ordering), PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    filtered = bool(q or unit_filter or role_filter or active != "yes")
    return render(request, "core/people_list.html", {
        "page": page, "people": page.object_list, "q": q, "units": units, "unit_filter": unit_filter,
        "roles": Role.choices, "role_filter": role_filter, "active": active, "sort": sort,
        "descending": descending, "query": query.urlencode(), "sort_query": sort_query.urlencode(),
        "filtered": filtered, "can_add": can_anywhere(user, "add", "people"),
        "columns": [("name", _("Name")), ("email", _("E-mail")), ("job_title", _("Job title")), ("unit", _("Unit"))],
    })


def _visible_person(request, pk: int, action: str = "view") -> User:
    return get_object_or_404(
        User.objects.restrict(request.user, action).select_related("unit", "manager", "backup"), pk=pk)


@login_required
def person_detail(request, pk: int):
    person = _visible_person(request, pk)
    user = request.user
    # Role assignments are the "roles" domain: only those who may read it see them, and only within their scope.
    readable_roles = RoleAssignment.objects.restrict(user, "view").select_related("unit")
    direct = readable_roles.filter(user=person).order_by("role")
    through_groups = readable_roles.filter(group__members=person).select_related("group").order_by("role")
    may_change = can_in_unit(user, "change", "people", person.unit)
    assignments = [
        {"assignment": a, "can_revoke": can_in_unit(user, "delete", "roles", a.unit)} for a in direct
    ]
    linked = [pk for pk in (person.manager_id, person.backup_id) if pk]
    openable = set(User.objects.restrict(user, "view").filter(pk__in=linked).values_list("pk", flat=True)) if linked else set()
    context = {
        "person": person,
        # Manager and backup are named on the page; linked only when the reader may open their page.
        "manager_visible": person.manager_id in openable, "backup_visible": person.backup_id in openable,
        "assignments": assignments,
        "group_assignments": through_groups,
        "groups": PeopleGroup.objects.restrict(user, "view").filter(members=person).order_by("name"),
        "can_change": may_change,
        "can_toggle_active": may_change and person.pk != user.pk,
        "can_grant": can_anywhere(user, "add", "roles"),
        "grant_form": GrantRoleForm(user=user) if can_anywhere(user, "add", "roles") else None,
        **tab_context(request, person),
    }
    return render(request, "core/person_detail.html", context)


@login_required
def person_create(request):
    user = request.user
    if not can_anywhere(user, "add", "people"):
        raise PermissionDenied
    form = PersonForm(_posted(request), user=user, creating=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            person = services.create_person(
                actor=user, email=data["email"], first_name=data["first_name"], last_name=data["last_name"],
                job_title=data["job_title"], unit=data["unit"], manager=data["manager"], backup=data["backup"],
                language=data["language"], mfa_required=data["mfa_required"], reason=data["reason"])
        if not form.errors:
            messages.success(request, _("%(name)s was added.") % {"name": person})
            return redirect("person_detail", pk=person.pk)
    return render(request, "core/person_form.html", {"form": form, "creating": True})


@login_required
def person_edit(request, pk: int):
    person = _visible_person(request, pk, "change")
    user = request.user
    form = PersonForm(_posted(request), instance=person, user=user, initial={"version": person.version})
    if request.method == "POST" and form.is_valid():
        with errors_on(form):
            person = services.update_person(actor=user, person=User.objects.get(pk=pk), changes=form.changes(),
                                            expected_version=form.cleaned_data["version"],
                                            reason=form.cleaned_data["reason"])
        if not form.errors:
            messages.success(request, _("The changes were saved."))
            return redirect("person_detail", pk=person.pk)
    return render(request, "core/person_form.html", {"form": form, "person": User.objects.get(pk=pk)})


@login_required
def person_set_active(request, pk: int):
    """Deactivate (or reactivate) a person after a confirmation page; a deactivated person can no longer log in."""
    person = _visible_person(request, pk, "change")
    form = ReasonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        target = not person.is_active
        try:
            services.update_person(actor=request.user, person=person, changes={"is_active": target},
                                   reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(name)s was reactivated.") % {"name": person} if target
                             else _("%(name)s was deactivated.") % {"name": person})
        return redirect("person_detail", pk=person.pk)
    return render(request, "core/person_confirm_active.html", {"person": person, "form": form})


# --- Role assignments -------------------------------------------------------------------------------------------------

@login_required
@require_http_methods(["POST"])
def role_grant(request, pk: int):
    person = _visible_person(request, pk)
    user = request.user
    if not can_anywhere(user, "add", "roles"):
        raise PermissionDenied
    form = GrantRoleForm(request.POST, user=user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.grant_role(actor=user, role=data["role"], user=person, unit=data["unit"], reason=data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The role was granted."))
    else:
        messages.error(request, _("The role could not be granted: %(errors)s") % {
            "errors": " ".join(str(e) for errors in form.errors.values() for e in errors)})
    return redirect("person_detail", pk=person.pk)


@login_required
def role_revoke(request, pk: int, assignment_pk: int):
    person = _visible_person(request, pk)
    assignment = get_object_or_404(
        RoleAssignment.objects.restrict(request.user, "delete").select_related("unit"), pk=assignment_pk, user=person)
    form = ReasonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_role(actor=request.user, assignment=assignment, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The role was revoked."))
        return redirect("person_detail", pk=person.pk)
    return render(request, "core/role_confirm_revoke.html", {"person": person, "assignment": assignment, "form": form})


# --- Groups -------------------------------------------------------------------------------------------------------------

@login_required
def group_list(request):
    user = request.user
    groups = (PeopleGroup.objects.restrict(user, "view").select_related("unit")
              .annotate(member_count=Count("members", distinct=True)).order_by("name"))
    return render(request, "core/group_list.html", {"groups": groups, "can_add": can_anywhere(user, "add", "people")})


@login_required
def group_detail(request, pk: int):
    user = request.user
    group = get_object_or_404(PeopleGroup.objects.restrict(user, "view").select_related("unit"), pk=pk)
    return render(request, "core/group_detail.html", {
        "group": group,
        "members": User.objects.restrict(user, "view").filter(people_groups=group).select_related("unit")
        .order_by("last_name", "first_name"),
        "roles": RoleAssignment.objects.restrict(user, "view").filter(group=group).select_related("unit")
        .order_by("role"),
        "can_change": can_in_unit(user, "change", "people", group.unit),
        **tab_context(request, group),
    })


@login_required
def group_create(request):
    user = request.user
    if not can_anywhere(user, "add", "people"):
        raise PermissionDenied
    form = GroupForm(_posted(request), user=user, creating=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            group = services.create_group(actor=user, name=data["name"], description=data["description"],
                                          unit=data["unit"], members=list(data["members"]), reason=data["reason"])
        if not form.errors:
            messages.success(request, _("The group “%(name)s” was created.") % {"name": group.name})
            return redirect("group_detail", pk=group.pk)
    return render(request, "core/group_form.html", {"form": form, "creating": True})


@login_required
def group_edit(request, pk: int):
    user = request.user
    group = get_object_or_404(PeopleGroup.objects.restrict(user, "change"), pk=pk)
    form = GroupForm(_posted(request), instance=group, user=user, initial={"version": group.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_on(form):
            services.edit_group(actor=user, group=group, changes=form.changes(),
                                members=_members_kept(user, group, data["members"]),
                                expected_version=data["version"], reason=data["reason"])
        if not form.errors:
            messages.success(request, _("The group was saved."))
            return redirect("group_detail", pk=pk)
    return render(request, "core/group_form.html", {"form": form, "group": PeopleGroup.objects.get(pk=pk)})


def _members_kept(user, group: PeopleGroup, chosen) -> list:
    """The chosen members plus current members the editor cannot see (so editing never drops people silently)."""
    visible = User.objects.restrict(user, "view").values("pk")
    hidden = list(group.members.exclude(pk__in=visible))
    return list(chosen) + hidden
