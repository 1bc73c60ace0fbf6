"""A method's definition is validated with field-named errors, and levels/scores are computed from it."""

import copy

import pytest
from django.core.exceptions import ValidationError

from aims.core.permissions import Role
from aims.risks import catalogs, scoring
from aims.risks.choices import RiskCategory


def default_definition() -> dict:
    data = catalogs.read_default_method()
    return {k: copy.deepcopy(data[k]) for k in ("likelihood_scale", "impact_scale", "levels", "matrix",
                                                "appetite_level", "appetite_by_category")}


def build(**overrides):
    return scoring.build_method(**{**default_definition(), **overrides}, roles=Role.values,
                                categories=RiskCategory.values)


def errors_of(**overrides) -> dict:
    with pytest.raises(ValidationError) as caught:
        build(**overrides)
    return caught.value.message_dict


def test_shipped_default_method_is_a_valid_4x4():
    method = build()
    assert (method.likelihood_count, method.impact_count) == (4, 4)
    assert [lv.key for lv in method.levels_by_rank()] == ["low", "medium", "high", "critical"]


def test_level_and_score_come_from_the_matrix():
    method = build()
    assert method.level_of(1, 1).key == "low"
    assert method.level_of(3, 4).key == "critical"
    assert method.level_of(4, 2).key == "high"
    assert method.score(3, 4) == 12


def test_out_of_scale_values_are_refused_per_field():
    method = build()
    with pytest.raises(ValidationError) as caught:
        method.check_cell(5, 0, prefix="inherent_")
    assert set(caught.value.message_dict) == {"inherent_likelihood", "inherent_impact"}


def test_appetite_is_overall_and_per_category():
    method = build()
    assert not method.is_above_appetite("medium", "security")
    assert method.is_above_appetite("high", "security")
    assert method.is_above_appetite("medium", "privacy")  # privacy appetite is "low"


def test_matrix_must_cover_every_cell():
    definition = default_definition()
    definition["matrix"][2] = definition["matrix"][2][:3]
    assert "matrix" in errors_of(matrix=definition["matrix"])


def test_matrix_cells_must_name_known_levels():
    definition = default_definition()
    definition["matrix"][0][0] = "tiny"
    assert "likelihood 1 × impact 1" in errors_of(matrix=definition["matrix"])["matrix"][0]


def test_matrix_must_not_get_less_severe_as_scores_grow():
    definition = default_definition()
    definition["matrix"][3][3] = "low"
    assert "less severe" in errors_of(matrix=definition["matrix"])["matrix"][0]


@pytest.mark.parametrize("size", [2, 7])
def test_scales_have_three_to_six_steps(size):
    step = {"label_en": "x", "label_fr": "x"}
    errors = errors_of(likelihood_scale=[dict(step) for _ in range(size)])
    assert "likelihood_scale" in errors


def test_scale_steps_need_both_labels():
    scale = default_definition()["impact_scale"]
    scale[1]["label_fr"] = ""
    assert "Step 2" in errors_of(impact_scale=scale)["impact_scale"][0]


def test_colours_must_be_hex():
    levels = default_definition()["levels"]
    levels[0]["colour"] = "green"
    assert "colour" in errors_of(levels=levels)["levels"][0]


def test_unknown_acceptance_role_is_refused():
    levels = default_definition()["levels"]
    levels[2]["acceptance_roles"] = ["pope"]
    assert "pope" in errors_of(levels=levels)["levels"][0]


def test_levels_above_appetite_must_say_who_accepts_them():
    levels = default_definition()["levels"]
    levels[3]["acceptance_roles"], levels[3]["acceptance_groups"] = [], []
    assert "critical" in errors_of(levels=levels)["levels"][0]


def test_appetite_must_be_a_level_and_categories_known():
    assert "appetite_level" in errors_of(appetite_level="whatever")
    assert "appetite_by_category" in errors_of(appetite_by_category={"astrology": "low"})


def test_the_default_method_loads_in_the_language_of_whoever_loads_it():
    from aims.risks import catalogs

    english, french = catalogs.read_default_method(), catalogs.read_default_method(language="fr")
    assert english["name"] == "AIMS default 4x4 method" and french["name"] == "Méthode AIMS par défaut 4x4"
    assert french["acceptance_criteria"].startswith("Un risque dans l'appétence")
    assert english["levels"] == french["levels"]  # the scales and levels carry both languages themselves
