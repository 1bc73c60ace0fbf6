from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import OrgUnit, PeopleGroup, User
from .permissions import Role, _granting_paths, can_in_unit
from .widgets import searchable


def apply_validation_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names (or on top of the form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def stale_message(current_version: int) -> str:
    return gettext(
        "Someone else changed this record while you were editing it (it is now at version %(version)s). "
        "Your changes were not saved. Reload the page to see the current values, then apply your changes again."
    ) % {"version": current_version}


@contextmanager
def errors_on(form: forms.Form) -> Iterator[None]:
    """Run a service call for a valid form; its validation error or stale-version conflict lands on the form (check
    `form.errors` afterwards) instead of propagating."""
    from .services import StaleVersion

    try:
        yield
    except ValidationError as error:
        apply_validation_error(form, error)
    except StaleVersion as stale:
        form.add_error(None, stale_message(stale.current_version))


class VersionedForm(forms.ModelForm):
    """A model form that carries the version it was read at, so a stale save is refused instead of lost."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


@dataclass
class FormSection:
    key: str
    legend: str
    fields: list


class SectionedForm:
    """A long form grouped into sections, side by side on wide screens and one under the other on a phone
    (template core/_form_sections.html).

    `SECTIONS = (("key", legend, ("field", ...)), ...)`: names the form lacks (a field removed for this use) are
    skipped and an empty section is left out; visible fields no section names come after the sections
    (`unsectioned_fields`, usually the reason for the change), so a field added later is never lost.
    """

    SECTIONS: tuple = ()

    def sections(self) -> list[FormSection]:
        result = []
        for key, legend, names in self.SECTIONS:
            fields = [self[name] for name in names if name in self.fields and not self[name].is_hidden]
            if fields:
                result.append(FormSection(key, legend, fields))
        return result

    def unsectioned_fields(self) -> list:
        placed = {name for _key, _legend, names in self.SECTIONS for name in names}
        return [field for field in self.visible_fields() if field.name not in placed]


class ProfileForm(VersionedForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "job_title", "language"]
        labels = {"language": _("Language")}


# --- Organisation, people, groups and roles --------------------------------------------------------------------------

def units_allowing(user, action: str, domain: str):
    """Units in which `user` may perform `action` on `domain` objects (for choice lists of create/edit forms)."""
    everywhere, paths = _granting_paths(user, domain, action)
    units = OrgUnit.objects.all()
    if everywhere:
        return units
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(path__startswith=path)
    return units.filter(condition)


class ReasonField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Reason for the change"))
        kwargs.setdefault("help_text", _("Optional; kept in the history with the change."))
        kwargs.setdefault("max_length", 2000)
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(**kwargs)


class OrgUnitForm(VersionedForm):
    reason = ReasonField()

    class Meta:
        model = OrgUnit
        fields = ["name", "code", "parent", "description", "is_active"]

    def __init__(self, *args, user, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        action = "add" if creating else "change"
        parents = units_allowing(user, action, "organisation")
        if self.instance.pk:
            parents = parents.exclude(path__startswith=self.instance.path)
        self.fields["parent"].queryset = parents.order_by("path")
        # Only people allowed everywhere may create or move a unit to the top of the tree.
        self.fields["parent"].required = not can_in_unit(user, action, "organisation", None)
        if creating:
            del self.fields["version"]
            del self.fields["is_active"]


class PersonForm(VersionedForm):
    reason = ReasonField()

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "job_title", "unit", "manager", "backup", "language",
                  "mfa_required"]

    def __init__(self, *args, user, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        action = "add" if creating else "change"
        self.fields["unit"].queryset = units_allowing(user, action, "people").order_by("path")
        self.fields["unit"].required = not can_in_unit(user, action, "people", None)
        colleagues = User.objects.restrict(user, "view").filter(is_active=True).order_by("last_name", "first_name")
        if self.instance.pk:
            colleagues = colleagues.exclude(pk=self.instance.pk)
        self.fields["manager"].queryset = colleagues
        self.fields["backup"].queryset = colleagues
        searchable(self.fields["manager"])
        searchable(self.fields["backup"])
        self.fields["email"].required = True
        if creating:
            del self.fields["version"]

    def validate_unique(self):
        # The service owns the e-mail uniqueness rule (case-insensitive) and reports it next to the field.
        pass


class GroupForm(VersionedForm):
    reason = ReasonField()

    class Meta:
        model = PeopleGroup
        fields = ["name", "description", "unit", "members"]

    def __init__(self, *args, user, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        action = "add" if creating else "change"
        self.fields["unit"].queryset = units_allowing(user, action, "people").order_by("path")
        self.fields["unit"].required = not can_in_unit(user, action, "people", None)
        self.fields["members"].queryset = User.objects.restrict(user, "view").filter(is_active=True).order_by(
            "last_name", "first_name")
        self.fields["members"].widget.attrs["size"] = 12
        if creating:
            del self.fields["version"]

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("name", "description", "unit") if name in self.cleaned_data}


class GrantRoleForm(forms.Form):
    # No preselected role: granting "administrator" by a careless click must not be the default.
    role = forms.ChoiceField(label=_("Role"), choices=[("", _("Choose a role"))] + list(Role.choices))
    unit = forms.ModelChoiceField(label=_("Scope"), queryset=None, required=False,
                                  empty_label=_("Whole organisation"),
                                  help_text=_("The role applies to this unit and all units below it."))
    reason = ReasonField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_allowing(user, "add", "roles").order_by("path")
        if not can_in_unit(user, "add", "roles", None):
            self.fields["unit"].required = True
            self.fields["unit"].empty_label = None


class ReasonForm(forms.Form):
    reason = ReasonField()


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Add a note"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000,
                           help_text=_("Markdown is allowed: **bold**, *italic*, lists, links."))


class LedgerFilterForm(forms.Form):
    """Filters of the global ledger page (read from the query string)."""

    actor = forms.CharField(label=_("Actor"), required=False, max_length=200)
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, object_types=(), actions=(), **kwargs):
        from . import labels

        super().__init__(*args, **kwargs)
        # Codes stay the values (the address of a filtered page is the same in every language); people read labels.
        types = sorted(((t, labels.object_type_label(t)) for t in object_types), key=lambda pair: pair[1].lower())
        self.fields["object_type"].choices = [("", _("All"))] + types
        named = sorted(((a, labels.action_label_with_type(a)) for a in actions), key=lambda pair: pair[1].lower())
        self.fields["action"].choices = [("", _("All"))] + named
