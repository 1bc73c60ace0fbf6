"""API list pages read their items without ninja's per-field getter (aims/core/api_pages.py), and answer exactly
what ninja's own reading answers."""

import pytest
from ninja import Schema
from ninja.schema import DjangoGetter
from django.utils import timezone
from pydantic import Field, ValidationError

from aims.api import api
from aims.core import api_pages, context
from aims.core.api_utils import page_of

pytestmark = pytest.mark.django_db


def _list_paths():
    """Every API list without a path parameter: the operations whose answer is a page model."""
    paths = []
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                models = operation.response_models.values()
                pages = [m for m in models if hasattr(m, "model_fields")
                         and issubclass(m.model_fields["response"].annotation, api_pages.Page)]
                if "GET" in operation.methods and pages and "{" not in path:
                    paths.append("/api/v1/" + "/".join(p.strip("/") for p in (prefix, path) if p.strip("/")))
    return sorted(set(paths))


def test_every_list_answers_what_ninjas_reading_answers(client, demo_admin, monkeypatch):
    client.force_login(demo_admin)
    paths = _list_paths()
    assert len(paths) >= 30
    moment = timezone.now()  # one time for both readings (a running clock's seconds left)
    getters = []
    real_init = DjangoGetter.__init__
    monkeypatch.setattr(DjangoGetter, "__init__", lambda self, obj, schema, context=None: getters.append(schema)
                        or real_init(self, obj, schema, context))
    with context.bound(clock=lambda: moment):
        fast = {path: client.get(path + "?limit=100") for path in paths}
        items = {page.ITEM for page in api_pages.Page.__subclasses__()}
        assert not items & set(getters)  # no list fell back to ninja's reading of its items
        monkeypatch.setattr(api_pages, "_reader", lambda schema: None)
        slow = {path: client.get(path + "?limit=100") for path in paths}
    filled = 0
    for path in paths:
        fast_page, slow_page = fast[path], slow[path]
        assert fast_page.status_code == slow_page.status_code == 200, (path, slow_page.content[:300])
        assert fast_page.json() == slow_page.json(), path
        filled += bool(slow_page.json()["items"])
    assert filled >= 25  # the comparison is over real rows, not empty pages


def test_a_page_reads_its_items_without_ninjas_getter(client, demo_admin, monkeypatch):
    client.force_login(demo_admin)
    reads = []
    real = DjangoGetter.__getattr__
    monkeypatch.setattr(DjangoGetter, "__getattr__", lambda self, key: reads.append(key) or real(self, key))
    response = client.get("/api/v1/risks?limit=50")
    assert len(response.json()["items"]) > 5
    # The query's filters and the response wrapper go through ninja's getter; no field of an item does.
    assert reads[-1] == "response" and reads.count("response") == 1
    assert not {"title", "consequence", "threat_ids", "created_at"} & set(reads)


class _Aliased(Schema):
    name: str = Field(alias="title")


class _Item(Schema):
    id: int
    label: str

    @staticmethod
    def resolve_label(obj) -> str:
        return f"#{obj['id']}"


def test_aliases_and_own_validators_keep_ninjas_reading():
    from pydantic import field_validator

    class Validated(Schema):
        id: int

        @field_validator("id")
        @classmethod
        def positive(cls, value):
            assert value > 0
            return value

    assert api_pages._reader(_Aliased) is None
    assert api_pages._reader(Validated) is None
    assert api_pages._reader(_Item) is not None
    assert page_of(Validated).model_validate({"count": 1, "items": [{"id": 3}]}).items[0].id == 3


def test_resolvers_run_and_a_bad_row_gets_ninjas_error():
    page = page_of(_Item).model_validate({"count": 2, "items": [{"id": 1}, {"id": 2}]})
    assert [item.label for item in page.items] == ["#1", "#2"]
    assert page.model_dump() == {"count": 2, "items": [{"id": 1, "label": "#1"}, {"id": 2, "label": "#2"}]}
    with pytest.raises(ValidationError) as fast:
        page_of(_Item).model_validate({"count": 1, "items": [{"id": "not a number"}]})
    assert fast.value.errors()[0]["loc"] == ("items", 0, "id")
