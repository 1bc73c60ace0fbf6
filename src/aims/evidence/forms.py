from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aims.core.forms import ReasonField, VersionedForm, units_allowing
from aims.core.models import User

from . import catalog
from .content import accepted_extensions
from .models import EvidenceItem, EvidenceRequest


def _language(user) -> str:
    return getattr(user, "language", "en") or "en"


def people_choices(user):
    return User.objects.restrict(user, "view").filter(is_active=True).order_by("last_name", "first_name")


class DateInput(forms.DateInput):
    input_type = "date"


class EvidenceFields(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                  max_length=20000)
    evidence_type = forms.ChoiceField(label=_("Evidence type"),
                                      help_text=_("Sets how long it must be kept (retention)."))
    unit = forms.ModelChoiceField(label=_("Organisation unit"), queryset=None)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False,
                                   help_text=_("Keeps it current and confirms it; you by default."))
    effective_date = forms.DateField(label=_("Effective date"), required=False, widget=DateInput)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DateInput)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput)
    renewal_months = forms.IntegerField(label=_("Or renew every (months)"), required=False, min_value=1,
                                        max_value=120, help_text=_("Counted from the effective date."))

    def __init__(self, *args, user, action: str = "add", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence_type"].choices = catalog.type_choices(_language(user))
        self.fields["evidence_type"].initial = catalog.default_type()
        self.fields["unit"].queryset = units_allowing(user, action, "evidence").order_by("path")
        self.fields["owner"].queryset = people_choices(user)

    def clean(self):
        data = super().clean()
        if data.get("valid_until") and data.get("renewal_months"):
            self.add_error("renewal_months", _("Give either an end of validity or a renewal cadence, not both."))
        if data.get("valid_from") and data.get("valid_until") and data["valid_until"] < data["valid_from"]:
            self.add_error("valid_until", _("The end of validity is before its start."))
        if data.get("renewal_months") and not data.get("effective_date"):
            self.add_error("effective_date", _("A renewal cadence counts from the effective date: give it."))
        return data


class EvidenceCreateForm(EvidenceFields):
    kind = forms.ChoiceField(label=_("Evidence is"), choices=EvidenceItem.Kind.choices, initial="file",
                             widget=forms.RadioSelect)
    file = forms.FileField(label=_("File"), required=False)
    url = forms.URLField(label=_("Address (link)"), required=False, max_length=1000, assume_scheme="https")
    note = forms.CharField(label=_("Note on this version"), required=False, max_length=5000)
    link_type = forms.CharField(required=False, widget=forms.HiddenInput)
    link_id = forms.CharField(required=False, widget=forms.HiddenInput)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["kind", "file", "url", "title", "description", "evidence_type", "unit", "owner", "effective_date",
                   "valid_from", "valid_until", "renewal_months", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request so that it reads in the reader's language.
        self.fields["file"].help_text = _("Checked by its content. Accepted: %(list)s.") % {
            "list": ", ".join(accepted_extensions())}

    def clean(self):
        data = super().clean()
        if data.get("kind") == "file" and not data.get("file"):
            self.add_error("file", _("Choose the file to upload."))
        if data.get("kind") == "link" and not data.get("url"):
            self.add_error("url", _("Give the address of the evidence."))
        return data


class EvidenceEditForm(VersionedForm):
    reason = ReasonField()

    class Meta:
        model = EvidenceItem
        fields = ["title", "description", "evidence_type", "unit", "owner", "effective_date", "valid_from",
                  "valid_until", "renewal_months"]
        widgets = {"effective_date": DateInput, "valid_from": DateInput, "valid_until": DateInput,
                   "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence_type"] = forms.ChoiceField(label=_("Evidence type"),
                                                         choices=catalog.type_choices(_language(user)))
        self.fields["unit"].queryset = units_allowing(user, "change", "evidence").order_by("path")
        self.fields["owner"].queryset = people_choices(user)


class VersionForm(forms.Form):
    file = forms.FileField(label=_("File"), required=False)
    url = forms.URLField(label=_("Address (link)"), required=False, max_length=1000, assume_scheme="https")
    note = forms.CharField(label=_("What changed"), required=False, max_length=5000)


class ReasonRequiredForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class ReconfirmForm(forms.Form):
    note = forms.CharField(label=_("Why it still holds"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class LinkForm(forms.Form):
    object_type = forms.CharField(max_length=60, widget=forms.HiddenInput)
    object_id = forms.CharField(max_length=64, widget=forms.HiddenInput)
    reference = forms.CharField(label=_("Existing evidence (reference)"), max_length=20)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip().upper()
        item = EvidenceItem.objects.restrict(self.user, "view").filter(reference=reference).first()
        if item is None:
            raise forms.ValidationError(_("No evidence %(reference)s, or not visible to you.")
                                        % {"reference": reference})
        return item


class RequestForm(forms.ModelForm):
    class Meta:
        model = EvidenceRequest
        fields = ["title", "description", "requested_from", "due_date", "evidence_type", "unit"]
        widgets = {"due_date": DateInput, "description": forms.Textarea(attrs={"rows": 3})}

    link_type = forms.CharField(required=False, widget=forms.HiddenInput)
    link_id = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requested_from"].queryset = people_choices(user)
        self.fields["evidence_type"] = forms.ChoiceField(
            label=_("Evidence type"), required=False,
            choices=[("", _("Any"))] + catalog.type_choices(_language(user)))
        self.fields["unit"].queryset = units_allowing(user, "add", "evidence").order_by("path")
        self.fields["unit"].required = False
        self.fields["unit"].help_text = _("Defaults to the unit of the person asked.")


class FulfilForm(forms.Form):
    kind = forms.ChoiceField(label=_("Answer with"), widget=forms.RadioSelect, initial="file",
                             choices=[("file", _("A file")), ("link", _("A link")), ("existing", _("Existing evidence"))])
    file = forms.FileField(label=_("File"), required=False)
    url = forms.URLField(label=_("Address (link)"), required=False, max_length=1000, assume_scheme="https")
    item = forms.ModelChoiceField(label=_("Existing evidence"), queryset=None, required=False)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput)
    note = forms.CharField(label=_("Note"), required=False, max_length=5000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = EvidenceItem.objects.restrict(user, "view").order_by("reference")
