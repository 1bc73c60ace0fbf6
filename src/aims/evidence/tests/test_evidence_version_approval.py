"""An evidence item's current version is signed off through the one "To approve" inbox: the catalogue's approvers
(catalogs/approvals.yaml: the AIMS manager) get a task that opens the item, the uploader never approves her own
upload, a newer version replaces the one waiting, and the approval leaves the inbox."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aims.core import approvals
from aims.core.models import Task
from aims.core.testing import person_with_role
from aims.evidence import services

from .conftest import pdf


def open_tasks(person):
    return list(Task.objects.filter(assignee=person, done_at__isnull=True, source__startswith="approval.evidence"))


def test_an_upload_waits_in_the_approvers_inbox_and_leaves_it_once_approved(client, contributor, manager, unit):
    item = services.create_evidence(actor=contributor, title="Validation report", unit=unit, file=pdf())
    version = item.current_version
    [task] = open_tasks(manager)
    assert task.url == item.get_absolute_url() + "#versions"
    assert not open_tasks(contributor)  # the uploader is never asked
    assert [w.obj for w in approvals.waiting_for(manager)] == [version]
    assert approvals.waiting_for(contributor) == []

    client.force_login(manager)
    page = client.get(item.get_absolute_url()).content.decode()
    assert "data-approvers" in page and str(manager) in page
    assert f"/evidence/{item.pk}/versions/{version.number}/approve/" in page  # the approver's button

    services.approve_version(actor=manager, version=version, comment="Checked")
    version.refresh_from_db()
    assert version.approved_by == manager and version.approved_at is not None
    assert not open_tasks(manager) and approvals.waiting_for(manager) == []
    with pytest.raises(ValidationError, match="already approved"):
        services.approve_version(actor=manager, version=version)


def test_the_uploader_and_people_outside_the_approver_roles_cannot_approve(client, contributor, manager, unit):
    item = services.create_evidence(actor=contributor, title="Validation report", unit=unit, file=pdf())
    colleague = person_with_role("contributor", unit)  # may change the item, is no approver
    with pytest.raises(PermissionDenied, match="your own work"):
        services.approve_version(actor=contributor, version=item.current_version)
    with pytest.raises(PermissionDenied, match=str(manager)):
        services.approve_version(actor=colleague, version=item.current_version)

    client.force_login(contributor)
    page = client.get(item.get_absolute_url()).content.decode()
    assert "data-approval-author" in page and f"/evidence/{item.pk}/versions/1/approve/" not in page
    response = client.post(f"/evidence/{item.pk}/versions/1/approve/", follow=True)
    assert "own work" in response.content.decode()
    item.current_version.refresh_from_db()
    assert item.current_version.approved_at is None


def test_a_new_version_replaces_the_one_waiting(contributor, manager, unit):
    item = services.create_evidence(actor=contributor, title="Validation report", unit=unit, file=pdf())
    first = item.current_version
    second = services.add_version(actor=contributor, item=item, file=pdf(extra=b"%v2\n"))
    [task] = open_tasks(manager)
    assert task.source == approvals.task_source(services.APPROVAL, second)
    assert [w.obj for w in approvals.waiting_for(manager)] == [second]
    with pytest.raises(ValidationError, match="newer version"):
        services.approve_version(actor=manager, version=first)


def test_the_api_approves_through_the_inbox(client, contributor, manager, unit):
    item = services.create_evidence(actor=contributor, title="Validation report", unit=unit, file=pdf())
    client.force_login(manager)
    inbox = client.get("/api/v1/approvals").json()
    assert [(row["kind"], row["object_id"]) for row in inbox["items"]] == [(services.APPROVAL, item.current_version_id)]
    response = client.post(f"/api/v1/approvals/{services.APPROVAL}/{item.current_version_id}/approve",
                           {"comment": "Fine"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert client.get("/api/v1/approvals").json()["count"] == 0
