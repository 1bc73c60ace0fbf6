"""Signing in: the login page, the ledger of logins and failures, lockout after repeated failures, password reset."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from aims.core.models import LedgerEvent
from aims.core.testing import DEFAULT_PASSWORD, UserFactory

from .auth_helpers import LOGIN_URL, log_in

pytestmark = pytest.mark.django_db

OIDC_PROVIDER = {
    "openid_connect": {
        "APPS": [{
            "provider_id": "sso", "name": "Single sign-on", "client_id": "aims", "secret": "s3cret",
            "settings": {"server_url": "https://idp.example.com"},
        }]
    }
}


def test_login_page_labels_its_fields_and_offers_no_sign_up(client):
    response = client.get(LOGIN_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<label for="id_login">[^<]*Email', html)
    assert re.search(r'<label for="id_password">[^<]*Password', html)
    assert 'class="topbar"' in html  # drawn inside the product's own shell
    assert "/accounts/signup/" not in html
    assert "/accounts/password/reset/" in html


def test_login_page_offers_single_sign_on_only_when_an_oidc_provider_is_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    assert "Single sign-on" not in client.get(LOGIN_URL).content.decode()

    settings.SOCIALACCOUNT_PROVIDERS = OIDC_PROVIDER
    html = client.get(LOGIN_URL).content.decode()
    assert re.search(r'<a class="[^"]*sso-button"[^>]*href="/accounts/oidc/sso/login/\?process=login"[^>]*>Single sign-on</a>', html)


def test_wrong_password_shows_an_error_next_to_the_form_and_is_ledgered_without_the_password(client):
    person = UserFactory()
    response = log_in(client, person.email, "Not-The-Password-99")

    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    event = LedgerEvent.objects.get(action="auth.login_failed")
    assert event.object_label == person.email
    assert event.after_data["identifier"] == person.email
    assert "Not-The-Password-99" not in event.before + event.after + event.object_label + event.actor_label
    assert not LedgerEvent.objects.filter(action="auth.login").exists()


def test_successful_login_is_ledgered_with_the_person_as_actor(client):
    person = UserFactory()
    response = log_in(client, person.email)

    assert response.status_code == 302 and response.url == "/"
    event = LedgerEvent.objects.get(action="auth.login")
    assert event.actor_id == person.pk
    assert event.object_id == str(person.pk)
    assert DEFAULT_PASSWORD not in event.after


def test_five_failed_logins_lock_the_account_so_even_the_right_password_is_refused(client):
    person = UserFactory()
    for _ in range(5):
        assert log_in(client, person.email, "Wrong-Password-123").status_code == 200

    response = log_in(client, person.email)

    assert response.status_code == 200
    assert "Too many failed sign-ins for this account" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert LedgerEvent.objects.filter(action="auth.login_failed").count() == 5
    assert LedgerEvent.objects.filter(action="auth.login_locked", object_label=person.email).count() == 1
    assert not LedgerEvent.objects.filter(action="auth.login").exists()


def test_lockout_of_one_account_leaves_other_accounts_alone(client):
    victim, colleague = UserFactory(), UserFactory()
    for _ in range(5):
        log_in(client, victim.email, "Wrong-Password-123")

    response = log_in(client, colleague.email)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(colleague.pk)


def test_four_failures_then_the_right_password_still_signs_in(client):
    person = UserFactory()
    for _ in range(4):
        log_in(client, person.email, "Wrong-Password-123")

    assert log_in(client, person.email).status_code == 302


@pytest.mark.production_hasher
def test_password_reset_sends_a_link_by_email_that_sets_a_new_password(client):
    person = UserFactory()
    page = client.get("/accounts/password/reset/")
    assert page.status_code == 200 and 'for="id_email"' in page.content.decode()

    response = client.post("/accounts/password/reset/", {"email": person.email})
    assert response.status_code == 302
    assert client.get(response.url).status_code == 200  # the "check your e-mail" page
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and 'for="id_password1"' in form_page.content.decode()
    new_password = "Brand-New-Passphrase-77"
    done = client.post(form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
                       {"password1": new_password, "password2": new_password}, follow=True)
    assert done.status_code == 200
    assert "Your password is now changed" in done.content.decode()

    person.refresh_from_db()
    assert person.check_password(new_password)
    assert person.password.startswith("argon2$")


def test_a_bad_reset_link_says_so(client):
    response = client.get("/accounts/password/reset/key/zz-set-password/", follow=True)
    assert response.status_code == 200
    assert "Bad Token" in response.content.decode()


@pytest.mark.production_hasher
def test_passwords_are_hashed_with_argon2(db):
    person = UserFactory()
    assert person.password.startswith("argon2$")


def test_production_settings_hash_with_argon2_first():
    # The suite swaps in a fast hasher; the shipped settings must still put Argon2 first.
    from aims import settings as shipped

    assert shipped.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
