"""The supplier import page follows the one import pattern: choose a file, check it (a dry run listing every row's
problems), confirm with Import now (the held file is re-read and re-checked); a file never checked is not imported;
abandoned uploads are purged daily."""

import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aims.core.periodic import run_periodic
from aims.core.testing import person_with_role
from aims.suppliers.models import Supplier
from aims.suppliers.views_import import PENDING

pytestmark = pytest.mark.django_db
URL = reverse("suppliers:supplier_import")


@pytest.fixture(autouse=True)
def _storage_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


def upload(text: str, name: str = "suppliers.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def held(settings) -> list:
    folder = settings.MEDIA_ROOT / PENDING.directory
    return list(folder.iterdir()) if folder.exists() else []


def test_check_then_import_now(client, procurement, settings):
    client.force_login(procurement)
    assert 'href="/suppliers/import/"' in client.get(reverse("suppliers:supplier_list")).content.decode()
    form = client.get(URL).content.decode()
    assert '/suppliers/export/?format=xlsx' in form  # the export is the template
    page = client.post(URL, {"step": "check", "file": upload(
        f"Legal name,Managing unit code,Internal owner\nLumen Ltd,north,{procurement.email}\n<b>Bold</b> SA,north,\n")})
    body = page.content.decode()
    assert page.status_code == 200 and "data-import-preview" in body and "2 suppliers to create" in body
    assert Supplier.objects.count() == 0 and len(held(settings)) == 1  # nothing written; the file waits
    token = client.session[PENDING.session_key]["token"]
    done = client.post(URL, {"step": "apply", "token": token}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("suppliers:supplier_list")
    assert "Imported: 2 suppliers created" in done.content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; SA" in done.content.decode()  # escaped on the register
    assert Supplier.objects.count() == 2 and held(settings) == []
    again = client.post(URL, {"step": "apply", "token": token}, follow=True)  # a second confirmation: nothing
    assert "has expired or was already done" in again.content.decode() and Supplier.objects.count() == 2


def test_row_problems_are_listed_and_the_file_is_not_kept(client, procurement, settings):
    client.force_login(procurement)
    page = client.post(URL, {"step": "check", "file": upload("Legal name,Country\n,FR\nAcme,France\n")})
    body = page.content.decode()
    assert page.status_code == 400 and "data-import-errors" in body and "Import now" not in body
    assert "row 2, column Legal name: the legal name is required" in body
    assert "row 3, column Country: give the two-letter ISO 3166 code" in body
    assert held(settings) == [] and PENDING.session_key not in client.session


def test_an_unchecked_file_cannot_be_imported(client, procurement, settings):
    client.force_login(procurement)
    refused = client.post(URL, {"step": "apply", "token": "made-up", "file": upload("Legal name\nAcme\n")},
                          follow=True)
    assert "has expired or was already done" in refused.content.decode() and Supplier.objects.count() == 0
    assert client.post(URL, {"step": "check"}).status_code == 400  # no file chosen


def test_a_register_changed_since_the_check_is_refused_as_a_whole(client, procurement, make_supplier):
    client.force_login(procurement)
    client.post(URL, {"step": "check", "file": upload("Legal name,Managing unit code\nLumen Language Models Ltd,north\n"
                                                       "Other Ltd,north\n")})
    make_supplier()  # registered by someone else meanwhile
    page = client.post(URL, {"step": "apply", "token": client.session[PENDING.session_key]["token"]})
    assert page.status_code == 400 and "already in the register" in page.content.decode()
    assert Supplier.objects.count() == 1


def test_cancel_and_the_daily_purge(client, procurement, settings):
    client.force_login(procurement)
    client.post(URL, {"step": "check", "file": upload("Legal name,Managing unit code\nAcme,north\n")})
    assert len(held(settings)) == 1
    client.post(URL, {"step": "cancel"})
    assert held(settings) == [] and PENDING.session_key not in client.session
    client.post(URL, {"step": "check", "file": upload("Legal name,Managing unit code\nAcme,north\n")})  # abandoned
    assert run_periodic("suppliers-import-uploads") == 0  # a fresh check waits for its confirmation
    old = time.time() - 25 * 3600
    os.utime(held(settings)[0], (old, old))
    assert run_periodic("suppliers-import-uploads") == 1 and held(settings) == []


def test_only_people_who_may_add_suppliers_import(client, org):
    reader = person_with_role("contributor", org["north"])
    client.force_login(reader)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"step": "check", "file": upload("Legal name\nAcme\n")}).status_code == 403
    assert 'href="/suppliers/import/"' not in client.get(reverse("suppliers:supplier_list")).content.decode()


def test_the_page_in_french(client, procurement):
    procurement.language = "fr"
    procurement.save(update_fields=["language"])
    client.force_login(procurement)
    page = client.post(URL, {"step": "check", "file": upload("Raison sociale,Pays\n,FR\n")})
    body = page.content.decode()
    assert "Importer des fournisseurs" in body and "ligne 2" in body
