"""Policies as living documents: draft, review, approval by someone other than the author (approvals inbox),
publication to the audience, acknowledgements pinned to the text's SHA-256, re-acknowledgement only after a material
change, scheduled reviews, templates, and role descriptions acknowledged by the holders of the role."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from aims.compliance import services
from aims.compliance.models import PolicyAcknowledgement, PolicyVersion
from aims.compliance.services import policies
from aims.core import context, services as core
from aims.core.models import Task
from aims.core.testing import person_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(unit):
    return person_with_role("administrator", None, home_unit=unit)


@pytest.fixture
def team(unit):
    members = [person_with_role("viewer", unit), person_with_role(None, home_unit=unit)]
    return core.create_group(actor=person_with_role("administrator"), name="Credit analysts", members=members), members


def publish(author, approver, version):
    services.submit_policy_version(actor=author, version=version)
    services.approve_policy_version(actor=approver, version=version, comment="OK")
    return services.publish_policy_version(actor=author, version=version)


def test_v1_approved_published_and_acknowledged_by_a_group_while_v2_is_drafted(frameworks, author, aims_manager, team):
    group, members = team
    policy = services.create_policy(actor=author, template_key="ai_policy", owner=aims_manager, groups=[group])
    v1 = policy.versions.get()
    assert v1.status == "draft" and "## Purpose" in v1.body and policy.title == "AI policy"
    assert set(policy.requirements.values_list("ref", flat=True)) == {"A.2.2", "5.2"}
    services.submit_policy_version(actor=author, version=v1)
    assert Task.objects.filter(assignee=aims_manager, source=f"approval.compliance.policy.{v1.pk}").exists()
    with pytest.raises(PermissionDenied, match="your own work"):
        services.approve_policy_version(actor=author, version=v1)
    services.approve_policy_version(actor=aims_manager, version=v1)
    services.publish_policy_version(actor=author, version=v1)
    policy.refresh_from_db()
    v1.refresh_from_db()
    assert policy.published_version == v1 and policy.next_review_date == policies.add_months(context.today(), 12)
    for member in members:
        assert Task.objects.get(assignee=member, source=f"compliance.policy_ack.{v1.pk}").done_at is None
        acknowledgement = services.acknowledge(actor=member, policy=policy)
        assert acknowledgement.sha256 == hashlib.sha256(v1.body.encode()).hexdigest() == v1.sha256
        assert Task.objects.get(assignee=member, source=f"compliance.policy_ack.{v1.pk}").done_at is not None
    v2 = services.start_new_version(actor=aims_manager, policy=policy)
    services.edit_draft(actor=aims_manager, version=v2, body=v1.body + "\n## Scope\nEvery AI use.\n",
                        change_summary="Scope section", material=False)
    policy.refresh_from_db()
    assert policy.published_version == v1  # v1 stays in force while v2 is drafted
    with pytest.raises(PermissionDenied):
        services.acknowledge(actor=person_with_role("viewer"), policy=policy)  # not in the audience


def test_only_a_material_change_asks_again(frameworks, author, aims_manager, team):
    group, members = team
    policy = services.create_policy(actor=author, title="Use of generative AI", body="Use approved tools only.",
                                    owner=aims_manager, groups=[group])
    v1 = publish(author, aims_manager, policy.versions.get())
    services.acknowledge(actor=members[0], policy=policy)
    v2 = services.start_new_version(actor=author, policy=policy)
    services.edit_draft(actor=author, version=v2, body="Use approved tools only, never personal accounts.",
                        change_summary="Wording", material=False)
    publish(author, aims_manager, v2)
    policy.refresh_from_db()
    assert policies.has_acknowledged(members[0], policy) and not policies.has_acknowledged(members[1], policy)
    assert not Task.objects.filter(source=f"compliance.policy_ack.{v2.pk}").exists()
    v3 = services.start_new_version(actor=author, policy=policy)
    services.edit_draft(actor=author, version=v3, body="New rules.", change_summary="Rewritten", material=True)
    publish(author, aims_manager, v3)
    policy.refresh_from_db()
    v1.refresh_from_db()
    assert not policies.has_acknowledged(members[0], policy)
    assert Task.objects.filter(assignee=members[0], source=f"compliance.policy_ack.{v3.pk}").exists()
    assert PolicyAcknowledgement.objects.get(person=members[0], version=v1).sha256 == v1.sha256
    v1.refresh_from_db()
    assert v1.status == "retired"


def test_role_descriptions_are_acknowledged_by_the_role_holders(frameworks, author, aims_manager, unit):
    owner = person_with_role("system_owner", unit)
    policy = services.create_policy(actor=author, template_key="roles", owner=aims_manager,
                                    roles=["system_owner"])
    publish(author, aims_manager, policy.versions.get())
    assert policy.kind == "role_description" and list(policy.audience()) == [owner]
    services.acknowledge(actor=owner, policy=policy)
    policy.refresh_from_db()
    assert policies.has_acknowledged(owner, policy)


def test_a_submitted_text_cannot_change_and_reviews_raise_tasks(frameworks, author, aims_manager):
    policy = services.create_policy(actor=author, title="Data policy", body="Text", owner=aims_manager)
    version = policy.versions.get()
    services.submit_policy_version(actor=author, version=version)
    with pytest.raises(ValidationError, match="Only a draft"):
        services.edit_draft(actor=author, version=version, body="Other text")
    services.approve_policy_version(actor=aims_manager, version=version)
    services.publish_policy_version(actor=author, version=version)
    policy.refresh_from_db()
    assert policies.open_due_reviews(on=policy.next_review_date - timedelta(days=1)) == 0
    assert policies.open_due_reviews(on=policy.next_review_date) == 1
    task = Task.objects.get(assignee=aims_manager, source=f"compliance.policy_review.{policy.pk}")
    services.record_policy_review(actor=aims_manager, policy=policy, outcome="Still fit for purpose")
    task.refresh_from_db()
    assert task.done_at is not None


def test_policy_pages(client, frameworks, author, aims_manager, team):
    group, members = team
    policy = services.create_policy(actor=author, template_key="responsible_use", owner=aims_manager,
                                    groups=[group])
    publish(author, aims_manager, policy.versions.get())
    client.force_login(members[1])  # no role at all: the policy is addressed to them
    assert client.get(reverse("compliance:policy_list") + "?mine=1").content.decode().count("data-to-acknowledge") == 1
    page = client.get(policy.get_absolute_url()).content.decode()
    assert "I have read this text" in page
    client.post(reverse("compliance:policy_acknowledge", args=[policy.pk]))
    assert "data-acknowledged" in client.get(policy.get_absolute_url()).content.decode()


def test_a_draft_is_written_and_submitted_from_its_page(client, frameworks, author, aims_manager):
    client.force_login(author)
    response = client.post(reverse("compliance:policy_create"), {"title": "Use of generative AI tools",
                                                                 "owner": author.pk, "review_every_months": 12})
    assert response.status_code == 302
    version = PolicyVersion.objects.get(policy__title="Use of generative AI tools")
    page = client.get(version.get_absolute_url()).content.decode()
    assert 'name="body"' in page
    response = client.post(reverse("compliance:policy_version_edit", args=[version.policy_id, 1]),
                           {"version": version.version, "body": "## Rules\n1. Only approved tools.",
                            "change_summary": ""})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.body == "## Rules\n1. Only approved tools." and "<h2>Rules</h2>" in version.body_html
    client.post(reverse("compliance:policy_version_submit", args=[version.policy_id, 1]))
    version.refresh_from_db()
    assert version.status == "in_review"
