"""/healthz says the process is alive without touching anything; /readyz says whether the node can serve (database,
cache, queue, storage), and a load balancer reads 503 and which dependency failed, never a secret."""

import json
import os
import socket
import subprocess
import sys

import moto
import pytest
from django.test import Client


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_answers_without_database_session_or_known_host(settings):
    settings.ALLOWED_HOSTS = ["aims.example.org"]  # probes come with the node's address as Host
    # No django_db mark: any database access in this test raises.
    response = Client(HTTP_HOST="10.0.0.7:8000").get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies  # no session, no CSRF cookie, no language cookie


@pytest.mark.django_db
def test_readyz_reports_each_dependency_when_all_answer(settings):
    settings.ALLOWED_HOSTS = ["aims.example.org"]
    response = Client(HTTP_HOST="10.0.0.7").get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "queue": "ok",
                                                          "storage": "ok"}}
    assert not response.cookies


@pytest.mark.django_db
def test_readyz_is_503_when_the_files_directory_cannot_be_made(settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.MEDIA_ROOT = blocker / "files"
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["storage"]
    assert body["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_readyz_checks_the_s3_bucket_exists(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "aims-files", "access_key": "testing", "secret_key": "testing",
                    "region_name": "us-east-1"}}}
    with moto.mock_aws():
        import boto3

        missing = Client().get("/readyz")
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="aims-files")
        present = Client().get("/readyz")
    assert missing.status_code == 503
    assert missing.json()["failed"] == ["storage"]
    assert present.status_code == 200


def test_readyz_is_503_naming_database_cache_and_queue_when_they_are_down(tmp_path):
    """A node whose PostgreSQL and Redis refuse connections: the body names the three, and no password."""
    pg_port, redis_port = closed_port(), closed_port()
    env = {**os.environ, "AIMS_DATA_DIR": str(tmp_path),
           "DATABASE_URL": f"postgres://aims:db-password-not-for-eyes@127.0.0.1:{pg_port}/aims",
           "REDIS_URL": f"redis://:redis-password-not-for-eyes@127.0.0.1:{redis_port}/0",
           "DJANGO_SETTINGS_MODULE": "aims.settings"}
    program = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/readyz')\n"
        "print(json.dumps({'status': r.status_code, 'body': r.content.decode()}))\n"
    )
    result = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    body = json.loads(answer["body"])
    assert body["status"] == "unavailable"
    assert body["failed"] == ["database", "cache", "queue"]
    assert body["checks"]["storage"] == "ok"
    assert "password-not-for-eyes" not in answer["body"]
    assert str(pg_port) not in answer["body"] and str(redis_port) not in answer["body"]
