"""A risk's next review cannot be set in the past, whether typed on the page, sent to the API or imported (the dry run
names the row); a review date that became overdue stays as it is when something else changes."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from aims.core import context
from aims.core.tests.api_helpers import assert_error, call
from aims.risks import importing, services
from aims.risks.models import Risk

pytestmark = pytest.mark.django_db

PAST = "This date is in the past: choose today or a later date."


def test_the_service_refuses_a_past_review_date_but_keeps_an_overdue_one(make_risk, owner):
    risk = make_risk(inherent_likelihood=2, inherent_impact=2)
    yesterday = context.today() - timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.update_risk(actor=owner, risk=risk, changes={"next_review_date": yesterday})
    assert refused.value.message_dict == {"next_review_date": [PAST]}
    services.update_risk(actor=owner, risk=Risk.objects.get(pk=risk.pk),
                         changes={"next_review_date": context.today()})
    Risk.objects.filter(pk=risk.pk).update(next_review_date=yesterday)  # time passed
    risk = services.update_risk(actor=owner, risk=Risk.objects.get(pk=risk.pk),
                                changes={"title": "Renamed", "next_review_date": yesterday})
    assert risk.title == "Renamed"


def test_the_api_refuses_it_on_the_field(client, make_risk, owner):
    risk = make_risk(inherent_likelihood=2, inherent_impact=2)
    client.force_login(owner)
    response = call(client, "PATCH", f"/risks/{risk.pk}", {
        "version": risk.version, "next_review_date": (context.today() - timedelta(days=3)).isoformat()})
    assert PAST in str(assert_error(response, 422, "validation_error", {"next_review_date"}))


def test_the_import_dry_run_names_the_row(method, owner, make_system):
    make_system(reference_code="AIS-CHAT")
    past = (context.today() - timedelta(days=10)).isoformat()
    data = ("title,category,owner_email,systems,inherent_likelihood,inherent_impact,next_review_date\n"
            f"X,security,{owner.email},AIS-CHAT,2,2,{past}\n").encode()
    report = importing.import_risks(actor=owner, data=data, filename="r.csv", dry_run=True)
    assert [str(p) for p in report.problems] == [f"row 2, column next_review_date: {PAST}"]
