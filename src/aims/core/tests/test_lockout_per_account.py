"""The lockout counts failed sign-ins per account (its normalised login e-mail), whatever host name, node or client
address they come through, and the client address recorded is read through AIMS_TRUSTED_PROXY_COUNT proxies only.

Each "node" here is a client with its own Host header and its own address (REMOTE_ADDR, or X-Forwarded-For behind
proxies): allauth's own counter keyed on the Host header, so a second host name started a fresh count.
"""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client

from aims.core import lockout
from aims.core.models import LedgerEvent
from aims.core.testing import DEFAULT_PASSWORD, UserFactory

from .auth_helpers import LOGIN_URL

pytestmark = pytest.mark.django_db
WRONG = "Wrong-Password-123"
LOCKED = "Too many failed sign-ins for this account"


def attempt(client: Client, email: str, password: str, *, host: str = "testserver", address: str = "10.0.0.1",
            forwarded: str | None = None, **extra):
    headers = {"HTTP_HOST": host, "REMOTE_ADDR": address, **extra}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(LOGIN_URL, {"login": email, "password": password}, **headers)


def signed_in(response, client) -> bool:
    return response.status_code == 302 and "_auth_user_id" in client.session


@pytest.fixture
def hosts(settings):
    settings.ALLOWED_HOSTS = ["testserver", "aims.example.org", "node2.internal"]
    settings.LOGIN_LOCKOUT_ATTEMPTS = 5
    settings.LOGIN_LOCKOUT_MINUTES = 15
    return settings


def test_failures_through_two_host_names_and_four_addresses_lock_the_account_after_the_fifth(hosts):
    person = UserFactory()
    spread = [("testserver", "10.0.0.1", None), ("aims.example.org", "10.0.0.2", None),
              ("node2.internal", "10.0.0.3", "198.51.100.7"), ("aims.example.org", "10.0.0.4", "203.0.113.9"),
              ("testserver", "10.0.0.1", "192.0.2.1, 10.0.0.9")]
    for host, address, forwarded in spread:  # each a fresh client: no shared session either
        response = attempt(Client(), person.email, WRONG, host=host, address=address, forwarded=forwarded)
        assert response.status_code == 200 and LOCKED not in response.content.decode()

    # The right password, through yet another host name and address: refused, and not even checked.
    client = Client()
    response = attempt(client, person.email, DEFAULT_PASSWORD, host="node2.internal", address="10.9.9.9")
    assert LOCKED in response.content.decode()
    assert "Try again in 15 minutes" in response.content.decode()
    assert not signed_in(response, client)
    assert LedgerEvent.objects.filter(action="auth.login_failed").count() == 5
    locked = LedgerEvent.objects.get(action="auth.login_locked")
    assert locked.object_label == person.email and locked.after_data["ip"] == "10.9.9.9"


def test_the_account_is_named_by_its_e_mail_whatever_its_case_and_spaces(hosts):
    person = UserFactory(email="ada.lovelace@example.com", username="ada.lovelace@example.com")
    for spelling in ("Ada.Lovelace@example.com", " ada.lovelace@EXAMPLE.com", "ADA.LOVELACE@EXAMPLE.COM ",
                     "ada.lovelace@example.com", "Ada.Lovelace@Example.Com"):
        attempt(Client(), spelling, WRONG)

    assert lockout.seconds_locked("ada.lovelace@example.com") > 0
    client = Client()
    assert not signed_in(attempt(client, person.email, DEFAULT_PASSWORD), client)


def test_four_failures_then_the_right_password_signs_in_and_starts_the_count_again(hosts):
    person = UserFactory()
    for n in range(4):
        attempt(Client(), person.email, WRONG, host=["testserver", "aims.example.org"][n % 2])
    client = Client()
    assert signed_in(attempt(client, person.email, DEFAULT_PASSWORD), client)

    for _ in range(4):  # four more: not locked, the earlier four no longer count
        attempt(Client(), person.email, WRONG)
    client = Client()
    assert signed_in(attempt(client, person.email, DEFAULT_PASSWORD), client)


def test_the_lock_expires_after_the_configured_minutes_and_refused_attempts_do_not_lengthen_it(hosts, monkeypatch):
    hosts.LOGIN_LOCKOUT_ATTEMPTS = 3
    hosts.LOGIN_LOCKOUT_MINUTES = 10
    now = [1_800_000_000.0]
    monkeypatch.setattr(lockout, "clock", lambda: now[0])
    person = UserFactory()
    for _ in range(3):
        attempt(Client(), person.email, WRONG)
    assert lockout.seconds_locked(person.email) == 600

    now[0] += 9 * 60  # nine minutes later, the right password is still refused: one minute left
    client = Client()
    response = attempt(client, person.email, DEFAULT_PASSWORD)
    assert "Try again in 1 minute," in response.content.decode() and not signed_in(response, client)
    attempt(Client(), person.email, WRONG)  # refused by the lock: does not count, does not lengthen it

    now[0] += 60 + 1  # the lock is over
    assert lockout.seconds_locked(person.email) == 0
    client = Client()
    assert signed_in(attempt(client, person.email, DEFAULT_PASSWORD), client)


