"""Signed webhook deliveries for ledger events, retried with back-off, filtered by the endpoint's event list."""

import hashlib
import hmac
import json
import threading
from datetime import datetime, timezone as dt_timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import transaction
from huey.contrib.djhuey import HUEY

from aims.core import services
from aims.core.models import LedgerEvent, WebhookDelivery
from aims.core.webhooks import SIGNATURE_HEADER, WEBHOOK_RETRY_DELAYS, deliver_webhook, sign, verify_signature

pytestmark = pytest.mark.django_db


class Receiver:
    """A local HTTP endpoint that records what it receives and answers with the statuses it is told to."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 5  # a stuck client cannot hang the test run

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture(autouse=True)
def empty_task_queue():
    HUEY.flush()
    yield
    HUEY.flush()


@pytest.fixture
def endpoint_for(admin_user, django_capture_on_commit_callbacks):
    def make(url, events=()):
        # Creating the endpoint is itself a ledger event; keep its own delivery out of the way of the assertions.
        with django_capture_on_commit_callbacks(execute=False):
            endpoint = services.create_webhook(actor=admin_user, name="SIEM", url=url, events=events)
        WebhookDelivery.objects.all().delete()
        return endpoint

    return make


@pytest.fixture
def change(admin_user, org, django_capture_on_commit_callbacks):
    """Make one ledgered change and run what was queued for after its commit."""
    counter = iter(range(1000))

    def make():
        n = next(counter)
        with django_capture_on_commit_callbacks(execute=True):
            unit = services.create_org_unit(actor=admin_user, name=f"Team {n}", code=f"team-{n}", parent=org["north"])
        return LedgerEvent.objects.get(action="core.orgunit.create", object_id=str(unit.pk))

    return make


def scheduled_retries():
    return [(task.args, task.eta) for task in HUEY.scheduled() if task.name.endswith("deliver_webhook")]


def test_event_is_posted_signed_with_the_endpoint_secret(receiver, endpoint_for, change):
    endpoint = endpoint_for(receiver.url)
    event = change()

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    payload = json.loads(request["body"])
    assert payload["id"] == event.pk and payload["action"] == "core.orgunit.create"
    assert payload["object_type"] == "core.orgunit" and payload["object_label"] == event.object_label
    assert payload["after"]["code"] == "team-0" and payload["hash"] == event.hash
    assert request["headers"]["x-aims-event"] == "core.orgunit.create"

    header = request["headers"][SIGNATURE_HEADER.lower()]
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(endpoint.secret.encode(), f"{fields['t']}.".encode() + request["body"], hashlib.sha256)
    assert fields["v1"] == expected.hexdigest()
    assert verify_signature(endpoint.secret, request["body"], header)
    assert not verify_signature("another-secret", request["body"], header)

    delivery = WebhookDelivery.objects.get(endpoint=endpoint, event_id=event.pk)
    assert delivery.delivered_at is not None and delivery.attempts == 1 and delivery.status_code == 200
    assert scheduled_retries() == []


def test_server_error_schedules_a_retry_after_the_back_off_delay(receiver, endpoint_for, change):
    endpoint_for(receiver.url)
    receiver.statuses = [500]
    before = datetime.now(dt_timezone.utc).replace(tzinfo=None)
    event = change()

    delivery = WebhookDelivery.objects.get(event_id=event.pk)
    assert delivery.delivered_at is None and delivery.attempts == 1 and delivery.status_code == 500
    [(args, eta)] = scheduled_retries()
    assert args == (delivery.pk,)
    assert WEBHOOK_RETRY_DELAYS[0] <= (eta - before).total_seconds() < WEBHOOK_RETRY_DELAYS[1]

    # The retry runs (the worker would pick it up at its time); a second failure waits for the next delay.
    HUEY.flush()
    receiver.statuses = [503]
    before = datetime.now(dt_timezone.utc).replace(tzinfo=None)
    deliver_webhook(delivery.pk)
    [(args, eta)] = scheduled_retries()
    assert WEBHOOK_RETRY_DELAYS[1] <= (eta - before).total_seconds() < WEBHOOK_RETRY_DELAYS[2]

    HUEY.flush()
    deliver_webhook(delivery.pk)  # the receiver answers 200 this time
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None and delivery.attempts == 3
    assert scheduled_retries() == []
    assert len(receiver.requests) == 3
    assert len({r["body"] for r in receiver.requests}) == 1  # the same event every time


def test_retries_stop_after_the_last_back_off_step(receiver, endpoint_for, change):
    endpoint_for(receiver.url)
    receiver.statuses = [500] * (len(WEBHOOK_RETRY_DELAYS) + 1)
    delivery = WebhookDelivery.objects.get(event_id=change().pk)
    for _ in WEBHOOK_RETRY_DELAYS:
        assert len(scheduled_retries()) == 1
        HUEY.flush()
        deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.attempts == len(WEBHOOK_RETRY_DELAYS) + 1 and delivery.delivered_at is None
    assert scheduled_retries() == []


def test_redirect_is_not_followed_and_counts_as_a_failure(receiver, endpoint_for, change):
    endpoint_for(receiver.url)
    receiver.statuses = [302]
    delivery = WebhookDelivery.objects.get(event_id=change().pk)
    assert [r["path"] for r in receiver.requests] == ["/hook"]
    assert delivery.delivered_at is None and delivery.status_code == 302
    assert len(scheduled_retries()) == 1


def test_unreachable_endpoint_records_the_error_and_retries(endpoint_for, change):
    with Receiver() as gone:
        url = gone.url
    endpoint_for(url)  # nothing listens there any more
    delivery = WebhookDelivery.objects.get(event_id=change().pk)
    assert delivery.delivered_at is None and delivery.status_code is None and delivery.error
    assert len(scheduled_retries()) == 1


def test_only_subscribed_actions_are_sent(receiver, endpoint_for, change, admin_user):
    endpoint = endpoint_for(receiver.url, events=["core.user.update"])
    change()
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()

    services.update_webhook(actor=admin_user, endpoint=endpoint, changes={"events": ["core.orgunit.create"]})
    WebhookDelivery.objects.all().delete()
    change()
    assert [json.loads(r["body"])["action"] for r in receiver.requests] == ["core.orgunit.create"]


def test_inactive_endpoint_gets_nothing(receiver, endpoint_for, change, admin_user):
    endpoint = endpoint_for(receiver.url)
    services.update_webhook(actor=admin_user, endpoint=endpoint, changes={"is_active": False})
    WebhookDelivery.objects.all().delete()
    change()
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()


def test_rolled_back_change_sends_nothing(receiver, endpoint_for, admin_user, org, django_capture_on_commit_callbacks):
    endpoint_for(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.create_org_unit(actor=admin_user, name="Ghost", code="ghost", parent=org["north"])
            raise RuntimeError("rolled back")
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()


# --- The receiver-side helper ---------------------------------------------------------------------------------

SECRET = "s3cret"
BODY = b'{"id":1}'


def test_verify_signature_accepts_a_fresh_signature():
    assert verify_signature(SECRET, BODY, sign(SECRET, BODY, "1700000000"), now=1700000000 + 299)


@pytest.mark.parametrize("header", [
    sign(SECRET, b'{"id":2}', "1700000000"),  # another body
    sign("other", BODY, "1700000000"),  # another secret
    sign(SECRET, BODY, "1700000001").replace("t=1700000001", "t=1700000000"),  # timestamp swapped after signing
    "", "garbage", "t=1700000000", "v1=abc", "t=abc,v1=abc",
])
def test_verify_signature_rejects_forgeries_and_malformed_headers(header):
    assert not verify_signature(SECRET, BODY, header, now=1700000000)


@pytest.mark.parametrize("offset", [301, -301])
def test_verify_signature_rejects_timestamps_outside_the_tolerance(offset):
    header = sign(SECRET, BODY, "1700000000")
    assert not verify_signature(SECRET, BODY, header, now=1700000000 + offset)
    assert verify_signature(SECRET, BODY, header, tolerance_seconds=600, now=1700000000 + offset)


def test_verify_signature_accepts_any_listed_digest_for_secret_rotation():
    digest = sign(SECRET, BODY, "1700000000").split("v1=")[1]
    assert verify_signature(SECRET, BODY, f"t=1700000000,v1={'0' * 64},v1={digest}", now=1700000000)
