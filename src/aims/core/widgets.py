"""Searchable pickers: one mark for every choice of people, AI systems, components, threats and controls.

A `<select>` marked `data-searchable` (and every `<select multiple>`) becomes, in the browser, a control you type in
to filter, choose from with the arrow keys and Enter, and clear with Backspace (static/aims/forms.js over the vendored
Tom Select, static/vendor/tom-select). The `<select>` stays in the form and is what the server receives, so forms,
services and the API are unchanged, and the page still works without JavaScript.

Person pickers are marked by `aims.core.assignment` (`PersonField`, `limit_to`); other pickers call `searchable`.
"""

from __future__ import annotations

from django import forms

SEARCHABLE_ATTR = "data-searchable"


def searchable(field: forms.Field) -> forms.Field:
    """Mark `field`'s select as searchable; returns the field (usable on a declaration)."""
    field.widget.attrs[SEARCHABLE_ATTR] = ""
    return field


SEARCH_URL_ATTR = "data-search-url"
SEARCH_LABEL_ATTR = "data-search-label"


class RemoteSelect(forms.Select):
    """A picker over a register that may be too long to send whole (thousands of components or dependencies).

    Up to `threshold` choices in the reader's scope it is an ordinary searchable select (and works without JavaScript).
    Above, the page carries only the chosen option and the browser asks `search_url` (an API list taking `q` and
    `limit`, answering `{"items": [...]}`) for matches as the person types; each match reads as its `label_fields`
    joined by spaces, as the model's own label does. The server still validates the choice against the whole
    queryset of the field, so a hand-made value outside the reader's scope is refused as before."""

    threshold = 300

    def __init__(self, search_url: str, label_fields: str = "name", attrs=None):
        super().__init__(attrs={SEARCHABLE_ATTR: "", **(attrs or {})})
        self.search_url, self.label_fields = search_url, label_fields

    def get_context(self, name, value, attrs):
        iterator = self.choices
        queryset = getattr(iterator, "queryset", None)
        if queryset is not None and queryset.count() > self.threshold:
            field = iterator.field
            chosen = [v for v in self.format_value(value) if str(v).isdigit()]
            empty = [("", field.empty_label)] if field.empty_label is not None else []
            self.choices = empty + [(obj.pk, field.label_from_instance(obj))
                                    for obj in queryset.filter(pk__in=chosen)] if chosen else empty
            attrs = {**(attrs or {}), SEARCH_URL_ATTR: self.search_url, SEARCH_LABEL_ATTR: self.label_fields}
        try:
            return super().get_context(name, value, attrs)
        finally:
            self.choices = iterator
