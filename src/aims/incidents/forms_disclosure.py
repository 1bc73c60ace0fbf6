"""Forms of coordinated vulnerability disclosure: the public report (no account), the reply through the private link,
the staff's reply, and triage."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aims.core.permissions import VIEW

from .models import CaseStatus, Vulnerability, VulnerabilityKind
from .services import disclosure

TEXTAREA = forms.Textarea(attrs={"rows": 8, "maxlength": disclosure.MAX_TEXT})


class ReportForm(forms.Form):
    summary = forms.CharField(label=_("Summary"), max_length=disclosure.MAX_SUMMARY,
                              help_text=_("One sentence: what an attacker can do."))
    details = forms.CharField(label=_("Details"), max_length=disclosure.MAX_TEXT, widget=TEXTAREA,
                              help_text=_("How to reproduce it, what you observed, what it affects."))
    affected_product = forms.CharField(label=_("Affected product or service"), max_length=disclosure.MAX_PRODUCT,
                                       required=False)
    reporter_name = forms.CharField(label=_("Your name (optional)"), max_length=disclosure.MAX_NAME, required=False)
    reporter_email = forms.EmailField(label=_("Your e-mail address (optional)"), required=False,
                                      help_text=_("Only to tell you when we answer; you can follow the report "
                                                  "through your private link without it."))
    # Left empty by people; robots filling every field are refused.
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your message"), max_length=disclosure.MAX_TEXT, required=False, widget=TEXTAREA)


class StaffReplyForm(forms.Form):
    body = forms.CharField(label=_("Message to the reporter"), max_length=disclosure.MAX_TEXT, widget=TEXTAREA)


class TriageForm(forms.Form):
    status = forms.ChoiceField(label=_("Decision"), choices=CaseStatus.choices)
    vulnerability = forms.ModelChoiceField(label=_("Known vulnerability"), required=False,
                                           queryset=Vulnerability.objects.none(),
                                           help_text=_("Link the case to a vulnerability already recorded..."))
    new_kind = forms.ChoiceField(label=_("...or record a new vulnerability of kind"), required=False,
                                 choices=[("", "—"), *VulnerabilityKind.choices])
    new_severity = forms.CharField(label=_("Severity of the new vulnerability"), required=False, max_length=20)
    new_cvss_vector = forms.CharField(label=_("CVSS vector of the new vulnerability"), required=False,
                                      max_length=300)
    embargo_until = forms.DateField(label=_("Embargo until"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Triage note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vulnerability"].queryset = Vulnerability.objects.restrict(user, VIEW).order_by("-created_at")
        from . import catalog

        self.fields["new_severity"].widget = forms.Select(choices=[("", "—"), *[
            (key, catalog.severity_label(key)) for key in catalog.severity_keys()]])


class AdvisoryForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        from .models import Advisory

        model = Advisory
        fields = ("state", "not_affected_reason", "title_en", "title_fr", "summary_en", "summary_fr",
                  "recommendation_en", "recommendation_fr", "fixed_in", "credit")
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in (
            "summary_en", "summary_fr", "recommendation_en", "recommendation_fr")}
