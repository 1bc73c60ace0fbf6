"""Error pages: in the product's layout and the reader's language, saying what to do next and, only where it leaks
nothing, who can help."""

import pytest
from django.test import Client
from django.urls import include, path, reverse

from aims.core import services
from aims.core.models import User
from aims.inventory.models import AISystem

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("kaboom")


def _bad(request):
    from django.core.exceptions import SuspiciousOperation

    raise SuspiciousOperation("tampered")


urlpatterns = [path("boom/", _boom), path("bad/", _bad), path("", include("aims.urls"))]
from aims.urls import handler400, handler403, handler404, handler500  # noqa: E402,F401 (this test URLconf's handlers)


@pytest.fixture
def french(role_user, org):
    person = role_user("viewer", org["north"])
    User.objects.filter(pk=person.pk).update(language="fr")
    person.refresh_from_db()
    return person


def test_404_is_in_the_layout_in_the_readers_language_and_names_no_object(client, french, admin_user):
    client.force_login(french)
    response = client.get("/no/such/page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="fr">' in page and 'class="mainnav"' in page  # the product's layout, signed in
    assert "Page introuvable" in page and "Aller à votre page d'accueil" in page


def test_404_names_only_administrators_the_reader_may_see(client, org, role_user, admin_user):
    # The administrator holds their role over the whole organisation but sits in no unit the viewer sees.
    viewer = role_user("viewer", org["south"])
    client.force_login(viewer)
    assert str(admin_user) not in client.get("/no/such/page/").content.decode()
    services.update_person(actor=admin_user, person=admin_user, changes={"unit": org["south"]})
    page = client.get("/no/such/page/").content.decode()
    assert str(admin_user) in page and f"mailto:{admin_user.email}" in page


def test_404_for_an_object_outside_the_scope_says_nothing_of_it(client, org, role_user, admin_user):
    system = AISystem.objects.create(name="Secret scoring", reference_code="AIS-SECRET", unit=org["south"],
                                     owner=admin_user)
    client.force_login(role_user("viewer", org["north"]))
    response = client.get(reverse("inventory:system_detail", args=[system.pk]))
    assert response.status_code == 404
    assert "Secret scoring" not in response.content.decode() and str(admin_user) not in response.content.decode()


def test_403_on_a_visible_object_names_its_owner(client, org, role_user, admin_user):
    owner = role_user("system_owner", org["north"])
    system = AISystem.objects.create(name="Chat helper", reference_code="AIS-CHAT", unit=org["north"],
                                     owner=owner)
    viewer = role_user("viewer", org["north"])
    client.force_login(viewer)
    response = client.get(reverse("inventory:system_edit", args=[system.pk]))
    page = response.content.decode()
    assert response.status_code == 403
    assert "Chat helper" in page and f"Its owner is {owner}" in page
    assert reverse("inventory:system_detail", args=[system.pk]) in page


def test_403_without_an_object_explains_roles(client, org, role_user):
    client.force_login(role_user("viewer", org["north"]))
    response = client.get(reverse("ledger"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "You are not allowed to read the ledger." in page and "ask for the role" in page


def test_a_refused_csrf_token_gets_the_products_page(org, french):
    client = Client(enforce_csrf_checks=True)
    client.force_login(french)
    response = client.post(reverse("notifications_mark_read"))
    page = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="fr">' in page and "Ce formulaire a expiré" in page and "Rien n'a été enregistré" in page


@pytest.mark.urls("aims.core.tests.test_error_pages")
def test_500_keeps_the_layout_and_gives_a_reference(org, french):
    client = Client(raise_request_exception=False)
    client.force_login(french)
    response = client.get("/boom/", HTTP_X_REQUEST_ID="ref-1234")
    page = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="fr">' in page and "ref-1234" in page and "kaboom" not in page


@pytest.mark.urls("aims.core.tests.test_error_pages")
def test_400_says_what_to_do(client, org, french):
    client.force_login(french)
    response = client.get("/bad/")
    assert response.status_code == 400 and "tampered" not in response.content.decode()


def test_the_500_page_renders_even_when_the_layout_cannot(client, org, french, monkeypatch):
    from aims.core import views_errors

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(views_errors, "render", broken)
    request = type("Request", (), {"request_id": "ref-9"})()
    response = views_errors.server_error(request)
    assert response.status_code == 500 and "ref-9" in response.content.decode()


def test_api_errors_stay_json(client, org, french):
    client.force_login(french)
    response = client.get("/api/v1/no-such-route/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")

