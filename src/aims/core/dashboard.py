"""The home page's key figures. Each module adds its own cards (in its AppConfig.ready), so the home page shows real
counts for everything built without core knowing the modules:

    dashboard.register_card("inventory.systems", _("AI systems"), "inventory:portfolio",
                            count=lambda user: AISystem.objects.restrict(user, "view").count(), domain="inventory")

A card shows only to people who may do its `action` on its domain ("view" for a figure to read, "change" for work
to do: a viewer is never told to decide what he cannot); its count must be restricted the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from .permissions import can_anywhere


@dataclass(frozen=True)
class Card:
    key: str
    label: object
    url_name: str
    query: str
    count: Callable
    domain: str
    order: int
    action: str = "view"


_CARDS: dict[str, Card] = {}


def register_card(key: str, label, url_name: str, *, count: Callable, domain: str, query: str = "",
                  order: int = 100, action: str = "view") -> None:
    _CARDS[key] = Card(key, label, url_name, query, count, domain, order, action)


def cards_for(user) -> list[dict]:
    """The cards `user` may see, in order, with their counts (one COUNT query each)."""
    shown = []
    for card in sorted(_CARDS.values(), key=lambda c: (c.order, c.key)):
        if not can_anywhere(user, card.action, card.domain):
            continue
        url = reverse(card.url_name) + (f"?{card.query}" if card.query else "")
        shown.append({"key": card.key, "label": card.label, "url": url, "count": card.count(user)})
    return shown
