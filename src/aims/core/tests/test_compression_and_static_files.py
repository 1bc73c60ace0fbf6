"""Responses are compressed when the client asks (with Django's BREACH padding); collected static files are hashed,
pre-compressed and cached for a year; before any collection the plain files are linked and served."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from django.core.management import call_command
from django.test import Client

from aims.core.testing import UserFactory

from .auth_helpers import log_in

pytestmark = pytest.mark.django_db

YEAR = 365 * 24 * 60 * 60


def _gzip_header_has_a_file_name(body: bytes) -> bool:
    # Django's GZipMiddleware hides the length of secrets (BREACH) by writing a random file name into each stream's
    # header: flag FNAME (0x08) of the header's fourth byte.
    return body[:2] == b"\x1f\x8b" and bool(body[3] & 0x08)


def test_a_page_requested_with_gzip_comes_back_compressed_and_padded(client):
    person = UserFactory()
    log_in(client, person.email)

    response = client.get("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    html = gzip.decompress(response.content).decode()
    assert "<!doctype html>" in html and 'class="topbar"' in html
    assert int(response["Content-Length"]) == len(response.content) < len(html.encode())
    assert _gzip_header_has_a_file_name(response.content)
    # The padding is random: the same page twice gives two different streams.
    assert client.get("/", HTTP_ACCEPT_ENCODING="gzip").content != response.content


def test_an_api_list_requested_with_gzip_comes_back_compressed(client):
    person = UserFactory()
    log_in(client, person.email)

    response = client.get("/api/v1/people", HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))["items"]


def test_a_client_that_does_not_ask_gets_plain_html(client):
    person = UserFactory()
    log_in(client, person.email)

    response = client.get("/")

    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert response.content.lstrip().startswith(b"<!doctype html>")


def test_before_collection_pages_link_the_plain_files_which_are_served(client):
    html = client.get("/accounts/login/").content.decode()

    assert 'href="/static/aims/aims.css"' in html
    assert client.get("/static/aims/aims.css").status_code == 200


def test_collected_static_files_are_hashed_compressed_and_cached_for_a_year(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"  # resets the storage, which then reads this folder's manifest
    call_command("collectstatic", interactive=False, verbosity=0)

    client = Client()  # a new client builds its middleware, so WhiteNoise indexes the collected files
    html = client.get("/accounts/login/").content.decode()
    stylesheet = re.search(r'href="(/static/aims/aims\.[0-9a-f]{12}\.css)"', html)
    assert stylesheet, html[:500]

    response = client.get(stylesheet.group(1), HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert response["Cache-Control"] == f"max-age={YEAR}, public, immutable"
    body = gzip.decompress(b"".join(response.streaming_content)).decode()
    assert body == (settings.BASE_DIR / "static" / "aims" / "aims.css").read_text()
    # Only the hashed copies are kept and compressed; the plain name is still answered (from the app's folder).
    assert not (settings.STATIC_ROOT / "aims" / "aims.css").exists()
    assert client.get("/static/aims/aims.css").status_code == 200
    # Source maps (for developer tools only) are copied, not compressed: most of the bytes, and of the start-up time.
    maps = list(settings.STATIC_ROOT.rglob("*.map"))
    assert maps and not list(settings.STATIC_ROOT.rglob("*.map.gz")) and not list(settings.STATIC_ROOT.rglob("*.map.br"))
