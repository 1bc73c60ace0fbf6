"""Why a risk review was asked for, stored as facts and put into words in the reader's language when shown.

A review keeps one entry per event that asked for it (the first, then each event that joined the pending review):

    {"source": "major_change", "message": "Major change of %(system)s: %(description)s",
     "params": {"system": "Credit scoring", "description": "New model"}}
    {"source": "manual", "text": "New jailbreak technique published"}

`message` is the product's English message (any app's catalogue translates it), `params` its values (dates, and
labels that are themselves product messages, with a type marker: aims.core.stored_text); `text` is what a person
typed, kept as typed. Callers of the trigger API pass a `Text` (a message with its values), a lazy message, or a
plain string (typed by a person).
"""

from __future__ import annotations

from django.apps import apps
from django.utils import translation

from aims.core.stored_text import fact_of, render_stored


def entry(source: str, reason) -> dict:
    """The stored fact for one reason: a product message with its values, or the text a person typed."""
    return {"source": source, **fact_of(reason)}


def english(reason) -> str:
    """A reason in English (for the ledger line of the event, which keeps what was sent)."""
    with translation.override("en"):
        return str(reason)


def entry_text(item: dict) -> str:
    """One entry in the active language."""
    if "message" in item:
        return render_stored(item["message"], item.get("params"), item.get("text", "") or item["message"])
    return str(item.get("text", ""))


def typed_text(facts: list) -> str:
    """What people typed, as typed (the reviews' `reason` column, kept for search and the API)."""
    return "\n".join(item["text"] for item in facts if "message" not in item and item.get("text"))


def render(facts: list) -> str:
    """All entries in the active language: the first as it is, each later one after its trigger's label."""
    sources = dict(apps.get_model("risks", "RiskReview").Source.choices)
    lines = []
    for index, item in enumerate(facts or ()):
        text = entry_text(item)
        if index:
            label = sources.get(item.get("source"))
            text = f"{label}: {text}" if label else text
        lines.append(text)
    return "\n".join(lines)


def facts_display(value, snapshot, memo) -> str:
    """The ledger's History line for a review's facts."""
    return render(value) if isinstance(value, list) else str(value)
