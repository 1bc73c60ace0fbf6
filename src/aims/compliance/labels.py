"""What the compliance module's own ledger actions read as (registered in AppConfig.ready; see aims.core.labels)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "compliance.framework.load": _("Framework loaded"),
    "compliance.mappings.load": _("Cross-mappings loaded"),
}
