#!/usr/bin/env python3
"""Take the README's screenshot of the home page (docs/screenshot-home.png, 1280x800).

    .venv/bin/python scripts/screenshot.py              # a running demo on http://127.0.0.1:8000 (`make demo`)
    .venv/bin/python scripts/screenshot.py --fresh      # start a throwaway demo, shoot it, stop it

The login defaults to the one `aims demo` keeps in $AIMS_DATA_DIR/demo-login.txt. Uses the browser tests' machinery.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from browser_harness import DemoServer, launch_chromium, log_in, new_context  # noqa: E402


def saved_demo_login() -> tuple[str, str]:
    credentials = Path(os.environ.get("AIMS_DATA_DIR", ROOT / "var")) / "demo-login.txt"
    if not credentials.exists():
        sys.exit(f"No demo login at {credentials}: pass --email and --password, or use --fresh.")
    email, password = credentials.read_text().splitlines()[:2]
    return email, password


def shoot(base_url: str, email: str, password: str, output: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = new_context(browser).new_page()
            log_in(page, base_url, email, password)
            page.goto(f"{base_url}/")
            page.wait_for_load_state("networkidle")
            output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(output))
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--email")
    parser.add_argument("--password")
    parser.add_argument("--fresh", action="store_true", help="serve a throwaway demo instead of using a running one")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "screenshot-home.png")
    args = parser.parse_args()

    if args.fresh:
        with tempfile.TemporaryDirectory(prefix="aims-screenshot-") as data_dir:
            server = DemoServer(data_dir=Path(data_dir)).start()
            try:
                shoot(server.base_url, server.email, server.password, args.output)
            finally:
                server.stop()
    else:
        email, password = (args.email, args.password) if args.email and args.password else saved_demo_login()
        shoot(args.url.rstrip("/"), email, password, args.output)
    print(f"Saved {args.output}")


if __name__ == "__main__":
    main()
