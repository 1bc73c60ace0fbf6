"""Level chips and heatmap cells.

The Content-Security-Policy forbids style attributes and inline <style> blocks, and level colours are data (each
method version defines its own). So a chip carries a class named after its colour (`lvl-2e7d32`), and the rules
for those classes come from a stylesheet served by the app itself (`risks:levels_css`, generated from the methods'
levels; `style-src 'self'` allows it). The level's label is always written too: colour is never the only cue.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language

register = template.Library()


def colour_class(colour: str) -> str:
    return "lvl-" + colour.lstrip("#").lower()


def _language() -> str:
    return "fr" if (get_language() or "en").startswith("fr") else "en"


@register.simple_tag
def level_chip(level, empty="—"):
    """A coloured chip naming a scoring.Level (or a dash when there is none)."""
    if level is None:
        return format_html('<span class="muted">{}</span>', empty)
    return format_html('<span class="level-chip {}" data-level="{}">{}</span>', colour_class(level.colour), level.key,
                       level.label(_language()))


@register.filter
def level_class(level) -> str:
    return colour_class(level.colour) if level is not None else ""


@register.filter
def step_label(step: dict) -> str:
    """The label of a scale step in the current language."""
    language = _language()
    return step.get(f"label_{language}") or step.get("label_en", "")


@register.filter
def step_description(step: dict) -> str:
    language = _language()
    return step.get(f"description_{language}") or step.get("description_en", "")


@register.filter
def level_label(level) -> str:
    return level.label(_language()) if level is not None else ""
