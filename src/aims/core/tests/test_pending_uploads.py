"""The one import pattern's held upload (core/pending_uploads.py): kept under a session token until confirmed, taken
only with that token (and the page's own record), forgotten with its file, and purged when abandoned."""

import os
import time

import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory

from aims.core.pending_uploads import PendingUploads


@pytest.fixture(autouse=True)
def _storage_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


def request_with_session():
    request = RequestFactory().post("/")
    request.session = SessionStore()
    return request


def held_files(settings, directory="imports/test"):
    folder = settings.MEDIA_ROOT / directory
    return sorted(folder.iterdir()) if folder.exists() else []


def test_hold_take_forget(settings):
    pending = PendingUploads("test_import", "imports/test")
    request = request_with_session()
    record = pending.hold(request, b"a,b\n1,2\n", "x" * 300 + ".csv", supplier=7)
    assert len(record["filename"]) == 200 and record["supplier"] == 7 and len(held_files(settings)) == 1
    assert pending.take(request, "not-the-token") is None
    assert pending.take(request, record["token"], supplier=8) is None  # another page's record
    assert pending.take(request, record["token"], supplier=7) == (record, b"a,b\n1,2\n")
    second = pending.hold(request, b"new", "y.csv")  # a new check replaces the held file
    assert len(held_files(settings)) == 1 and pending.take(request, record["token"]) is None
    pending.forget(request)
    assert held_files(settings) == [] and pending.take(request, second["token"]) is None


def test_a_vanished_file_clears_the_session(settings):
    pending = PendingUploads("test_import", "imports/test")
    request = request_with_session()
    record = pending.hold(request, b"data", "z.csv")
    held_files(settings)[0].unlink()
    assert pending.take(request, record["token"]) is None and pending.current(request) is None


def test_abandoned_uploads_are_purged(settings):
    pending = PendingUploads("test_import", "imports/test")
    assert pending.purge_stale() == 0  # no folder yet
    pending.hold(request_with_session(), b"data", "z.csv")
    assert pending.purge_stale() == 0  # a fresh upload waits for its confirmation
    old = time.time() - 25 * 3600
    os.utime(held_files(settings)[0], (old, old))
    assert pending.purge_stale() == 1 and held_files(settings) == []
