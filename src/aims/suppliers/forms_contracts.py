"""Forms of the contract, audit and exit-plan pages. They only validate input and shape it for services_contracts,
which holds every rule."""

from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aims.core.assignment import PersonField, limit_to
from aims.core.forms import VersionedForm
from aims.core.models import User

from .catalog import clause_catalogue, clause_label
from .models_contracts import AuditFinding, ClauseStatus, Contract, ExitPlan, SupplierAudit, SupplierChange

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ContractForm(VersionedForm):
    """The contract's facts and, per catalogue clause, its status and where the contract says it."""

    class Meta:
        model = Contract
        fields = ["title", "reference", "start_date", "end_date", "renewal", "notice_days"]
        widgets = {"start_date": DATE, "end_date": DATE}

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            del self.fields["version"]
        language = (get_language() or "en")[:2]
        stored = self.instance.clauses if self.instance.pk else {}
        for clause in clause_catalogue():
            key, label = clause["key"], clause_label(clause["key"], language)
            entry = stored.get(key, {})
            self.fields[f"clause_{key}"] = forms.ChoiceField(
                label=label, required=False, initial=entry.get("status", ""),
                choices=[("", _("Not checked"))] + list(ClauseStatus.choices))
            self.fields[f"clause_{key}_reference"] = forms.CharField(
                label=_("Where the contract says it"), required=False, max_length=200,
                initial=entry.get("reference", ""), help_text=_("Article, section or annex."))

    def clause_rows(self):
        """(status field, reference field) per catalogue clause, for the template's checklist table."""
        return [(self[f"clause_{c['key']}"], self[f"clause_{c['key']}_reference"]) for c in clause_catalogue()]

    def changes(self) -> dict:
        changes = {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}
        clauses = {}
        for clause in clause_catalogue():
            key = clause["key"]
            status = self.cleaned_data.get(f"clause_{key}")
            if status:
                reference = self.cleaned_data.get(f"clause_{key}_reference", "").strip()
                clauses[key] = {"status": status, "reference": reference} if reference else {"status": status}
        changes["clauses"] = clauses
        return changes


# --- Audits, exit plans, change events ----------------------------------------------------------------------------

class AuditForm(forms.ModelForm):
    class Meta:
        model = SupplierAudit
        fields = ["title", "audit_date", "auditor", "scope", "conclusion"]
        widgets = {"audit_date": DATE, "scope": forms.Textarea(attrs={"rows": 3}),
                   "conclusion": forms.Textarea(attrs={"rows": 3})}


class FindingForm(forms.ModelForm):
    class Meta:
        model = AuditFinding
        fields = ["title", "severity", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class AuditActionForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=200)
    owner = PersonField(queryset=User.objects.none(), label=_("Owner"))
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE)

    def __init__(self, *args, user, supplier, **kwargs):
        super().__init__(*args, **kwargs)
        limit_to(self.fields["owner"], user, "change", "suppliers", unit=supplier.unit)


class ExitPlanForm(forms.ModelForm):
    class Meta:
        model = ExitPlan
        fields = ["strategy", "alternatives", "continuity", "last_tested_on", "test_result"]
        widgets = {"last_tested_on": DATE, "strategy": forms.Textarea(attrs={"rows": 4}),
                   "alternatives": forms.Textarea(attrs={"rows": 2}),
                   "continuity": forms.Textarea(attrs={"rows": 3}),
                   "test_result": forms.Textarea(attrs={"rows": 2})}

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


class ChangeForm(forms.ModelForm):
    class Meta:
        model = SupplierChange
        fields = ["kind", "occurred_on", "description"]
        widgets = {"occurred_on": DATE, "description": forms.Textarea(attrs={"rows": 2})}
