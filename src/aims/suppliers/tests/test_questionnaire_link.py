"""The private questionnaire link, without an account: it reads and writes its own questionnaire only, expires, can be
revoked, refuses edits once submitted, is rate-limited, keeps CSRF, escapes what it shows and speaks French."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from aims.core.models import LedgerEvent
from aims.suppliers import services
from aims.suppliers.catalog import questions
from aims.suppliers.models import Questionnaire

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def pair(make_supplier, procurement):
    """Questionnaire A (Lumen) and B (another supplier), each with its own secret."""
    made = []
    for name, email in (("Lumen <b>Models</b>", "a@lumen.example"), ("Borealis Data Brokers", "b@borealis.example")):
        supplier = make_supplier(legal_name=name)
        contact = services.add_contact(actor=procurement, supplier=supplier, name=name, email=email)
        made.append(services.send_questionnaire(actor=procurement, supplier=supplier, contact=contact))
    return made


def url(secret):
    return services.questionnaire_link(secret)


def form(questionnaire, choice="yes", **extra):
    data = {f"q_{q['key']}": (choice if q["kind"] == "choice" else "Answer") for q in questions(questionnaire.template)}
    data.update(extra)
    return data


def test_the_link_shows_its_questionnaire_only(client, pair):
    (a, secret_a), (b, _secret_b) = pair
    page = client.get(url(secret_a))
    body = page.content.decode()
    assert page.status_code == 200 and "Lumen &lt;b&gt;Models&lt;/b&gt;" in body and "<b>Models</b>" not in body
    assert "Borealis" not in body and "b@borealis.example" not in body
    assert "Do you run an information security management system" in body


def test_a_token_for_a_cannot_write_b(client, pair):
    (a, secret_a), (b, _secret_b) = pair
    response = client.post(url(secret_a), {**form(a), "action": "submit"})
    assert response.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.state == Questionnaire.State.SUBMITTED and b.state == Questionnaire.State.SENT and not b.answers
    # Fields naming B's questionnaire are not a way in: the link decides which questionnaire is written.
    client.post(url(secret_a), {"questionnaire": b.pk, "q_sec_isms": "no"})
    b.refresh_from_db()
    assert not b.answers


def test_unknown_expired_revoked_and_reviewed_links_read_and_write_nothing(client, pair, procurement):
    (a, secret_a), (b, secret_b) = pair
    events = LedgerEvent.objects.count()
    unknown = client.get(url("x" * 43))
    assert unknown.status_code == 404 and "Questionnaire not found" in unknown.content.decode()
    Questionnaire.objects.filter(pk=a.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for method in (client.get, lambda u: client.post(u, form(a))):
        response = method(url(secret_a))
        assert response.status_code == 410 and "Lumen" not in response.content.decode()
    services.revoke_questionnaire(actor=procurement, questionnaire=b)
    events = LedgerEvent.objects.count()
    response = client.post(url(secret_b), {**form(b), "action": "submit"})
    assert response.status_code == 410 and "Borealis" not in response.content.decode()
    assert LedgerEvent.objects.count() == events
    b.refresh_from_db()
    assert not b.answers and b.state == Questionnaire.State.REVOKED


def test_a_reviewed_link_is_gone(client, pair, procurement):
    (a, secret_a), _ = pair
    client.post(url(secret_a), {**form(a), "action": "submit"})
    services.review_questionnaire(actor=procurement, questionnaire=Questionnaire.objects.get(pk=a.pk))
    assert client.get(url(secret_a)).status_code == 410


def test_a_submitted_questionnaire_cannot_be_edited_until_returned(client, pair, procurement):
    (a, secret_a), _ = pair
    client.post(url(secret_a), {**form(a), "action": "submit"})
    page = client.get(url(secret_a)).content.decode()
    assert "Your answers were submitted" in page and "questionnaire-form" not in page
    response = client.post(url(secret_a), form(a, choice="no"))
    assert response.status_code == 400
    a.refresh_from_db()
    assert a.answers["sec_isms"] == "yes"
    services.return_for_follow_up(actor=procurement, questionnaire=a, question="Is <script>alert(1)</script> ok?")
    page = client.get(url(secret_a)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert client.post(url(secret_a), form(a, choice="no")).status_code == 302
    a.refresh_from_db()
    assert a.answers["sec_isms"] == "no"


def test_drafts_save_and_a_missing_answer_is_shown(client, pair):
    (a, secret_a), _ = pair
    response = client.post(url(secret_a), {"q_sec_isms": "partly", "action": "submit"})
    assert response.status_code == 400 and "This question needs an answer." in response.content.decode()
    a.refresh_from_db()
    assert a.answers == {"sec_isms": "partly"} and a.state == Questionnaire.State.ANSWERED


def test_files_are_checked_by_content(client, pair):
    (a, secret_a), _ = pair
    fake = SimpleUploadedFile("report.pdf", b"<html><script>x</script></html>", content_type="application/pdf")
    response = client.post(url(secret_a), {"q_sec_isms": "yes", "file": fake})
    assert response.status_code == 400
    assert not a.attachments.exists()
    good = SimpleUploadedFile("policy.txt", b"Our security policy.\n", content_type="text/plain")
    assert client.post(url(secret_a), {"file": good}).status_code == 302
    assert a.attachments.count() == 1
    assert "policy.txt" in client.get(url(secret_a)).content.decode()


def test_csrf_is_kept(pair):
    (a, secret_a), _ = pair
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url(secret_a), form(a)).status_code == 403
    a.refresh_from_db()
    assert not a.answers


def test_requests_are_rate_limited(client, pair, settings):
    (a, secret_a), _ = pair
    settings.SUPPLIER_LINK_RATE_PER_IP = 3
    for _ in range(3):
        assert client.get(url(secret_a)).status_code == 200
    limited = client.get(url(secret_a))
    assert limited.status_code == 429 and limited["Retry-After"] and "Lumen" not in limited.content.decode()
    assert client.get(url("y" * 43)).status_code == 429  # guessing links counts too


def test_the_page_in_french(client, pair):
    (a, secret_a), _ = pair
    body = client.get(url(secret_a) + "?lang=fr").content.decode()
    assert "Maturité en sécurité" in body and "Disposez-vous d'un système de management" in body.replace("&#x27;", "'")
    assert 'lang="fr"' in body
    closed = client.get(url("z" * 43) + "?lang=fr").content.decode()
    assert "Questionnaire introuvable" in closed
