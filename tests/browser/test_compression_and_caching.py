"""What a browser receives from `aims serve`: pages compressed, static files hashed, compressed and cached for a year."""

from __future__ import annotations

import re

YEAR = 365 * 24 * 60 * 60


def test_the_browser_gets_compressed_pages_and_year_long_cached_static_files(page, base_url, admin_credentials, login):
    responses = []
    page.on("response", lambda response: responses.append(response))
    login(*admin_credentials)
    page.goto(f"{base_url}/inventory/")

    by_path = {re.sub(r"^https?://[^/]+", "", response.url): response for response in responses}
    document = by_path["/inventory/"]
    assert document.status == 200
    assert document.all_headers()["content-encoding"] == "gzip"

    stylesheets = [path for path in by_path if re.fullmatch(r"/static/aims/aims\.[0-9a-f]{12}\.css", path)]
    assert stylesheets, sorted(by_path)
    stylesheet = by_path[stylesheets[0]].all_headers()
    assert stylesheet["content-encoding"] in ("br", "gzip")  # Brotli when installed (WeasyPrint's fonttools brings it)
    assert stylesheet["cache-control"] == f"max-age={YEAR}, public, immutable"
    scripts = [path for path in by_path if path.startswith("/static/") and path.endswith(".js")]
    assert scripts and all(re.search(r"\.[0-9a-f]{12}\.js$", path) for path in scripts), scripts
