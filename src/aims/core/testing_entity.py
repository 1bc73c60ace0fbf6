"""A test base every governed entity can reuse: create, read, update and delete through the service, the page and the
API, for each role (allowed and refused), checking that every change wrote exactly one ledger event and that every
refusal wrote none.

Use it in a test module:

    class TestOrgUnitContract(EntityContract):
        model = OrgUnit
        writers = ("administrator", "aims_manager")        # may create and change, within `unit`
        deleters = ("administrator",)                       # may also delete (empty: never deleted, and the
                                                            # API must refuse DELETE)
        refused = ("viewer", "auditor", "risk_manager")     # may read, never write
        detail_page = "unit_detail"                         # URL name taking the pk, or ""
        api_path = "/api/v1/org-units"                      # the API list; detail is api_path + "/<pk>"; or ""
        api_delete = True                                   # the API deletes with DELETE on the detail

        def create(self, actor, unit): ...                  # the service call; returns the object
        def update(self, actor, obj): ...                   # the service call changing one field
        def delete(self, actor, obj): ...                   # the service call (only needed with deleters)
        def api_payload(self, unit): ...                    # a valid POST body
        def api_change(self): ...                           # PATCH fields (the version is added)

Roles are held over `unit` (a child of the organisation's root); the auditor and the administrator over the whole
organisation. The `contract_unit` fixture provides that unit; override it to change the setting.
"""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from .models import LedgerEvent, OrgUnit, RoleAssignment
from .testing import OrgUnitFactory, UserFactory

WHOLE_ORGANISATION = ("administrator", "auditor")


def _last_event_id() -> int:
    return LedgerEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _events_since(start: int, obj=None) -> list[LedgerEvent]:
    events = LedgerEvent.objects.filter(id__gt=start).order_by("id")
    if obj is not None:
        events = events.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return list(events)


