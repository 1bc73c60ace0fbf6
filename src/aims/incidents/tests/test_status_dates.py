"""An incident is not contained, resolved or closed before it was detected: refused by the service and the API."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from aims.core.tests.api_helpers import assert_error, call, token_for
from aims.incidents import services
from aims.incidents.models import Incident

pytestmark = pytest.mark.django_db


def report(handler, org, detected_at):
    return services.create_incident(actor=handler, title="Model outage", category="malfunction", severity="low",
                                    unit=org["north"], detected_at=detected_at, aware_at=detected_at)


def test_containment_before_detection_is_refused_by_the_service(handler, org, clock):
    incident = report(handler, org, clock.time - timedelta(hours=2))
    with pytest.raises(ValidationError) as refused:
        services.change_status(actor=handler, incident=incident, status="contained",
                               at=clock.time - timedelta(hours=3))
    assert list(refused.value.message_dict) == ["at"]
    assert "before the detection of the incident" in refused.value.message_dict["at"][0]
    services.change_status(actor=handler, incident=incident, status="contained", at=clock.time - timedelta(hours=1))
    assert Incident.objects.get(pk=incident.pk).status == "contained"


def test_and_by_the_api(client, handler, org, clock):
    incident = report(handler, org, clock.time - timedelta(hours=2))
    response = call(client, "POST", f"/incidents/{incident.pk}/status",
                    {"status": "resolved", "at": (clock.time - timedelta(days=1)).isoformat()},
                    token=token_for(handler))
    assert_error(response, 422, "validation_error", {"at"})
    assert Incident.objects.get(pk=incident.pk).status == "reported"
