"""Request plumbing: a request id for the ledger, the user's language, and security headers (CSP)."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils import translation

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
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/") and request.path.rstrip("/").endswith("docs"):
            # The interactive API docs page loads its own assets and inline bootstrap code.
            response.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; script-src 'self' 'unsafe-inline' cdn.jsdelivr.net; "
                "style-src 'self' 'unsafe-inline' cdn.jsdelivr.net; img-src 'self' data: cdn.jsdelivr.net; "
                "frame-ancestors 'none'",
            )
        else:
            response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
