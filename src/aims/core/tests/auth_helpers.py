"""Helpers for the authentication tests: a real login through allauth's form and TOTP codes at a fixed time."""

from __future__ import annotations

from types import SimpleNamespace

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal import auth as totp_auth
from allauth.mfa.utils import decrypt

from aims.core.testing import DEFAULT_PASSWORD

LOGIN_URL = "/accounts/login/"
REAUTHENTICATE_URL = "/accounts/reauthenticate/"
# A fixed instant, so a code can never straddle the edge of a 30-second TOTP window while a test runs.
FIXED_TIME = 1_750_000_000


def log_in(client, email: str, password: str = DEFAULT_PASSWORD):
    return client.post(LOGIN_URL, {"login": email, "password": password})


def freeze_totp_clock(monkeypatch, at: float = FIXED_TIME) -> None:
    """allauth reads the clock through its module's `time`; pin it to `at`."""
    monkeypatch.setattr(totp_auth, "time", SimpleNamespace(time=lambda: at))


def totp_code(secret: str, at: float = FIXED_TIME) -> str:
    """The code an authenticator app would show at `at` for `secret` (RFC 6238, computed by allauth itself)."""
    counter = int(at) // mfa_settings.TOTP_PERIOD
    return totp_auth.format_hotp_value(totp_auth.hotp_value(secret, counter))


def stored_totp_secret(user) -> str:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return decrypt(authenticator.data["secret"])


def activate_totp(client, monkeypatch, at: float = FIXED_TIME):
    """Go through the activation page as the person would: read the secret offered, answer with its code."""
    freeze_totp_clock(monkeypatch, at)
    page = client.get("/accounts/2fa/totp/activate/")
    if page.status_code == 302 and page.url.startswith(REAUTHENTICATE_URL):
        # allauth asks for the password again before a second factor is added, even right after signing in.
        confirmed = client.post(page.url, {"password": DEFAULT_PASSWORD})
        assert confirmed.status_code == 302, confirmed
        page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200, page
    secret = client.session[totp_auth.SECRET_SESSION_KEY]
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret, at)})
    return response, secret
