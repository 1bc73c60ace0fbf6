"""The lifecycle tab tells what happened: stages jumped over are shown as skipped, and the owner's approval is not
called outdated by the very move it approved."""

import re

import pytest

from aims.inventory import gates, services
from aims.inventory.models import Stage

pytestmark = pytest.mark.django_db


def stage_classes(page: str) -> dict[str, str]:
    return {stage: classes.strip() for classes, stage in
            re.findall(r'<li class="stage ?([^"]*)" data-stage="(\w+)"', page)}


def lifecycle(client, system) -> str:
    return client.get(f"{system.get_absolute_url()}?tab=lifecycle").content.decode()


def test_stages_jumped_over_are_shown_as_skipped_not_completed(client, make_system, manager):
    system = make_system()
    services.move_to_stage(actor=manager, system=system, stage=Stage.DESIGN)
    system.refresh_from_db()
    with gates.only_checks("none."):  # no check applies: the point is the display of the jump
        services.move_to_stage(actor=manager, system=system, stage=Stage.OPERATION)
    client.force_login(manager)
    classes = stage_classes(lifecycle(client, system))
    assert classes["idea"] == "passed" and classes["design"] == "passed"
    assert all(classes[s] == "skipped" for s in ("development", "validation", "deployment"))
    assert classes["operation"] == "current" and classes["revision"] == "" and classes["retired"] == ""
    assert "(skipped)" in lifecycle(client, system)


def test_the_go_live_approval_is_not_outdated_by_the_go_live_itself(client, ready_system, manager, owner):
    services.approve_go_live(actor=owner, system=ready_system, comment="Ready")
    services.move_to_stage(actor=manager, system=ready_system, stage=Stage.DEPLOYMENT)
    ready_system.refresh_from_db()
    client.force_login(owner)
    page = lifecycle(client, ready_system)
    assert "data-go-live-approved" in page and "(the system changed since)" not in page
    services.update_system(actor=manager, system=ready_system, changes={"priority": 1})
    assert "(the system changed since)" in lifecycle(client, ready_system)
