from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "aims.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (aims check --deploy)
        from . import signals  # noqa: F401  (login events, MFA enforcement)
        from . import tasks  # noqa: F401  (registers periodic tasks with Huey)
        from .db_roles import after_migrate

        post_migrate.connect(after_migrate, sender=self, dispatch_uid="aims-runtime-role-grants")
