"""Personal API tokens in the interface: list, create (secret shown once, only its hash stored), revoke."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from aims.core import services
from aims.core.models import ApiToken, LedgerEvent
from aims.core.testing import UserFactory, person_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(client):
    person = UserFactory()
    client.force_login(person)
    return person


def test_profile_links_to_the_tokens_page(client, person):
    assert 'href="/me/tokens/"' in client.get("/me/").content.decode()


def test_create_form_offers_the_default_lifetime_and_labelled_fields(client, person, settings):
    settings.API_TOKEN_DEFAULT_DAYS = 45
    html = client.get("/me/tokens/new/").content.decode()
    assert re.search(r'<input type="number" name="days" value="45"', html)
    for field_id in ("id_name", "id_scope_0", "id_scope_1", "id_days"):
        assert f'for="{field_id}"' in html, field_id


def test_created_token_secret_is_shown_once_and_only_its_hash_is_stored(client, person):
    response = client.post("/me/tokens/new/", {"name": "CI pipeline", "scope": "write", "days": "30"})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    secret = re.search(r'value="(aims_[^"]+)"', html).group(1)
    assert "will not be shown again" in html

    token = ApiToken.objects.get(user=person)
    assert token.name == "CI pipeline"
    assert token.scopes == ["read", "write"]
    assert token.key_hash == services.hash_token(secret)
    assert secret.startswith(token.prefix)
    stored = " ".join(str(value) for value in ApiToken.objects.filter(pk=token.pk).values().first().values())
    assert secret not in stored
    assert abs(token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)

    listing = client.get("/me/tokens/").content.decode()
    assert "CI pipeline" in listing and token.prefix in listing
    assert secret not in listing
    event = LedgerEvent.objects.get(action="core.apitoken.create")
    assert secret not in event.after


def test_read_only_token_gets_the_read_scope_only(client, person):
    client.post("/me/tokens/new/", {"name": "BI export", "scope": "read", "days": "7"})
    assert ApiToken.objects.get(user=person).scopes == ["read"]


@pytest.mark.parametrize(("data", "field"), [
    ({"name": "", "scope": "read", "days": "30"}, "name"),
    ({"name": "x", "scope": "admin", "days": "30"}, "scope"),
    ({"name": "x", "scope": "read", "days": "0"}, "days"),
    ({"name": "x", "scope": "read", "days": "367"}, "days"),
])
def test_bad_input_is_shown_next_to_the_field_and_creates_nothing(client, person, data, field):
    response = client.post("/me/tokens/new/", data)
    assert response.status_code == 200
    assert re.search(r'<p class="field-error">[^<]+</p>', response.content.decode())
    assert response.context["form"].errors[field]
    assert not ApiToken.objects.exists()


def test_revoking_asks_for_confirmation_then_revokes_and_ledgers(client, person):
    token, _secret = services.create_api_token(actor=person, name="Old script", scopes=["read"], days=10)

    confirm = client.get(f"/me/tokens/{token.pk}/revoke/")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None  # looking at the confirmation changes nothing

    response = client.post(f"/me/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response.url == "/me/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None and not token.is_usable
    event = LedgerEvent.objects.get(action="core.apitoken.revoke")
    assert event.actor_id == person.pk and event.object_id == str(token.pk)
    assert "revoked" in client.get("/me/tokens/").content.decode()


def test_another_persons_token_cannot_be_revoked_by_a_non_admin(client, person):
    other = UserFactory()
    token, _secret = services.create_api_token(actor=other, name="Theirs", scopes=["read"], days=10)

    assert client.get(f"/me/tokens/{token.pk}/revoke/").status_code == 404
    assert client.post(f"/me/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not LedgerEvent.objects.filter(action="core.apitoken.revoke").exists()
    assert "Theirs" not in client.get("/me/tokens/").content.decode()


def test_an_administrator_can_revoke_someone_elses_token(client):
    admin = person_with_role("administrator")
    other = UserFactory()
    token, _secret = services.create_api_token(actor=other, name="Leaked", scopes=["read"], days=10)
    client.force_login(admin)

    assert client.post(f"/me/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert LedgerEvent.objects.get(action="core.apitoken.revoke").actor_id == admin.pk


def test_token_list_shows_status_and_keeps_a_constant_number_of_queries(client, person, django_assert_max_num_queries):
    active, _ = services.create_api_token(actor=person, name="Active one", scopes=["read"], days=10)
    revoked, _ = services.create_api_token(actor=person, name="Revoked one", scopes=["read"], days=10)
    services.revoke_api_token(actor=person, token=revoked)
    expired, _ = services.create_api_token(actor=person, name="Expired one", scopes=["read"], days=10)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    for n in range(20):
        services.create_api_token(actor=person, name=f"Extra {n}", scopes=["read", "write"], days=10)

    with django_assert_max_num_queries(8):
        response = client.get("/me/tokens/")

    html = response.content.decode()
    assert re.search(r"Active one.*?status-active", html, re.S)
    assert re.search(r"Revoked one.*?status-revoked", html, re.S)
    assert re.search(r"Expired one.*?status-expired", html, re.S)
    assert len(re.findall(r'href="/me/tokens/\d+/revoke/"', html)) == 21  # revoke links: usable tokens only


def test_tokens_pages_require_login(client):
    for path in ("/me/tokens/", "/me/tokens/new/"):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