def test_failures_spread_over_more_than_the_window_do_not_lock(hosts, monkeypatch):
    hosts.LOGIN_LOCKOUT_ATTEMPTS = 3
    hosts.LOGIN_LOCKOUT_MINUTES = 10
    now = [1_800_000_000.0]
    monkeypatch.setattr(lockout, "clock", lambda: now[0])
    person = UserFactory()
    for _ in range(4):
        attempt(Client(), person.email, WRONG)
        now[0] += 6 * 60  # two failures at most within any ten minutes
    client = Client()
    assert signed_in(attempt(client, person.email, DEFAULT_PASSWORD), client)


def test_an_identifier_that_names_nobody_is_locked_the_same_way(hosts):
    for _ in range(5):
        attempt(Client(), "nobody@example.com", WRONG)
    response = attempt(Client(), "nobody@example.com", WRONG)
    assert LOCKED in response.content.decode()  # the same answer as for a real account: nothing to enumerate


def test_spoofed_x_forwarded_for_neither_escapes_the_lock_nor_locks_anyone_else(hosts):
    """With no trusted proxy (the default), X-Forwarded-For is anyone's to write: it neither spreads one attacker's
    failures over many counters nor charges them to another person's address."""
    hosts.TRUSTED_PROXY_COUNT = 0
    victim, bystander = UserFactory(), UserFactory()
    for n in range(5):
        attempt(Client(), victim.email, WRONG, address="203.0.113.66", forwarded=f"198.51.100.{n}")
    assert lockout.seconds_locked(victim.email) > 0  # the lock is the account's, whatever address is claimed

    # The attacker claimed the bystander's address; the bystander signs in from it at once.
    client = Client()
    assert signed_in(attempt(client, bystander.email, DEFAULT_PASSWORD, address="198.51.100.1"), client)
    recorded = {event.after_data["ip"] for event in LedgerEvent.objects.filter(action="auth.login_failed")}
    assert recorded == {"203.0.113.66"}  # the connection's address, never the claimed one


def test_the_per_address_limit_counts_the_connection_not_the_claimed_address(hosts):
    hosts.ACCOUNT_RATE_LIMITS = {"login_failed": "3/15m/ip"}
    hosts.TRUSTED_PROXY_COUNT = 0
    for n in range(3):  # three accounts from one connection, each claiming another address
        attempt(Client(), UserFactory().email, WRONG, address="203.0.113.66", forwarded=f"198.51.100.{n}")
    target = UserFactory()
    client = Client()
    assert not signed_in(attempt(client, target.email, DEFAULT_PASSWORD, address="203.0.113.66",
                                 forwarded="192.0.2.200"), client)
    client = Client()
    assert signed_in(attempt(client, target.email, DEFAULT_PASSWORD, address="192.0.2.200"), client)


@pytest.mark.parametrize(("proxies", "forwarded", "recorded"), [
    (0, "192.0.2.10", "10.0.0.1"),  # the header is ignored
    (1, "192.0.2.10", "192.0.2.10"),  # the proxy's own entry
    (1, "6.6.6.6, 192.0.2.10", "192.0.2.10"),  # the client's made-up entry before it is ignored
    (2, "6.6.6.6, 192.0.2.10, 10.1.1.1", "192.0.2.10"),  # two proxies: the second from the right
    (2, "192.0.2.10", "10.0.0.1"),  # fewer entries than proxies: not through them, the connection's address
    (1, "not-an-address", "10.0.0.1"),
])
def test_the_address_recorded_is_read_through_the_trusted_proxies_only(hosts, proxies, forwarded, recorded):
    hosts.TRUSTED_PROXY_COUNT = proxies
    person = UserFactory()
    attempt(Client(), person.email, WRONG, address="10.0.0.1", forwarded=forwarded)
    client = Client()
    assert signed_in(attempt(client, person.email, DEFAULT_PASSWORD, address="10.0.0.1", forwarded=forwarded), client)
    assert LedgerEvent.objects.get(action="auth.login_failed").after_data["ip"] == recorded
    assert LedgerEvent.objects.get(action="auth.login").after_data["ip"] == recorded


def test_the_lock_message_in_french(hosts):
    person = UserFactory()
    for _ in range(5):
        attempt(Client(), person.email, WRONG)
    response = attempt(Client(), person.email, DEFAULT_PASSWORD, HTTP_ACCEPT_LANGUAGE="fr")
    html = unescape(response.content.decode())
    assert "Trop d'échecs de connexion pour ce compte" in html and "Réessayez dans 15 minutes" in html


def test_a_password_reset_ends_the_lock(hosts):
    from allauth.account.signals import password_reset

    person = UserFactory()
    for _ in range(5):
        attempt(Client(), person.email, WRONG)
    assert lockout.seconds_locked(person.email) > 0
    password_reset.send(sender=type(person), request=None, user=person)
    assert lockout.seconds_locked(person.email) == 0