class EntityContract:
    model = None
    writers: tuple[str, ...] = ()
    deleters: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    detail_page = ""
    api_path = ""
    api_delete = False

    # --- hooks a module fills in ---------------------------------------------------------------------------------
    def create(self, actor, unit):
        raise NotImplementedError

    def update(self, actor, obj):
        raise NotImplementedError

    def delete(self, actor, obj):
        raise NotImplementedError

    def api_payload(self, unit) -> dict:
        raise NotImplementedError

    def api_change(self) -> dict:
        raise NotImplementedError

    # --- set-up ----------------------------------------------------------------------------------------------------
    def pytest_generate_tests(self, metafunc):
        if "writer" in metafunc.fixturenames:
            metafunc.parametrize("writer", self.writers)
        if "deleter" in metafunc.fixturenames:
            # An entity nobody deletes (risks are closed, systems retired...) is still checked: see the two tests.
            metafunc.parametrize("deleter", self.deleters or self.writers)
        if "refused_role" in metafunc.fixturenames:
            metafunc.parametrize("refused_role", self.refused)
        if "scoped_writer" in metafunc.fixturenames:
            metafunc.parametrize("scoped_writer", [r for r in self.writers if r not in WHOLE_ORGANISATION])

    @pytest.fixture
    def contract_unit(self, db) -> OrgUnit:
        root = OrgUnitFactory(name="Organisation", code="contract-root")
        return OrgUnitFactory(name="Contract unit", code="contract-unit", parent=root)

    @staticmethod
    def person(role: str, unit: OrgUnit):
        person = UserFactory(unit=unit)
        RoleAssignment.objects.create(role=role, user=person, unit=None if role in WHOLE_ORGANISATION else unit)
        return person

    def existing(self, unit):
        """An object made by an administrator, for the read, update and refusal checks."""
        return self.create(self.person("administrator", unit), unit)

    # --- the service -----------------------------------------------------------------------------------------------
    def test_service_create_read_update_each_write_one_event(self, contract_unit, writer):
        actor = self.person(writer, contract_unit)
        start = _last_event_id()
        obj = self.create(actor, contract_unit)
        created = [e for e in _events_since(start) if e.object_type == obj._meta.label_lower]
        assert [e.object_id for e in created] == [str(obj.pk)]
        assert created[0].action.endswith(".create") and created[0].actor_id == actor.pk
        assert self.model.objects.restrict(actor, "view").filter(pk=obj.pk).exists()

        start = _last_event_id()
        self.update(actor, obj)
        changed = _events_since(start, obj)
        assert len(changed) == 1 and changed[0].actor_id == actor.pk and changed[0].after

    def test_service_delete_writes_one_event(self, contract_unit, deleter):
        if not self.deleters:  # then the contract must not offer a delete either
            assert type(self).delete is EntityContract.delete
            return
        actor = self.person(deleter, contract_unit)
        obj = self.existing(contract_unit)
        pk, start = obj.pk, _last_event_id()
        self.delete(actor, obj)
        deleted = [e for e in _events_since(start)
                   if e.object_type == self.model._meta.label_lower and e.object_id == str(pk)]
        assert len(deleted) == 1 and deleted[0].action.endswith(".delete")
        assert not self.model.objects.filter(pk=pk).exists()

    def test_service_refuses_and_writes_nothing(self, contract_unit, refused_role):
        actor = self.person(refused_role, contract_unit)
        obj = self.existing(contract_unit)
        start = _last_event_id()
        with pytest.raises(PermissionDenied):
            self.create(actor, contract_unit)
        with pytest.raises(PermissionDenied):
            self.update(actor, obj)
        if self.deleters:
            with pytest.raises(PermissionDenied):
                self.delete(actor, obj)
        assert _events_since(start) == []
        assert self.model.objects.restrict(actor, "view").filter(pk=obj.pk).exists()  # it may still read it

    def test_nobody_outside_the_unit_reads_or_writes_it(self, contract_unit, scoped_writer):
        obj = self.existing(contract_unit)
        sibling = OrgUnitFactory(name="Sibling", code="contract-sibling", parent=contract_unit.parent)
        outsider = self.person(scoped_writer, sibling)
        assert not self.model.objects.restrict(outsider, "view").filter(pk=obj.pk).exists()
        with pytest.raises(PermissionDenied):
            self.update(outsider, obj)

    # --- the page --------------------------------------------------------------------------------------------------
    def test_detail_page_answers_readers_and_refuses_others(self, client, contract_unit, writer):
        if not self.detail_page:
            pytest.skip("no detail page")
        obj = self.existing(contract_unit)
        url = reverse(self.detail_page, args=[obj.pk])
        client.force_login(self.person(writer, contract_unit))
        assert client.get(url).status_code == 200
        client.force_login(UserFactory(unit=contract_unit))  # no role at all
        assert client.get(url).status_code in (403, 404)

    # --- the API ---------------------------------------------------------------------------------------------------
    def _api(self, actor) -> Client:
        client = Client()
        client.force_login(actor)
        return client

    def test_api_create_read_update_with_versions(self, contract_unit, writer):
        if not self.api_path:
            pytest.skip("no API")
        client = self._api(self.person(writer, contract_unit))
        start = _last_event_id()
        created = client.post(self.api_path, json.dumps(self.api_payload(contract_unit)),
                              content_type="application/json")
        assert created.status_code in (200, 201), created.content
        body = created.json()
        label = self.model._meta.label_lower
        assert [e.object_id for e in _events_since(start) if e.object_type == label] == [str(body["id"])]
        detail = f"{self.api_path}/{body['id']}"
        assert client.get(detail).json()["id"] == body["id"]

        start = _last_event_id()
        patched = client.patch(detail, json.dumps({"version": body["version"], **self.api_change()}),
                               content_type="application/json")
        assert patched.status_code == 200, patched.content
        assert patched.json()["version"] == body["version"] + 1
        assert len(_events_since(start, self.model.objects.get(pk=body["id"]))) == 1
        stale = client.patch(detail, json.dumps({"version": body["version"], **self.api_change()}),
                             content_type="application/json")
        assert stale.status_code == 409

    def test_api_delete_or_refuse_the_method(self, contract_unit, deleter):
        if not self.api_path:
            pytest.skip("no API")
        obj = self.existing(contract_unit)
        response = self._api(self.person(deleter, contract_unit)).delete(f"{self.api_path}/{obj.pk}")
        if self.api_delete:
            assert response.status_code in (200, 204)
            assert not self.model.objects.filter(pk=obj.pk).exists()
        else:  # deleting goes through another path (e.g. a retirement decision): the API says so and keeps it
            assert response.status_code == 405
            assert self.model.objects.filter(pk=obj.pk).exists()

    def test_api_refuses_and_writes_nothing(self, contract_unit, refused_role):
        if not self.api_path:
            pytest.skip("no API")
        obj = self.existing(contract_unit)
        client = self._api(self.person(refused_role, contract_unit))
        start = _last_event_id()
        created = client.post(self.api_path, json.dumps(self.api_payload(contract_unit)),
                              content_type="application/json")
        patched = client.patch(f"{self.api_path}/{obj.pk}", json.dumps({"version": obj.version, **self.api_change()}),
                               content_type="application/json")
        assert created.status_code == 403 and patched.status_code == 403
        assert _events_since(start) == []
