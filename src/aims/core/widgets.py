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
