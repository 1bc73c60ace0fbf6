"""Editing an AI system is a handful of queries, whatever the number of fields changed (the ledger benchmark's
appends rest on this), and what the shortcuts skip never changes what is stored or ledgered."""

import pytest
from django.db import connection

from aims.core.models import LedgerEvent
from aims.inventory import services
from aims.inventory.models import AISystem

pytestmark = pytest.mark.django_db

FULL_EDIT = {"name": "Credit scoring v2", "purpose": "Score retail credit applications", "intended_use": "Advice only",
             "human_oversight": "An analyst reviews every refusal", "users_and_affected": "Applicants, analysts",
             "value": "Faster answers", "escalation_path": "Analyst, then the credit committee", "priority": 4}


def test_a_full_edit_is_one_locked_read_one_update_and_the_ledger_append(make_system, manager,
                                                                         django_assert_max_num_queries):
    system = make_system()
    services.update_system(actor=manager, system=system, changes={"name": "Warm-up"})  # caches the actor's roles
    # savepoint, locked re-read, current-classification lookup, UPDATE, (PostgreSQL: the chain's lock), ledger head,
    # ledger INSERT, webhook endpoints, release
    with django_assert_max_num_queries(8 + (connection.vendor == "postgresql")):
        system = services.update_system(actor=manager, system=system, changes=FULL_EDIT)
    stored = AISystem.objects.get(pk=system.pk)
    assert {field: getattr(stored, field) for field in FULL_EDIT} == FULL_EDIT
    assert stored.version == system.version == 3
    event = LedgerEvent.objects.filter(object_id=str(system.pk)).order_by("-id").first()
    assert event.after_data == {k: v for k, v in FULL_EDIT.items()}
    assert event.before_data["name"] == "Warm-up"


def test_only_changed_columns_are_written_so_a_concurrent_change_to_another_field_is_not_lost(make_system, manager,
                                                                                             owner):
    """The row is re-read under its lock before the change is applied: a field changed meanwhile by another
    process is what the update starts from, and it stays as that process left it."""
    system = make_system()
    stale = AISystem.objects.get(pk=system.pk)
    AISystem.objects.filter(pk=system.pk).update(value="Changed elsewhere")
    services.update_system(actor=manager, system=stale, changes={"name": "Renamed"})
    stored = AISystem.objects.get(pk=system.pk)
    assert (stored.name, stored.value) == ("Renamed", "Changed elsewhere")
