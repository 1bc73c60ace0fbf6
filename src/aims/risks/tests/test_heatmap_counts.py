"""Heatmap counts per (likelihood, impact) cell, inherent and residual, restricted by user, in one query."""

import pytest

from aims.core.permissions import user_scopes
from aims.risks import services
from aims.risks.heatmap import heatmap

pytestmark = pytest.mark.django_db


def test_counts_per_cell_follow_rescoring_and_scope(make_system, make_risk, owner, south_owner, risk_manager,
                                                    django_assert_num_queries, org):
    chatbot, scoring = make_system(name="Chatbot"), make_system(name="Scoring")
    first = make_risk(systems=[chatbot], inherent_likelihood=3, inherent_impact=4)
    make_risk(systems=[chatbot], inherent_likelihood=3, inherent_impact=4)
    make_risk(systems=[scoring], inherent_likelihood=1, inherent_impact=2)
    make_risk(systems=[scoring], title="Unscored")
    south_system = make_system(name="South", unit=org["south"], owner=south_owner)
    services.create_risk(actor=south_owner, title="South risk", category="operations", owner=south_owner,
                         systems=[south_system], inherent_likelihood=4, inherent_impact=4)
    services.assess_risk(actor=owner, risk=first, inherent_likelihood=3, inherent_impact=4,
                         residual_likelihood=1, residual_impact=4)
    user_scopes(risk_manager)  # role scopes are read once per request, before any page query
    with django_assert_num_queries(1):
        whole = heatmap(risk_manager, method=first.method)
    assert whole.inherent == {(3, 4): 2, (1, 2): 1, (4, 4): 1}
    assert whole.residual == {(1, 4): 1, (3, 4): 1, (1, 2): 1, (4, 4): 1}
    assert (whole.unscored, whole.total) == (1, 5)
    north = heatmap(owner)
    assert north.inherent == {(3, 4): 2, (1, 2): 1} and north.total == 4
    per_system = heatmap(owner, system=chatbot)
    assert per_system.inherent == {(3, 4): 2} and per_system.residual == {(1, 4): 1, (3, 4): 1}
    grid = per_system.grid("inherent")
    assert len(grid) == 4 and grid[0][0]["likelihood"] == 4
    cell = grid[4 - 3][4 - 1]
    assert (cell["count"], cell["level"].key, cell["level"].colour) == (2, "critical", "#C62828")
