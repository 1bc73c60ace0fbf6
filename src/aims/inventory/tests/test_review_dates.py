"""Dates that make no sense are refused in one place, the service, so the page, the API and an import agree: a next
review in the past (an overdue date already stored may stay as it is)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from aims.core import context
from aims.core.tests.api_helpers import assert_error, call, token_for
from aims.inventory import services
from aims.inventory.models import AISystem

pytestmark = pytest.mark.django_db

PAST_MESSAGE = "This date is in the past: choose today or a later date."


def yesterday():
    return context.today() - dt.timedelta(days=1)


def test_the_service_refuses_a_next_review_in_the_past_when_registering_or_changing_it(make_system, manager):
    with pytest.raises(ValidationError) as refused:
        make_system(next_review_date=yesterday())
    assert refused.value.message_dict == {"next_review_date": [PAST_MESSAGE]}
    system = make_system(next_review_date=context.today())
    with pytest.raises(ValidationError):
        services.update_system(actor=manager, system=system, changes={"next_review_date": yesterday()})
    # Time passed and the review is overdue: other changes still save, the overdue date stays as it is.
    AISystem.objects.filter(pk=system.pk).update(next_review_date=yesterday())
    system.refresh_from_db()
    services.update_system(actor=manager, system=system, changes={"purpose": "Rank CVs",
                                                                  "next_review_date": yesterday()})


def test_the_api_and_the_page_say_why(client, make_system, manager):
    system = make_system()
    response = call(client, "PATCH", f"/systems/{system.pk}", {"version": system.version,
                                                              "next_review_date": yesterday().isoformat()},
                    token=token_for(manager))
    error = assert_error(response, 422, "validation_error", {"next_review_date"})
    assert PAST_MESSAGE in str(error)
    client.force_login(manager)
    page = client.get(reverse("inventory:system_edit", args=[system.pk]))
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(next_review_date=yesterday().isoformat(), owner=system.owner_id, unit=system.unit_id)
    response = client.post(reverse("inventory:system_edit", args=[system.pk]), {k: v for k, v in data.items()
                                                                               if v is not None})
    assert response.status_code == 400
    assert PAST_MESSAGE in response.content.decode()


def test_french_readers_get_the_message_in_french(client, make_system, manager):
    from django.utils import translation

    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        make_system(next_review_date=yesterday())
    assert "passé" in refused.value.message_dict["next_review_date"][0]
