"""What every page needs: the product map for the navigation, unread notifications and open tasks."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .permissions import can_anywhere, can_in_unit

# The whole product map. Modules not built yet link to a page that says so plainly; built ones name their URL.
MODULES = [
    ("inventory", _("Inventory"), "inventory:portfolio"),
    ("risks", _("Risks"), "risks:register"),
    ("compliance", _("Compliance"), "compliance:home"),
    ("evidence", _("Evidence"), "evidence:list"),
    ("incidents", _("Incidents"), "incidents:list"),
    ("suppliers", _("Suppliers"), "suppliers:supplier_list"),
    ("people", _("People"), None),
    ("monitoring", _("Monitoring"), "monitoring:dashboard"),
    ("audits", _("Audits"), "audits"),
    ("reports", _("Reports"), "reports"),
]


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    nav = []
    for key, label, module in MODULES:
        if key == "people":
            url = reverse("people_list")
        elif ":" in module:  # a built module names its page's URL ("app:name")
            url = reverse(module)
        else:
            url = reverse("module_placeholder", args=[module])
        nav.append({"key": key, "label": label, "url": url})
    return {
        "nav_modules": nav,
        # The ledger page needs a grant over the whole organisation (it holds every unit's events).
        "nav_can_see_ledger": can_in_unit(user, "view", "ledger", None),
        "nav_can_admin": can_anywhere(user, "add", "roles"),
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
        "open_tasks": user.tasks.filter(done_at__isnull=True).count(),
    }
