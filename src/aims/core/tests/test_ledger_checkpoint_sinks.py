"""Checkpoints leave the machine: an S3 bucket with object lock (one object per checkpoint, which nobody can delete
before its retention date), a webhook; a sink that fails never fails the change, and the file keeps the checkpoint.
RFC 3161 time-stamping: test_ledger_checkpoint_timestamps.py.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from aims.core import checkpoints, ledger_checkpoints, services
from aims.core.testing import run_ledger_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3(settings):
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    settings.LEDGER_CHECKPOINT_S3_BUCKET = "aims-checkpoints"
    settings.LEDGER_CHECKPOINT_S3_ACCESS_KEY = settings.LEDGER_CHECKPOINT_S3_SECRET_KEY = "testing"
    settings.LEDGER_CHECKPOINT_S3_REGION = "us-east-1"
    settings.LEDGER_CHECKPOINT_S3_ENDPOINT_URL = None
    with moto.mock_aws():
        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="testing",
                              aws_secret_access_key="testing")
        client.create_bucket(Bucket="aims-checkpoints", ObjectLockEnabledForBucket=True)
        yield client


def test_each_checkpoint_becomes_a_locked_object_in_the_bucket(s3, admin_user, org, tmp_path,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.create_org_unit(actor=admin_user, name="Team", code="team", parent=org["north"])
    (record,) = checkpoints.read(ledger_checkpoints.checkpoint_path()).records
    name = ledger_checkpoints.object_name(record)
    head = s3.head_object(Bucket="aims-checkpoints", Key=name)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert (head["ObjectLockRetainUntilDate"].year - int(record["at"][:4])) >= 9
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):  # nobody, the bucket's owner included, deletes it before its retention date
        s3.delete_object(Bucket="aims-checkpoints", Key=name, VersionId=head["VersionId"])
    synced = tmp_path / "synced"
    synced.mkdir()
    for item in s3.list_objects_v2(Bucket="aims-checkpoints")["Contents"]:
        body = s3.get_object(Bucket="aims-checkpoints", Key=item["Key"])["Body"].read()
        (synced / item["Key"].rsplit("/", 1)[-1]).write_bytes(body)
    assert json.loads((synced / name.rsplit("/", 1)[-1]).read_text()) == record
    assert run_ledger_verify("--checkpoints", str(synced)) == (0, "")  # an auditor's copy of the bucket


class _Receiver(BaseHTTPRequestHandler):
    received: list = []
    status = 204

    def do_POST(self):  # noqa: N802 (http.server's naming)
        _Receiver.received.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(_Receiver.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(settings):
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received, _Receiver.status = [], 204
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.LEDGER_CHECKPOINT_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/checkpoints"
    yield _Receiver
    server.shutdown()


def test_a_webhook_receives_each_checkpoint_and_can_check_its_signature(receiver, admin_user, org,
                                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.create_org_unit(actor=admin_user, name="Team", code="team", parent=org["north"])
    (body,) = receiver.received
    record = json.loads(body)
    public = checkpoints.trusted([ledger_checkpoints.private_key().public_key()])
    assert record["type"] == "aims-ledger-checkpoint" and record["id"] == 1
    assert checkpoints.signature_valid(record, checkpoints.SIGNED_FIELDS, public)


def test_a_failing_sink_does_not_fail_the_change_and_the_file_keeps_the_checkpoint(receiver, admin_user, org,
                                                                                  django_capture_on_commit_callbacks):
    receiver.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        unit = services.create_org_unit(actor=admin_user, name="Team", code="team", parent=org["north"])
    assert unit.pk and receiver.received  # tried
    assert [r["id"] for r in checkpoints.read(ledger_checkpoints.checkpoint_path()).records] == [1]
