"""The import page follows the product's one import pattern (as the inventory's): choose a file, check it (a dry run
listing each row's problems), confirm; all or nothing. Problems sit next to the file field or are listed by row."""

import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aims.core.periodic import run_periodic
from aims.inventory.models import AISystem
from aims.risks.models import Risk
from aims.risks.views_import import SESSION_KEY, UPLOAD_DIR

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _storage_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def chatbot(make_system):
    return make_system(reference_code="AIS-CHAT")


def upload(text: str, name: str = "register.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def register_csv(owner) -> str:
    return (f"title,category,owner_email,systems,inherent_likelihood,inherent_impact\n"
            f"X,security,{owner.email},AIS-CHAT,2,2\n")


def stored(settings) -> list:
    folder = settings.MEDIA_ROOT / UPLOAD_DIR
    return list(folder.iterdir()) if folder.exists() else []


def test_check_then_confirm_through_the_page(client, method, owner, chatbot, settings):
    client.force_login(owner)
    url = reverse("risks:risk_import")
    assert client.get(url).status_code == 200
    page = client.post(url, {"file": upload(register_csv(owner)), "step": "check"})
    body = page.content.decode()
    assert page.status_code == 200 and "data-import-preview" in body and "1 risks to create" in body
    assert Risk.objects.count() == 0 and len(stored(settings)) == 1  # nothing written; the file waits for the yes
    token = client.session[SESSION_KEY]["token"]
    done = client.post(url, {"step": "apply", "token": token}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("risks:register")
    assert "Imported: 1 risks created" in done.content.decode()
    assert Risk.objects.get().inherent_level == "medium" and stored(settings) == []
    again = client.post(url, {"step": "apply", "token": token}, follow=True)  # a second confirmation imports nothing
    assert "has expired or was already done" in again.content.decode() and Risk.objects.count() == 1


def test_the_upload_form_only_checks(client, method, owner, chatbot):
    """No way to import a file nobody has checked: the one button of the upload form is the dry run."""
    client.force_login(owner)
    url = reverse("risks:risk_import")
    page = client.get(url).content.decode()
    assert 'value="check"' in page and 'value="apply"' not in page and 'value="import"' not in page
    forged = client.post(url, {"file": upload(register_csv(owner)), "step": "apply", "token": "guess"}, follow=True)
    assert "has expired or was already done" in forged.content.decode() and Risk.objects.count() == 0


def test_file_problems_sit_next_to_the_field_and_row_problems_are_listed(client, method, owner, chatbot, settings):
    client.force_login(owner)
    url = reverse("risks:risk_import")
    page = client.post(url, {"file": upload("not,a,register\n"), "step": "check"}).content.decode()
    assert 'class="field-error" id="id_file_error"' in page and "unknown columns: not, a, register" in page
    text = "title,category,owner_email\n<script>x</script>,security,ghost@example.com\n"
    page = client.post(url, {"file": upload(text), "step": "check"}).content.decode()
    assert "row 2, column owner_email: no person with this e-mail" in page
    assert "<script>x</script>" not in page  # nothing from the file reaches the page unescaped
    assert 'value="apply"' not in page  # a file with problems cannot be confirmed, and is not kept
    assert Risk.objects.count() == 0 and stored(settings) == [] and SESSION_KEY not in client.session


def test_all_or_nothing_when_the_register_changed_since_the_check(client, method, owner, chatbot, settings):
    client.force_login(owner)
    url = reverse("risks:risk_import")
    text = register_csv(owner) + f"Y,privacy,{owner.email},AIS-CHAT,1,1\n"
    client.post(url, {"file": upload(text), "step": "check"})
    AISystem.objects.filter(pk=chatbot.pk).update(reference_code="AIS-RENAMED")  # meanwhile, elsewhere
    page = client.post(url, {"step": "apply", "token": client.session[SESSION_KEY]["token"]}).content.decode()
    assert "Nothing was imported" in page and "AIS-CHAT" in page
    assert Risk.objects.count() == 0 and stored(settings) == []


def test_cancel_and_abandoned_uploads_leave_nothing_behind(client, method, owner, chatbot, settings):
    client.force_login(owner)
    url = reverse("risks:risk_import")
    client.post(url, {"file": upload(register_csv(owner)), "step": "check"})
    assert len(stored(settings)) == 1
    client.post(url, {"step": "cancel"})
    assert stored(settings) == [] and SESSION_KEY not in client.session
    client.post(url, {"file": upload(register_csv(owner)), "step": "check"})
    assert run_periodic("risks-import-uploads") == 0  # a fresh check stays until confirmed
    old = time.time() - 2 * 24 * 3600
    os.utime(stored(settings)[0], (old, old))
    assert run_periodic("risks-import-uploads") == 1 and stored(settings) == []
    assert Risk.objects.count() == 0


def test_people_who_cannot_add_risks_cannot_import(client, method, role_user, org):
    client.force_login(role_user("viewer", org["north"]))
    assert client.get(reverse("risks:risk_import")).status_code == 403


def test_template_and_export_for_import_downloads(client, method, owner, chatbot, make_risk):
    make_risk(systems=[chatbot], title="=HYPERLINK(\"http://evil\")", inherent_likelihood=1, inherent_impact=1)
    client.force_login(owner)
    template = client.get(reverse("risks:import_template", args=["xlsx"]))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")
    assert client.get(reverse("risks:import_template", args=["ods"])).status_code == 404
    exported = client.get(reverse("risks:exchange_export", args=["csv"]))
    body = b"".join(exported.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].startswith("id,title,category")
    assert "'=HYPERLINK" in body and "AIS-CHAT" in body and owner.email in body


def test_the_check_and_its_confirmation_read_in_french(client, method, owner, chatbot):
    owner.language = "fr"
    owner.save(update_fields=["language"])
    client.force_login(owner)
    page = client.post(reverse("risks:risk_import"), {"file": upload(register_csv(owner)), "step": "check"})
    body = page.content.decode()
    assert "Rien n'a encore été écrit" in body or "Rien n&#x27;a encore été écrit" in body
    assert "Importer maintenant" in body and "Vérifier le fichier" in body and "Nothing written" not in body
