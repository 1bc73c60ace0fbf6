"""`aims ledger verify` as the user runs it: a process of its own that neither configures Django nor loads the web
stack, and gives the same verdict (chain, checkpoints, exit code) as the in-process verification."""

import sqlite3
import subprocess
import sys

import pytest

from aims.core import checkpoints, ledger_chain
from aims.core.tests.conftest import environment

pytestmark = pytest.mark.django_db

PROBE = """
import sys
from aims.core.ledger_verify import main
code = main(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m.startswith(("django.db", "django.contrib", "ninja", "allauth", "huey")))
from django.apps import apps
print("loaded:", ",".join(loaded) or "-", "apps ready:", apps.ready)
sys.exit(code)
"""


def fill(database, count):
    """`count` correctly chained events written straight into the table, as the product writes them."""
    connection = sqlite3.connect(database)
    prev = ledger_chain.GENESIS
    for seq in range(1, count + 1):
        created = f"2025-03-04 05:06:07.{seq:06d}"
        texts = ("job:test", "core.orgunit.update", "core.orgunit", "1", "Unit", "{}", '{"name":"Unit %d"}' % seq,
                 "", "")
        digest = ledger_chain.hash_v2(prev, seq, created, None, *texts)
        connection.execute(f"INSERT INTO core_ledgerevent ({', '.join(ledger_chain.COLUMNS)}) "
                           f"VALUES ({', '.join(['?'] * 15)})", (seq, created, None, *texts, prev, digest, 2))
        prev = digest
    connection.commit()
    connection.close()
    return prev


def run(installation, *args):
    return subprocess.run([sys.executable, "-c", PROBE, *args], env=environment(installation.data_dir),
                          capture_output=True, text=True, timeout=120)


def test_the_command_verifies_without_loading_django_and_checks_the_checkpoints(sqlite_installation):
    head = fill(sqlite_installation.database, 40)
    key_pem = checkpoints.generate_private_key_pem()
    (sqlite_installation.data_dir / "ledger-signing-key.pem").write_bytes(key_pem)
    key = checkpoints.load_private_key(key_pem)
    checkpoints.append(sqlite_installation.data_dir / "ledger-checkpoints.jsonl", checkpoints.make(key, 40, head, "t"))

    done = run(sqlite_installation)
    assert done.returncode == 0, done.stderr
    assert f"ledger intact: 40 events, head {head}" in done.stdout
    assert "signed checkpoint: event #40" in done.stdout
    assert "loaded: - apps ready: False" in done.stdout  # Django not set up: no ORM, no apps, no API, no allauth

    connection = sqlite3.connect(sqlite_installation.database)
    connection.execute("DROP TRIGGER ledger_no_delete")
    connection.execute("DELETE FROM core_ledgerevent WHERE id > 35")
    connection.commit()
    connection.close()
    done = run(sqlite_installation)
    assert done.returncode == 1 and "removed from its end" in done.stderr

    via_console_script = subprocess.run([sys.executable, "-m", "aims.cli", "ledger", "verify"],
                                        env=environment(sqlite_installation.data_dir), capture_output=True, text=True,
                                        timeout=120)
    assert via_console_script.returncode == 1 and via_console_script.stderr == done.stderr
