"""Safe retries: an API POST sent again with the same Idempotency-Key gets the first answer instead of creating a
second object; the key's record commits with the change or not at all."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aims.core import services
from aims.core.models import IdempotencyRecord, LedgerEvent, OrgUnit

pytestmark = pytest.mark.django_db

URL = "/api/v1/org-units"


@pytest.fixture
def token(admin_user):
    _token, secret = services.create_api_token(actor=admin_user, name="script", scopes=["read", "write"])
    return secret


def post(client, token, body, key="retry-1"):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(URL, body, content_type="application/json", **headers)


def test_a_retry_gets_the_first_answer_and_creates_nothing_more(client, token):
    first = post(client, token, {"name": "Credit", "code": "credit"})
    again = post(client, token, {"name": "Credit", "code": "credit"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert OrgUnit.objects.filter(code="credit").count() == 1
    assert LedgerEvent.objects.filter(action="core.orgunit.create").count() == 1
    without_key = post(client, token, {"name": "Credit", "code": "credit"}, key=None)
    assert without_key.status_code == 422  # a plain second POST really is a second request


def test_a_refusal_is_replayed_too_and_a_reused_key_with_another_body_is_refused(client, token):
    assert post(client, token, {"name": "", "code": "x"}, key="k").status_code == 422
    replay = post(client, token, {"name": "", "code": "x"}, key="k")
    assert replay.status_code == 422 and replay["Idempotent-Replayed"] == "true"
    other = post(client, token, {"name": "Other", "code": "other"}, key="k")
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key"
    assert not OrgUnit.objects.filter(code="other").exists()


def test_keys_belong_to_whoever_sent_them(client, token, role_user):
    post(client, token, {"name": "Mine", "code": "mine"}, key="shared")
    other = role_user("administrator")
    client.force_login(other)  # the session of another person: same key, their own request
    from django.test import Client

    session_client = Client(enforce_csrf_checks=False)
    session_client.force_login(other)
    response = session_client.post(URL, {"name": "Theirs", "code": "theirs"}, content_type="application/json",
                                   HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert OrgUnit.objects.filter(code__in=["mine", "theirs"]).count() == 2


def test_the_change_and_the_record_of_its_answer_commit_together(client, token, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("the process died here")

    monkeypatch.setattr(IdempotencyRecord.objects, "create", crash)
    with pytest.raises(RuntimeError):
        post(client, token, {"name": "Half", "code": "half"}, key="crash")
    assert not OrgUnit.objects.filter(code="half").exists()  # nothing committed without its record
    monkeypatch.undo()
    assert post(client, token, {"name": "Half", "code": "half"}, key="crash").status_code == 201


def test_answers_are_forgotten_after_the_retention(client, token, settings):
    post(client, token, {"name": "Old", "code": "old"}, key="old")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_HOURS + 1))
    again = post(client, token, {"name": "Old", "code": "old"}, key="old")
    assert again.status_code == 422 and "Idempotent-Replayed" not in again  # ran again: the code is taken now


def test_a_malformed_key_is_refused(client, token):
    response = post(client, token, {"name": "Bad", "code": "bad"}, key="x" * 300)
    assert response.status_code == 422 and not OrgUnit.objects.filter(code="bad").exists()
