"""Oversized uploads are refused before they are read: a request announcing more than the limit is answered 413
unread, and a file part larger than the file limit is stopped as it streams in."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aims.core.testing import person_with_role

pytestmark = pytest.mark.django_db


class NeverRead(io.RawIOBase):
    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


@pytest.fixture
def small_limits(settings):
    settings.MAX_UPLOAD_BYTES = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5000


@pytest.mark.parametrize("path", ["/inventory/import/", "/api/v1/systems"])
def test_a_request_announced_larger_than_the_limit_is_refused_without_reading_it(client, small_limits, path):
    client.force_login(person_with_role("administrator"))
    response = client.generic("POST", path, b"", "multipart/form-data; boundary=x",
                              **{"CONTENT_LENGTH": "50000000", "wsgi.input": NeverRead()})
    assert response.status_code == 413
    if path.startswith("/api/"):
        assert response.json()["error"]["code"] == "body_too_large"
    else:
        assert "files up to 0 MB" in response.content.decode() or "too large" in response.content.decode()


def test_a_file_larger_than_the_file_limit_is_stopped_while_it_streams(client, small_limits):
    client.force_login(person_with_role("administrator"))
    upload = SimpleUploadedFile("systems.csv", b"x" * 3000, content_type="text/csv")  # under the body limit (6000)
    response = client.post(reverse("inventory:import"), {"step": "preview", "file": upload})
    assert response.status_code == 400


def test_a_file_within_the_limit_still_goes_through(client, small_limits):
    client.force_login(person_with_role("administrator"))
    upload = SimpleUploadedFile("systems.csv", b"name\n", content_type="text/csv")
    response = client.post(reverse("inventory:import"), {"step": "preview", "file": upload})
    assert response.status_code == 200
