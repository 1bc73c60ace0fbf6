"""API authentication: a personal token (`Authorization: Bearer aims_...`) or the browser session.

A token is checked first so a script that sends one is judged by it alone (a bad token is a 401 even if a session
cookie came along). Session calls that change state must carry the CSRF token, as the site's own forms do.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from . import services
from .client_address import client_address
from .models import ApiToken

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        token = (token or "").strip()
        if not token.startswith(services.TOKEN_PREFIX) or len(token) > 200:
            raise AuthenticationError(message=_("Unknown API token."))
        row = (ApiToken.objects.select_related("user")
               .filter(key_hash=services.hash_token(token)).first())
        if row is None:
            raise AuthenticationError(message=_("Unknown API token."))
        if row.revoked_at is not None:
            raise AuthenticationError(message=_("This API token was revoked."))
        if not row.is_usable:
            raise AuthenticationError(message=_("This API token has expired."))
        user = row.user
        if not user.is_active:
            raise AuthenticationError(message=_("This API token belongs to a deactivated account."))
        if request.method not in SAFE_METHODS and "write" not in (row.scopes or []):
            raise HttpError(403, _("This API token is read-only; create a read-and-write token to make changes."))
        services.record_token_use(actor=user, token=row, details={
            "ip": client_address(request), "method": request.method, "path": request.path[:200]})
        # Services and permission checks read request.user; the session middleware left it anonymous.
        request.user = user
        request.api_token = row
        if user.language in dict(settings.LANGUAGES):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session. Unlike ninja's own, CSRF is checked only once the person is known, so an
    anonymous call gets "authentication required" rather than a confusing CSRF refusal."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and not getattr(request, "_ninja_csrf_exempt", False):
            if check_csrf(request) is not None:
                raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header with the csrftoken cookie's "
                                       "value, or use an API token."))
        return user


token_auth = TokenAuth()
session_auth = SessionAuth()
API_AUTH = [token_auth, session_auth]
