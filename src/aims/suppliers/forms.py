"""Forms of the supplier pages. They only validate input and shape it for the services, which hold every rule."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aims.core.assignment import PersonField, limit_to
from aims.core.forms import ReasonField, VersionedForm, units_allowing
from aims.inventory.forms import PipeLinesField, component_picker, dependency_picker
from aims.inventory.models import Component, Dependency

from . import services
from .models import Certification, Contact, Supplier

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CountriesField(forms.CharField):
    """Two-letter country codes typed separated by commas or spaces."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [part.strip().upper() for part in text.replace(",", " ").split() if part.strip()]


class SupplierForm(VersionedForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https", max_length=200)
    hosting_countries = CountriesField(label=_("Hosting countries"), required=False, max_length=300,
                                       help_text=_("Two-letter codes, e.g. FR, DE, US."))
    subprocessors = PipeLinesField(keys=("name", "country", "purpose", "ai"), label=_("Sub-processors"),
                                   help_text=_("One per line: name | country | purpose | ai (write “ai” for an AI "
                                               "sub-processor)"))
    clauses = forms.MultipleChoiceField(label=_("Clauses in the contract"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    reason = ReasonField()

    class Meta:
        model = Supplier
        fields = ["legal_name", "unit", "owner", "backup", "registration_number", "vat_number", "lei", "country",
                  "website", "services", "dpa_signed_on", "hosting_countries", "subprocessors", "trains_on_our_data",
                  "prompt_retention_days", "output_retention_days", "model_change_notice_days", "model_provenance",
                  "value_chain_role", "art25_agreement", "clauses", "required_score", "score_exception"]
        widgets = {"dpa_signed_on": DATE, "services": forms.Textarea(attrs={"rows": 3}),
                   "model_provenance": forms.Textarea(attrs={"rows": 3}),
                   "score_exception": forms.Textarea(attrs={"rows": 2})}
        field_classes = {"owner": PersonField, "backup": PersonField}

    def __init__(self, *args, user, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_allowing(user, "add" if creating else "change", "suppliers").order_by(
            "path")
        unit = self.instance.unit if self.instance.pk else None
        for field in ("owner", "backup"):
            limit_to(self.fields[field], user, "change", "suppliers", unit=unit,
                     units=None if unit else list(self.fields["unit"].queryset))
        if creating:
            del self.fields["version"]
        language = (get_language() or "en")[:2]
        self.fields["clauses"].choices = [(c["key"], services.clause_label(c["key"], language))
                                          for c in services.clause_catalogue()]

    def clean_subprocessors(self):
        items = self.cleaned_data["subprocessors"]
        for item in items:
            if "ai" in item:
                if item["ai"].lower() not in ("ai", "ia", "yes", "oui"):
                    raise ValidationError(_("The fourth part is “ai” or nothing."))
                item["ai"] = True
            if "country" in item:
                item["country"] = item["country"].upper()
        return items

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "email", "function", "phone", "language"]


class CertificationForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = ["scheme", "reference", "valid_from", "valid_until"]
        widgets = {"valid_from": DATE, "valid_until": DATE}


class SupplyForm(forms.Form):
    component = forms.ModelChoiceField(queryset=Component.objects.none(), required=False, label=_("Component"),
                                       widget=component_picker())
    dependency = forms.ModelChoiceField(queryset=Dependency.objects.none(), required=False, label=_("Dependency"),
                                        widget=dependency_picker())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["component"].queryset = Component.objects.restrict(user, "view").order_by("name", "pk")
        self.fields["dependency"].queryset = Dependency.objects.restrict(user, "view").order_by("name", "pk")

    def clean(self):
        data = super().clean()
        if bool(data.get("component")) == bool(data.get("dependency")):
            raise ValidationError(_("Choose either a component or a dependency."))
        return data


class ScoreForm(forms.Form):
    score = forms.IntegerField(label=_("Score (0-100)"), min_value=0, max_value=100)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              max_length=20000)


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              max_length=5000)


class SendQuestionnaireForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("Send to"), queryset=Contact.objects.none())
    days = forms.IntegerField(label=_("Link valid for (days)"), min_value=1, max_value=services.MAX_LINK_DAYS)

    def __init__(self, *args, supplier=None, **kwargs):
        super().__init__(*args, **kwargs)
        if supplier is not None:
            self.fields["contact"].queryset = supplier.contacts.order_by("name", "pk")
        self.fields["days"].initial = services.default_link_days()


class FollowUpForm(forms.Form):
    question = forms.CharField(label=_("Your question to the supplier"), widget=forms.Textarea(attrs={"rows": 3}),
                               max_length=services.MAX_ANSWER)


class ReviewForm(forms.Form):
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              max_length=20000)
