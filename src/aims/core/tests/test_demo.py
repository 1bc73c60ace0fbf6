"""`aims demo` loads the demo organisation once: its groups match what the catalogues ask for, and it is ledgered."""

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


def test_modules_add_their_demo_data_through_the_registry(db):
    from aims.inventory.models import AISystem
    from aims.risks.demo import CHATBOT_REFERENCE

    assert "risks" in demo._LOADERS  # registered by RisksConfig.ready, core imports no domain app
    demo.load()
    assert AISystem.objects.filter(reference_code=CHATBOT_REFERENCE).exists()
