"""A newer BOM refreshes the components and dependencies already in the inventory only when the user confirms, and
only with what it states: the dry run and the import page show, field by field, what a refresh would change."""

import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from aims.core import ledger
from aims.core.models import LedgerEvent
from aims.inventory.exchange import cyclonedx_export, cyclonedx_import
from aims.inventory.models import Component, Dependency, SystemComponent

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "data" / "cyclonedx_mlbom.json"


def _newer() -> bytes:
    """The same BOM a release later: the model's licence and hash changed, torch gained a description and a purl,
    and the first dataset no longer states its description (which must stay as it is)."""
    document = json.loads(FIXTURE.read_text())
    model, cvs, _outcomes, torch = document["components"]
    model["licenses"] = [{"license": {"id": "Apache-2.0"}}]
    model["hashes"] = [{"alg": "SHA-256", "content": "a" * 64}]
    torch.update(description="Tensors and neural networks", purl="pkg:pypi/torch@2.3.1")
    cvs.pop("description", None)
    return json.dumps(document).encode()


@pytest.fixture
def imported(manager, make_system):
    system = make_system(reference_code="AIS-REF")
    assert cyclonedx_import.apply_bom(actor=manager, data=FIXTURE.read_bytes(), filename="v1.json",
                                      system=system).applied
    return system


def test_the_dry_run_shows_what_a_refresh_would_change_field_by_field(manager, imported):
    plan = cyclonedx_import.plan_bom(actor=manager, data=_newer(), filename="v2.json", system=imported)

    assert plan.summary()["components_to_refresh"] == 2 and plan.summary()["components_to_create"] == 0
    model = next(i for i in plan.items if i.fields["name"] == "RankNet CV")
    assert {row["field"] for row in model.diff} >= {"licence", "hash_or_url", "cyclonedx.licenses", "cyclonedx.hashes"}
    licence = next(row for row in model.diff if row["field"] == "licence")
    assert (licence["before"], licence["after"]) == ("Acme commercial licence", "Apache-2.0")
    torch = next(i for i in plan.items if i.fields["name"] == "torch")
    assert torch.refresh["notes"] == "Tensors and neural networks" and torch.refresh["cyclonedx"]["purl"]
    cvs = next(i for i in plan.items if i.fields["name"] == "Historical CVs")
    assert not cvs.refresh  # a description the newer BOM does not state is not a change


def test_without_confirmation_known_components_stay_as_they_are(manager, imported):
    events = LedgerEvent.objects.count()
    result = cyclonedx_import.apply_bom(actor=manager, data=_newer(), filename="v2.json", system=imported)
    assert result.applied and result.refreshed == 0 and LedgerEvent.objects.count() == events
    assert Component.objects.get(name="RankNet CV").licence == "Acme commercial licence"


def test_a_confirmed_refresh_replaces_only_what_the_bom_states_and_is_ledgered(manager, imported):
    description = Component.objects.get(name="Historical CVs").description
    result = cyclonedx_import.apply_bom(actor=manager, data=_newer(), filename="v2.json", system=imported,
                                       refresh=True)
    assert result.applied and result.refreshed == 2

    model = Component.objects.get(name="RankNet CV")
    assert (model.licence, model.hash_or_url) == ("Apache-2.0", "SHA-256:" + "a" * 64)
    assert model.cyclonedx["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert model.cyclonedx["supplier"] == {"name": "Acme AI"}  # kept: stated the same
    assert Component.objects.get(name="Historical CVs").description == description
    torch = Dependency.objects.get(name="torch")
    assert torch.notes == "Tensors and neural networks" and torch.cyclonedx["purl"] == "pkg:pypi/torch@2.3.1"
    event = ledger.history(model).first()
    assert event.action == "inventory.component.update" and event.reason == "Imported from v2.json"
    assert json.loads(event.after)["licence"] == "Apache-2.0"

    again = cyclonedx_import.plan_bom(actor=manager, data=_newer(), filename="v2.json", system=imported)
    assert again.summary()["components_to_refresh"] == 0  # refreshed: nothing differs any more
    exported = cyclonedx_export.system_bom_json(imported)
    assert cyclonedx_import.plan_bom(actor=manager, data=exported.encode(), filename="out.json",
                                     system=imported).summary()["components_to_refresh"] == 0


def test_a_refresh_the_importer_may_not_make_is_refused_and_nothing_is_imported(role_user, org, manager, imported,
                                                                                 make_system):
    contributor = role_user("contributor", org["south"])  # may add in South, not change what North keeps
    southern = make_system(unit=org["south"], name="Southern screening")
    result = cyclonedx_import.apply_bom(actor=contributor, data=_newer(), filename="v2.json", system=southern,
                                       refresh=True)
    assert not result.applied and result.problems
    assert {p.path for p in result.problems} <= {"$.components[0]", "$.components[3]"}
    assert Component.objects.get(name="RankNet CV").licence == "Acme commercial licence"
    assert not SystemComponent.objects.filter(system=southern).exists()  # all or nothing


def test_the_import_page_shows_the_differences_and_refreshes_when_ticked(client, manager, imported):
    client.force_login(manager)
    url = reverse("inventory:import")
    upload = SimpleUploadedFile("v2.json", _newer(), content_type="application/json")
    response = client.post(url, {"step": "preview", "file": upload, "system": imported.pk})
    page = response.content.decode()
    assert response.context["summary"]["components_to_refresh"] == 2
    assert 'data-refresh-diff' in page and 'name="refresh"' in page and "Apache-2.0" in page

    response = client.post(url, {"step": "apply", "token": response.context["token"], "refresh": "1"})
    assert response.status_code == 302
    assert Component.objects.get(name="RankNet CV").licence == "Apache-2.0"


def test_the_command_line_lists_the_differences_and_refreshes_with_the_option(tmp_path, imported):
    bom = tmp_path / "v2.json"
    bom.write_bytes(_newer())
    out = io.StringIO()
    call_command("import", "inventory", str(bom), "--system", "AIS-REF", "--dry-run", stdout=out, stderr=io.StringIO())
    assert "RankNet CV 3.2: 4 field(s) differ (add --refresh to update it)" in out.getvalue()
    assert "Acme commercial licence -> Apache-2.0" in out.getvalue()

    call_command("import", "inventory", str(bom), "--system", "AIS-REF", stdout=io.StringIO(), stderr=io.StringIO())
    assert Component.objects.get(name="RankNet CV").licence == "Acme commercial licence"
    out = io.StringIO()
    call_command("import", "inventory", str(bom), "--system", "AIS-REF", "--refresh", stdout=out,
                 stderr=io.StringIO())
    assert Component.objects.get(name="RankNet CV").licence == "Apache-2.0"
    assert "2 to update" in out.getvalue()
