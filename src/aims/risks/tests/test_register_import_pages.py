"""The import page: check (dry run), then import all or nothing; problems shown next to the file field or by row."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aims.risks.models import Risk

pytestmark = pytest.mark.django_db


@pytest.fixture
def chatbot(make_system):
    return make_system(reference_code="AIS-CHAT")


def upload(text: str, name: str = "register.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_check_then_import_through_the_page(client, method, owner, chatbot):
    client.force_login(owner)
    url = reverse("risks:risk_import")
    assert client.get(url).status_code == 200
    text = f"title,category,owner_email,systems,inherent_likelihood,inherent_impact\nX,security,{owner.email},AIS-CHAT,2,2\n"
    page = client.post(url, {"file": upload(text), "action": "check"})
    assert page.status_code == 200 and "1 risks to create" in page.content.decode()
    assert Risk.objects.count() == 0
    page = client.post(url, {"file": upload(text), "action": "import"})
    assert "Imported: 1 risks created" in page.content.decode()
    assert Risk.objects.get().inherent_level == "medium"


def test_file_problems_sit_next_to_the_field_and_row_problems_are_listed(client, method, owner, chatbot):
    client.force_login(owner)
    url = reverse("risks:risk_import")
    page = client.post(url, {"file": upload("not,a,register\n"), "action": "import"}).content.decode()
    assert 'class="field-error" id="id_file_error"' in page and "unknown columns: not, a, register" in page
    text = "title,category,owner_email\n<script>x</script>,security,ghost@example.com\n"
    page = client.post(url, {"file": upload(text), "action": "import"}).content.decode()
    assert "row 2, column owner_email: no person with this e-mail" in page
    assert "<script>x</script>" not in page  # nothing from the file reaches the page unescaped
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
