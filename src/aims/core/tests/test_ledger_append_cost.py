"""A ledgered change costs a handful of queries (the ledger benchmark's appends rest on this), and the shortcuts
taken for it never skip the validation of what actually changed."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from aims.core import services
from aims.core.models import LedgerEvent

pytestmark = pytest.mark.django_db


def test_renaming_a_unit_is_one_locked_read_one_update_and_the_ledger_append(admin_user, org,
                                                                              django_assert_max_num_queries):
    unit = org["north"]
    services.update_org_unit(actor=admin_user, unit=unit, changes={"name": "Warm-up"})  # caches the admin's roles
    # savepoint, locked re-read, UPDATE, (PostgreSQL: the chain's advisory lock), ledger head, ledger INSERT,
    # webhook endpoints, release
    with django_assert_max_num_queries(7 + (connection.vendor == "postgresql")):
        unit = services.update_org_unit(actor=admin_user, unit=unit, changes={"name": "North office"})
    assert LedgerEvent.objects.filter(object_id=str(unit.pk)).count() == 2


def test_a_changed_unique_field_is_still_checked(admin_user, org):
    with pytest.raises(ValidationError) as error:
        services.update_org_unit(actor=admin_user, unit=org["north"], changes={"code": "south"})
    assert "code" in error.value.message_dict


def test_a_changed_foreign_key_is_still_checked(admin_user, org):
    from aims.core.models import OrgUnit

    ghost = OrgUnit(pk=999_999, name="Ghost", code="ghost", path="/999999/")
    with pytest.raises(ValidationError) as error:
        services.update_org_unit(actor=admin_user, unit=org["north_east"], changes={"parent": ghost})
    assert "parent" in error.value.message_dict


def test_moving_a_unit_still_rewrites_the_paths_below_it(admin_user, org):
    moved = services.update_org_unit(actor=admin_user, unit=org["north"], changes={"parent": org["south"]})
    assert moved.path == f"{org['south'].path}{moved.pk}/"
    org["north_east"].refresh_from_db()
    assert org["north_east"].path == f"{moved.path}{org['north_east'].pk}/"
