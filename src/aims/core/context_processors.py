"""What every page needs: the product map for the navigation, unread notifications and open tasks."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .permissions import can_anywhere

# The whole product map. Modules not built yet link to a page that says so plainly.
MODULES = [
    ("inventory", _("Inventory"), "inventory"),
    ("risks", _("Risks"), "risks"),
    ("compliance", _("Compliance"), "compliance"),
    ("evidence", _("Evidence"), "evidence"),
    ("incidents", _("Incidents"), "incidents"),
    ("suppliers", _("Suppliers"), "suppliers"),
    ("people", _("People"), None),
    ("monitoring", _("Monitoring"), "monitoring"),
    ("audits", _("Audits"), "audits"),
    ("reports", _("Reports"), "reports"),
]


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    nav = []
    for key, label, module in MODULES:
        url = reverse("people_list") if key == "people" else reverse("module_placeholder", args=[module])
        nav.append({"key": key, "label": label, "url": url})
    return {
        "nav_modules": nav,
        "nav_can_see_ledger": can_anywhere(user, "view", "ledger"),
        "nav_can_admin": can_anywhere(user, "add", "roles"),
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
        "open_tasks": user.tasks.filter(done_at__isnull=True).count(),
    }
