"""Request plumbing: a request id for the ledger, the user's language, and security headers (CSP)."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext as _

from . import context

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    """Bind a request id (the caller's X-Request-ID when it is well-formed) so ledger events can be traced."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else context.new_request_id()
        with context.bound(request_id=request.request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class UserLanguageMiddleware:
    """The language a person chose in their profile wins; the session keeps it for anonymous pages after logout."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.session.get("aims_language")
        if language in dict(settings.LANGUAGES):
            request.COOKIES.setdefault(settings.LANGUAGE_COOKIE_NAME, language)
        return self.get_response(request)


class ActorMiddleware:
    """After authentication: activate the person's own language for this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language in dict(settings.LANGUAGES):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """One Content-Security-Policy for every page, the interactive API docs included.

    The docs need no exception: ninja serves Swagger UI from its own static files (no CDN), keeps the settings in an
    inert JSON block and boots from swagger-ui-init.js, and Swagger UI sets styles through the DOM, which the CSP
    allows; its stylesheet's images are data: URIs, already allowed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


# What a person who still has to set up two-factor authentication may reach: the MFA pages themselves, the
# re-authentication step that activating an authenticator may ask for, logging out and switching language.
_MFA_SETUP_URL_NAMES = frozenset({"account_logout", "account_reauthenticate", "set_language"})


def must_use_mfa(user) -> bool:
    return bool(user.is_authenticated and (settings.REQUIRE_MFA or getattr(user, "mfa_required", False)))


def has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class MfaEnforcementMiddleware:
    """Keep a signed-in person who must use two-factor authentication on the authenticator set-up page until done.

    Runs after authentication; the database is asked only for people who must use MFA.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not must_use_mfa(user) or self._allowed(request) or has_totp(user):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            from .api_errors import error_body

            return JsonResponse(
                error_body("mfa_required", _("Two-factor authentication must be set up before using the API.")),
                status=403,
            )
        _explain_once(request, _("Two-factor authentication is required for your account: "
                                  "set up an authenticator app to continue."))
        return redirect("mfa_activate_totp")

    @staticmethod
    def _allowed(request) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        name = match.url_name or ""
        return name.startswith("mfa_") or name in _MFA_SETUP_URL_NAMES


def _explain_once(request, text: str) -> None:
    """Queue the message unless it is already waiting, so clicking around does not stack copies of it."""
    storage = messages.get_messages(request)
    waiting = any(message.message == text for message in storage)
    storage.used = False  # looking must not consume the messages
    if not waiting:
        messages.warning(request, text)
