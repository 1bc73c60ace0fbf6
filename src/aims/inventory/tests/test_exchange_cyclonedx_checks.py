"""CycloneDX documents are checked the way a person needs: every schema problem reported at its JSON path, the common
ones in plain words, JSON syntax errors with the likely mistake; by a compiled validator (linear in the document)."""

import json
from pathlib import Path

import pytest

from aims.inventory.exchange import cyclonedx_import, schema
from aims.inventory.exchange.files import ImportFileError

FIXTURE = Path(__file__).parent / "data" / "cyclonedx_mlbom.json"


def problems_of(data: bytes) -> list:
    with pytest.raises(ImportFileError) as excinfo:
        cyclonedx_import.load_document(data)
    return excinfo.value.problems


def test_a_trailing_comma_is_named_with_its_line():
    text = '{\n  "bomFormat": "CycloneDX",\n  "specVersion": "1.6",\n}\n'
    [problem] = problems_of(text.encode())
    assert "a trailing comma after the last property on line 3?" in problem.message
    assert problem.line == 4


@pytest.mark.parametrize(("text", "hint"), [
    ('{"components": [1, 2,]}', "a trailing comma after the last item"),
    ("{'bomFormat': 'CycloneDX'}", "double quotes"),
    ('{"a": 1 "b": 2}', "a missing comma"),
    ('{"a": 1} {"b": 2}', "something after the end of the document"),
    ('{"a": 1, // note\n "b": 2}', "comments"),
])
def test_common_json_mistakes_get_a_likely_cause(text, hint):
    [problem] = problems_of(text.encode())
    assert hint in problem.message


def test_a_licence_with_both_an_id_and_a_name_is_explained_and_every_problem_is_reported():
    document = json.loads(FIXTURE.read_text())
    document["components"][0]["licenses"] = [{"license": {"id": "MIT", "name": "MIT License"}}]
    document["components"][1]["type"] = "gadget"
    del document["components"][2]["name"]
    problems = problems_of(json.dumps(document).encode())
    texts = {p.path: p.message for p in problems}
    assert "give either an SPDX id or a name" in texts["$.components[0].licenses"]
    assert "“gadget” is not one of the values CycloneDX allows here" in texts["$.components[1].type"]
    assert "“name” is required here" in texts["$.components[2]"]
    assert len(problems) >= 3  # all of them, not the first only


def test_the_validator_is_compiled_once_and_validates_offline():
    first = schema.validator("1.6")
    assert schema.validator("1.6") is first  # compiled once per process
    document = json.loads(FIXTURE.read_text())
    assert schema.schema_problems(document, "1.6") == []
    with pytest.raises(ValueError):
        schema._retrieve("https://example.org/evil.json")


def test_the_explanations_read_in_french():
    from django.utils import translation

    document = json.loads(FIXTURE.read_text())
    document["components"][0]["licenses"] = [{"license": {"id": "MIT", "name": "MIT License"}}]
    with translation.override("fr"):
        [syntax] = problems_of(b'{\n  "bomFormat": "CycloneDX",\n  "specVersion": "1.6",\n}\n')
        schema_problems = problems_of(json.dumps(document).encode())
    assert "une virgule en trop après la dernière propriété, ligne 3 ?" in syntax.message
    assert "indiquez soit un" in {p.path: p.message for p in schema_problems}["$.components[0].licenses"]
