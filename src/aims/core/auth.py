"""django-allauth adapters: accounts are created by administrators (no open sign-up); SSO logs existing people in."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False

    def pre_authenticate(self, request, **credentials):
        """Ledger each attempt refused by the lockout, so an investigator sees the attack go on after the limit."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            from . import services

            identifier = str(credentials.get("email") or credentials.get("username") or "")[:150]
            services.record_auth_event(actor=None, action="auth.login_locked", label=identifier,
                                       details={"identifier": identifier,
                                                "ip": request.META.get("REMOTE_ADDR", "") if request else ""})
            raise


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

