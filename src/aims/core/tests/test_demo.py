"""`aims demo` loads the demo organisation once: its groups match what the catalogues ask for, and it is ledgered."""

import shutil
from pathlib import Path

import yaml

from aims.core import demo, ledger
from aims.core.models import LedgerEvent, PeopleGroup, User

CATALOGS = Path(demo.__file__).resolve().parent.parent / "catalogs"


def _groups_named_by_catalogues() -> set[str]:
    decisions = yaml.safe_load((CATALOGS / "change_decisions.yaml").read_text(encoding="utf-8"))
    names = {slot["group"] for kind in decisions["kinds"].values() for slot in kind["approvers"] if "group" in slot}
    method = yaml.safe_load((CATALOGS / "risks" / "risk-method-default.yaml").read_text(encoding="utf-8"))
    names |= {group for level in method["levels"] for group in level.get("acceptance_groups", [])}
    return names


def test_the_demo_loads_once_with_the_groups_the_catalogues_name_and_a_valid_ledger(db):
    admin, password = demo.load()
    assert password and admin.check_password(password)
    needed = _groups_named_by_catalogues()
    assert {"AI governance committee", "Data protection officer", "Executive management"} <= needed
    for name in needed:
        assert PeopleGroup.objects.get(name=name).members.exists(), name
    people, events = User.objects.count(), LedgerEvent.objects.count()

    again, no_password = demo.load()  # re-running keeps the data and prints no new login
    assert again == admin and no_password is None
    assert (User.objects.count(), LedgerEvent.objects.count()) == (people, events)
    assert ledger.verify(parallel=False).ok


def test_modules_add_their_demo_data_through_the_registry(demo_admin):
    from aims.inventory.models import AISystem
    from aims.risks.demo import CHATBOT_REFERENCE

    assert "risks" in demo._LOADERS  # registered by RisksConfig.ready, core imports no domain app
    assert AISystem.objects.filter(reference_code=CHATBOT_REFERENCE).exists()


def _fingerprint() -> dict:
    from aims.core import testing_demo

    return {table: sorted(map(repr, testing_demo._rows(model, *testing_demo._columns(model)).values()))
            for table, model in testing_demo._models().items()}


def test_the_copy_later_tests_get_is_the_demo_itself(db, settings):
    """Tests reading the demo get a copy after the first load in their process (aims.core.testing_demo): the very same
    rows (keys, stored dates, the ledger chain) and files, on a database holding only its seed rows again."""
    from django.db import transaction

    from aims.core import testing_demo

    testing_demo._copy = None  # load it for real here, whatever ran before in this process
    with transaction.atomic():
        admin = testing_demo.load_demo()
        loaded = _fingerprint()
        files = sorted(p.relative_to(settings.DATA_DIR) for p in Path(settings.DATA_DIR).rglob("*") if p.is_file())
        transaction.set_rollback(True)
    for path in Path(settings.DATA_DIR).iterdir():  # what the load wrote, gone like its rows
        path.unlink() if path.is_file() else shutil.rmtree(path)
    assert not User.objects.filter(pk=admin.pk).exists()

    assert testing_demo.load_demo() == admin
    assert _fingerprint() == loaded
    assert sorted(p.relative_to(settings.DATA_DIR) for p in Path(settings.DATA_DIR).rglob("*") if p.is_file()) == files
    assert ledger.verify(parallel=False).ok
    assert admin.check_password(testing_demo.PASSWORD)
