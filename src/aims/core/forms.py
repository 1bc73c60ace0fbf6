from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import User


def apply_validation_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names (or on top of the form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class VersionedForm(forms.ModelForm):
    """A model form that carries the version it was read at, so a stale save is refused instead of lost."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


class ProfileForm(VersionedForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "job_title", "language"]
        labels = {"language": _("Language")}
