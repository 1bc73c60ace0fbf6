"""Coordinated vulnerability disclosure, the public side: a report sent without an account creates a case for triage
(a task for the AIMS managers opening its page) and shows the reporter a private link; through it the reporter sees
their case only and replies; staff replies appear there; hostile input (script tags, a 20 MB attachment, a flood of
posts) gets a clear refusal; expired, revoked and unknown links read nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from aims.core.models import LedgerEvent, Task
from aims.incidents.models import DisclosureCase
from aims.incidents.services import disclosure

pytestmark = pytest.mark.django_db

REPORT = {"summary": "Prompt injection through uploaded PDFs", "details": "Upload a PDF with hidden text; the "
          "assistant follows it.", "affected_product": "HR assistant", "reporter_name": "Ada",
          "reporter_email": "ada@research.example.org"}


@pytest.fixture(autouse=True)
def fresh_cache(settings, tmp_path):
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "files"
    cache.clear()


def _send(client, **extra):
    return client.post(reverse("cvd_report"), {**REPORT, **extra})


def _link(response) -> str:
    found = re.search(r'id="case-link">([^<]+)<', response.content.decode())
    assert found, response.content.decode()[:2000]
    return found.group(1).replace("http://testserver", "")


def test_a_report_without_an_account_creates_a_case_for_triage(client, org, manager):
    page = client.get(reverse("cvd_report"))
    assert page.status_code == 200 and 'id="cvd-report-form"' in page.content.decode()
    response = _send(client)
    assert response.status_code == 201
    case = DisclosureCase.objects.get()
    assert case.status == "received" and case.unit == org["root"] and case.summary == REPORT["summary"]
    assert case.reference in response.content.decode()
    link = _link(response)
    secret = link.rstrip("/").rsplit("/", 1)[-1]
    assert secret not in str(LedgerEvent.objects.values_list("after", flat=True)) and case.token_hash != secret
    assert response["Referrer-Policy"] == "same-origin"  # never another site; not no-referrer (Origin: null)
    task = Task.objects.get(assignee=manager, source=f"incidents.disclosure.{case.pk}")
    assert task.url == case.get_absolute_url() and case.reference in task.title
    staff = Client()
    staff.force_login(manager)
    detail = staff.get(task.url)
    assert detail.status_code == 200 and REPORT["details"] in detail.content.decode()
    assert LedgerEvent.objects.filter(action="incidents.disclosurecase.create", object_id=str(case.pk)).exists()


def test_the_reporters_link_shows_only_that_case_and_carries_the_conversation(client, org, manager):
    first = _link(_send(client))
    second = _link(_send(client, summary="A second, unrelated report", details="Other details"))
    page = client.get(first)
    body = page.content.decode()
    assert page.status_code == 200 and REPORT["summary"] in body and "A second, unrelated report" not in body
    assert page["X-Robots-Tag"].startswith("noindex")
    assert client.post(first, {"body": "Any news?"}).status_code == 302
    case = DisclosureCase.objects.get(summary=REPORT["summary"])
    disclosure.staff_reply(actor=manager, case=case, body="Confirmed, thank you.")
    body = client.get(first).content.decode()
    assert "Any news?" in body and "Confirmed, thank you." in body
    assert "Confirmed, thank you." not in client.get(second).content.decode()
    assert Task.objects.filter(source=f"incidents.disclosure.{case.pk}.reply", done_at__isnull=False).exists()


def test_hostile_strings_are_shown_escaped(client, org, manager):
    hostile = '<script>alert("x")</script>'
    link = _link(_send(client, summary=hostile, details=hostile, reporter_name=hostile))
    for body in (client.get(link).content.decode(),):
        assert hostile not in body and "&lt;script&gt;" in body
    staff = Client()
    staff.force_login(manager)
    body = staff.get(DisclosureCase.objects.get().get_absolute_url()).content.decode()
    assert hostile not in body and "&lt;script&gt;" in body


def test_a_20_mb_attachment_is_refused_clearly_and_nothing_is_recorded(client, org, manager):
    big = SimpleUploadedFile("dump.txt", b"a" * (20 * 1024 * 1024), content_type="text/plain")
    response = _send(client, file=big)
    assert response.status_code == 413
    assert "too large" in response.content.decode() and "MB" in response.content.decode()
    assert not DisclosureCase.objects.exists()


def test_attachments_are_checked_by_size_and_content(client, org, manager, settings):
    settings.CVD_MAX_ATTACHMENT_BYTES = 1024 * 1024
    over = SimpleUploadedFile("trace.txt", b"a" * (1024 * 1024 + 10), content_type="text/plain")
    response = _send(client, file=over)
    assert response.status_code == 400 and "too large: files up to 1.0 MB" in response.content.decode()
    disguised = SimpleUploadedFile("proof.pdf", b"<html><script>x</script></html>", content_type="application/pdf")
    response = _send(client, file=disguised)
    assert response.status_code == 400 and 'id="file-error"' in response.content.decode()
    assert not DisclosureCase.objects.exists()
    proof = SimpleUploadedFile("steps.txt", b"1. upload\n2. ask\n", content_type="text/plain")
    link = _link(_send(client, file=proof))
    case = DisclosureCase.objects.get()
    attachment = case.attachments.get()
    assert attachment.filename == "steps.txt" and attachment.content_type == "text/plain" and attachment.size == 17
    assert "steps.txt" in client.get(link).content.decode()
    staff = Client()
    staff.force_login(manager)
    download = staff.get(reverse("incidents:disclosure_attachment", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"1. upload\n2. ask\n"
    assert "attachment" in download["Content-Disposition"] and "sandbox" in download["Content-Security-Policy"]
    assert Client().get(reverse("incidents:disclosure_attachment", args=[attachment.pk])).status_code == 302


def test_a_flood_of_posts_is_refused_with_429(client, org, manager):
    statuses = [_send(client, summary=f"Report {n}").status_code for n in range(100)]
    assert statuses[:5] == [201] * 5 and set(statuses[5:]) == {429}
    refused = _send(client)
    assert "Too many requests" in refused.content.decode() and refused["Retry-After"] == "600"
    assert DisclosureCase.objects.count() == 5
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post(reverse("cvd_report"), REPORT).status_code == 201


def test_the_robot_field_and_missing_fields_are_refused(client, org, manager):
    assert _send(client, website="http://spam.example").status_code == 400
    response = _send(client, summary="", details="")
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert _send(client, reporter_email="not an address").status_code == 400
    assert not DisclosureCase.objects.exists()


def test_unknown_expired_and_revoked_links_read_nothing(client, org, manager):
    from aims.core import context

    link = _link(_send(client))
    case = DisclosureCase.objects.get()
    assert client.get(link[:-5] + "xxxx/").status_code == 404
    disclosure.revoke_link(actor=manager, case=case, reason="Forwarded to a mailing list")
    gone = client.get(link)
    assert gone.status_code == 410 and REPORT["summary"] not in gone.content.decode()
    assert client.post(link, {"body": "still there?"}).status_code == 410
    case.refresh_from_db()
    case, secret = disclosure.renew_link(actor=manager, case=case)
    fresh = disclosure.link_url(secret)
    assert client.get(fresh).status_code == 200 and client.get(link).status_code == 404
    with context.bound(clock=lambda: case.link_expires_at + timedelta(seconds=1)):
        assert client.get(fresh).status_code == 410


def test_csrf_is_kept(org, manager):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("cvd_report"), REPORT).status_code == 403
    assert not DisclosureCase.objects.exists()


def test_the_form_and_the_case_page_in_french(client, org, manager):
    body = client.get(reverse("cvd_report") + "?lang=fr").content.decode()
    assert "Signaler une vulnérabilité" in body
    response = client.post(reverse("cvd_report") + "?lang=fr", {**REPORT, "lang": "fr"})
    assert "Signalement reçu" in response.content.decode()
    assert DisclosureCase.objects.get().language == "fr"
    assert "Signalement introuvable" in client.get(reverse("cvd_case", args=["z" * 43]) + "?lang=fr").content.decode()


def _competing_case(case, **fields) -> DisclosureCase:
    return DisclosureCase.objects.create(**{
        "reference": case.reference, "summary": "Another report", "details": "Sent at the same moment.",
        "unit": case.unit, "token_hash": "0" * 64, "link_expires_at": case.link_expires_at, **fields})


def test_two_reports_at_the_same_moment_get_two_references(client, org, manager, monkeypatch):
    """Another report takes the computed number between the checks and the insert (two public reports at once): the
    unique index refuses the insert, and the report takes the next free number instead of failing."""
    checked = disclosure.clean_for_create

    def check_then_lose_the_race(case):
        checked(case)
        _competing_case(case)

    monkeypatch.setattr(disclosure, "clean_for_create", check_then_lose_the_race)
    assert _send(client).status_code == 201
    mine, other = DisclosureCase.objects.get(summary=REPORT["summary"]), DisclosureCase.objects.get(
        summary="Another report")
    # The number follows the newest row's key, which PostgreSQL's sequences do not rewind between tests.
    assert re.fullmatch(r"CVD-\d{5}", mine.reference) and mine.reference != other.reference
    assert LedgerEvent.objects.get(action="incidents.disclosurecase.create").after_data["reference"] == mine.reference


def test_a_refused_insert_for_another_reason_is_not_retried(client, org, manager, monkeypatch):
    from django.db import IntegrityError

    checked = disclosure.clean_for_create

    def check_then_a_secret_collides(case):
        checked(case)
        _competing_case(case, reference="CVD-99999", token_hash=case.token_hash)

    monkeypatch.setattr(disclosure, "clean_for_create", check_then_a_secret_collides)
    with pytest.raises(IntegrityError):
        disclosure.submit_report(**REPORT)
