"""Forms of the contract, audit and exit-plan pages. They only validate input and shape it for services_contracts,
which holds every rule."""

from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from aims.core.forms import VersionedForm

from .catalog import clause_catalogue, clause_label
from .models_contracts import ClauseStatus, Contract

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
