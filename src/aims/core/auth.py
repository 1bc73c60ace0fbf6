"""django-allauth adapters: accounts are created by administrators (no open sign-up); SSO logs existing people in."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False


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

