"""Authentication events go to the ledger: logins, failed logins and logouts. A unit saved or deleted makes the scope
units cached on user objects stale (permissions.scope_unit_ids)."""

from __future__ import annotations

from allauth.account.signals import password_reset
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import lockout, permissions, services
from .client_address import client_address


def _client(request) -> dict:
    if request is None:
        return {}
    return {"ip": client_address(request), "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200]}


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    services.record_auth_event(actor=user, action="auth.login", label=str(user), details=_client(request))
    if request is not None and hasattr(request, "session"):
        request.session["aims_language"] = user.language


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        services.record_auth_event(actor=user, action="auth.logout", label=str(user), details=_client(request))


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    # Never store the password; the identifier tried is what an investigator needs.
    identifier = str(credentials.get("email") or credentials.get("username") or "")[:150]
    services.record_auth_event(actor=None, action="auth.login_failed", label=identifier,
                               details={"identifier": identifier, **_client(request)})


@receiver(password_reset)
def on_password_reset(sender, request, user, **kwargs):
    # A new password ends the lock of failed sign-ins (aims.core.lockout): the reset link proved the mailbox.
    lockout.clear(user.email)


@receiver(post_save, sender="core.OrgUnit")
@receiver(post_delete, sender="core.OrgUnit")
def on_unit_changed(sender, **kwargs):
    permissions.units_changed()
