"""Shadow AI: any signed-in person declares; AIMS managers convert into the inventory or reject with a reason."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from aims.core.models import Notification
from aims.inventory import services
from aims.inventory.models import AISystem, ShadowAIDeclaration


@pytest.fixture
def employee(role_user, org):
    """Someone with no role at all."""
    return role_user(None, home_unit=org["north_east"])


@pytest.fixture
def declaration(employee, manager):
    return services.declare_shadow_ai(actor=employee, tool_name="ChatHelper", purpose="Draft customer e-mails",
                                      data_involved="Customer names and order numbers (50% of mails)")


def test_anyone_signed_in_may_declare_and_managers_are_told(declaration, employee, manager, org):
    assert declaration.status == ShadowAIDeclaration.Status.NEW
    assert declaration.unit == org["north_east"]
    assert Notification.objects.filter(recipient=manager, kind="inventory.shadow").count() == 1


def test_anonymous_cannot_declare(db):
    with pytest.raises(PermissionDenied):
        services.declare_shadow_ai(actor=AnonymousUser(), tool_name="x", purpose="y")


def test_declarant_sees_only_their_own(declaration, employee, role_user):
    assert list(ShadowAIDeclaration.objects.restrict(employee, "view")) == [declaration]
    assert not ShadowAIDeclaration.objects.restrict(role_user(None), "view").exists()


def test_tool_and_purpose_are_required(employee):
    with pytest.raises(ValidationError) as excinfo:
        services.declare_shadow_ai(actor=employee, tool_name=" ", purpose="x")
    assert "tool_name" in excinfo.value.message_dict


def test_contributor_cannot_triage(declaration, contributor, owner):
    with pytest.raises(PermissionDenied):
        services.convert_shadow_declaration(actor=contributor, declaration=declaration, owner=owner)
    with pytest.raises(PermissionDenied):
        services.reject_shadow_declaration(actor=contributor, declaration=declaration, reason="No")


def test_manager_converts_into_an_owned_system(declaration, manager, owner, employee):
    system = services.convert_shadow_declaration(actor=manager, declaration=declaration, owner=owner,
                                                 criticality="high")
    declaration.refresh_from_db()
    assert declaration.status == ShadowAIDeclaration.Status.TRIAGED and declaration.system == system
    assert (system.name, system.owner, system.unit, system.purpose, system.criticality) == (
        "ChatHelper", owner, declaration.unit, "Draft customer e-mails", "high")
    assert Notification.objects.filter(recipient=employee, title__contains="now in the inventory").exists()
    with pytest.raises(ValidationError):
        services.reject_shadow_declaration(actor=manager, declaration=declaration, reason="late")


def test_rejection_needs_a_reason_that_the_declarant_receives(declaration, manager, employee):
    with pytest.raises(ValidationError):
        services.reject_shadow_declaration(actor=manager, declaration=declaration, reason="")
    services.reject_shadow_declaration(actor=manager, declaration=declaration, reason="Already covered by Copilot 100%")
    declaration.refresh_from_db()
    assert declaration.status == ShadowAIDeclaration.Status.REJECTED
    assert declaration.rejection_reason == "Already covered by Copilot 100%"
    assert Notification.objects.get(recipient=employee, title__contains="rejected").body == "Already covered by Copilot 100%"
    assert not AISystem.objects.exists()
