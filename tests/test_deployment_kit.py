"""The deployment kit says what the scale-out test runs: the commands of tests/scaleout_cluster.py, word for word,
in docs/deployment.md, deploy/compose.yaml, the systemd units and the README; every variable the test gives its
processes in deploy/aims.env.example. Fast and database-free: it runs in every pass, so the documents cannot drift
from the tested path even where PostgreSQL is absent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from scaleout_cluster import (
    CHECK_COMMAND, DOCUMENTED_VALUES, MIGRATE_COMMAND, MIGRATE_ENVIRONMENT, PROCESS_ENVIRONMENT, VERIFY_COMMAND,
    WEB_COMMAND, WORKER_COMMAND,
)

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
WEB, WORKER = WEB_COMMAND.format(**DOCUMENTED_VALUES), WORKER_COMMAND
WHERE = {
    "docs/deployment.md": [CHECK_COMMAND, MIGRATE_COMMAND, WEB, WORKER, VERIFY_COMMAND],
    "README.md": [MIGRATE_COMMAND, WEB, WORKER],
    "deploy/compose.yaml": [CHECK_COMMAND, MIGRATE_COMMAND, WEB, WORKER],
    "deploy/systemd/aims-migrate.service": [CHECK_COMMAND, MIGRATE_COMMAND],
    "deploy/systemd/aims-web.service": [WEB],
    "deploy/systemd/aims-worker.service": [WORKER],
}


@pytest.mark.parametrize("document", sorted(WHERE))
def test_each_document_gives_the_commands_the_scale_out_test_runs(document):
    text = (ROOT / document).read_text()
    for command in WHERE[document]:
        assert re.search(rf"(^|[\s/\"]){re.escape(command)}(\s|$|\"|&)", text, re.M), f"{document}: {command!r}"


def test_no_document_gives_another_way_to_start_a_web_node():
    """Any `aims serve` line in the kit is the tested one (a stale `--workers 4` would be a drift)."""
    for document in WHERE:
        for line in (ROOT / document).read_text().splitlines():
            if "aims serve --host" in line:
                assert WEB in line or "127.0.0.1" in line, f"{document}: {line.strip()}"


def test_every_variable_the_test_gives_its_processes_is_in_the_environment_example():
    example = (DEPLOY / "aims.env.example").read_text()
    for name in (*PROCESS_ENVIRONMENT, *MIGRATE_ENVIRONMENT):
        base = name.removesuffix("_FILE")
        assert re.search(rf"^#?\s*{base}(_FILE)?=", example, re.M), name


def test_the_compose_file_runs_two_web_nodes_and_one_worker_on_the_shared_services_behind_a_proxy():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    web = [name for name, service in services.items() if service.get("command") == WEB]
    workers = [name for name, service in services.items() if service.get("command") == WORKER]
    assert len(web) == 2 and len(workers) == 1
    for name in (*web, *workers):
        service = services[name]
        assert service["env_file"] == "aims.env"
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert any(str(volume).endswith(":/var/lib/aims") for volume in service["volumes"])  # a data dir of its own
    for name in web:
        assert "/readyz" in " ".join(services[name]["healthcheck"]["test"])
    assert {"db", "redis", "s3", "proxy"} <= set(services)
    assert "AIMS_MIGRATE_DATABASE_URL_FILE" in services["migrate"]["environment"]
    assert all("AIMS_MIGRATE_DATABASE_URL" not in str(services[name]) for name in (*web, *workers))
    nginx = (DEPLOY / "nginx.conf").read_text()
    for name in web:
        assert f"server {name}:8000" in nginx
    assert "$proxy_add_x_forwarded_for" in nginx
    assert re.search(r"^AIMS_TRUSTED_PROXY_COUNT=1$", (DEPLOY / "aims.env.example").read_text(), re.M)


def test_the_deployment_page_names_the_probes():
    text = (ROOT / "docs/deployment.md").read_text()
    assert "`GET /healthz`" in text and "`GET /readyz`" in text
