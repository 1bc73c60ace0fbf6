"""django-allauth adapters: accounts are created by administrators (no open sign-up); SSO logs existing people in."""

from __future__ import annotations

import math

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from . import lockout
from .client_address import client_address


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False

    def get_client_ip(self, request):
        """The client's address read through AIMS_TRUSTED_PROXY_COUNT proxies (allauth's per-address limit uses it)."""
        return client_address(request) or super().get_client_ip(request)

    def pre_authenticate(self, request, **credentials):
        """Refuse a locked account before its password is checked (aims.core.lockout), and ledger each attempt the
        lockout refuses, so an investigator sees the attack go on after the limit."""
        identifier = _identifier(credentials)
        try:
            super().pre_authenticate(request, **credentials)  # allauth's per-address limit (AIMS_LOGIN_FAILED_LIMIT)
            seconds = lockout.seconds_locked(identifier)
            if seconds:
                raise ValidationError(locked_message(seconds), code="account_locked")
        except ValidationError:
            from . import services

            services.record_auth_event(actor=None, action="auth.login_locked", label=identifier,
                                       details={"identifier": identifier, "ip": client_address(request)})
            raise

    def authentication_failed(self, request, **credentials):
        lockout.record_failure(_identifier(credentials))
        super().authentication_failed(request, **credentials)

    def login(self, request, user):
        lockout.clear(user.email)
        return super().login(request, user)


def _identifier(credentials: dict) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")[:150]


def locked_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed sign-ins for this account: it is locked. Try again in %(minutes)d minute, or reset your "
        "password.",
        "Too many failed sign-ins for this account: it is locked. Try again in %(minutes)d minutes, or reset your "
        "password.", minutes) % {"minutes": minutes}


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator) -> bool:
        """A person who must use two-factor authentication cannot switch their authenticator app off."""
        from .middleware import must_use_mfa

        if authenticator.type == authenticator.Type.TOTP and must_use_mfa(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        # With AIMS_OIDC_AUTO_CREATE, a person who passes the identity provider gets an account with no role.
        return settings.OIDC_AUTO_CREATE

    def pre_social_login(self, request, sociallogin):
        """Link an SSO identity to the existing person with the same verified e-mail address."""
        if sociallogin.is_existing:
            return
        email = (sociallogin.user.email or "").lower()
        if not email:
            return
        from .models import User

        person = User.objects.filter(email__iexact=email, is_active=True).first()
        if person is not None:
            sociallogin.connect(request, person)

