"""Dependency register: impact analysis both ways, scoped by reader, and end-of-support reminders at 60 and 30 days."""

from datetime import date, timedelta

import pytest

from aims.core.models import Notification, Task
from aims.core.periodic import PERIODIC_TASKS
from aims.inventory import services
from aims.inventory.models import ComponentKind, DependencyKind
from aims.inventory.queries import dependents_of, foundations_of, systems_using_component

TODAY = date(2030, 3, 1)


@pytest.fixture
def landscape(make_system, manager, owner, org, role_user):
    """north: scoring (direct on the cloud API) and chatbot (through a model on the library); south: forecaster."""
    south_owner = role_user("system_owner", org["south"])
    scoring = make_system(name="Scoring")
    chatbot = make_system(name="Chatbot")
    forecaster = make_system(name="Forecaster", unit=org["south"], owner=south_owner)
    library = services.create_dependency(actor=manager, kind=DependencyKind.LIBRARY, name="torch", version_label="2.3",
                                         end_of_support=TODAY + timedelta(days=45))
    cloud = services.create_dependency(actor=manager, kind=DependencyKind.CLOUD_SERVICE, name="GPU cloud",
                                       supplier="Nimbus", cost_per_year=12000, sla="99.9 %")
    model = services.create_component(actor=manager, kind=ComponentKind.MODEL, name="Intent model", version_label="1")
    services.link_component_dependency(actor=manager, component=model, dependency=library)
    services.link_component(actor=manager, system=chatbot, component=model, role="intent detection")
    services.link_component(actor=manager, system=forecaster, component=model)
    services.link_system_dependency(actor=manager, system=scoring, dependency=cloud)
    services.link_system_dependency(actor=manager, system=chatbot, dependency=cloud)
    return {"scoring": scoring, "chatbot": chatbot, "forecaster": forecaster, "library": library, "cloud": cloud,
            "model": model, "south_owner": south_owner}


def names(queryset):
    return sorted(str(o.name) for o in queryset)


def test_what_depends_on_a_dependency(landscape, manager):
    impact = dependents_of(manager, landscape["library"])
    assert names(impact["components"]) == ["Intent model"]
    assert names(impact["systems"]) == ["Chatbot", "Forecaster"]
    assert names(dependents_of(manager, landscape["cloud"])["systems"]) == ["Chatbot", "Scoring"]


def test_what_a_system_rests_on(landscape, manager):
    foundations = foundations_of(manager, landscape["chatbot"])
    assert names(foundations["components"]) == ["Intent model"]
    assert names(foundations["dependencies"]) == ["GPU cloud", "torch"]
    assert names(systems_using_component(manager, landscape["model"])) == ["Chatbot", "Forecaster"]


def test_impact_is_scoped_to_what_the_reader_may_see(landscape, contributor, role_user):
    assert names(dependents_of(contributor, landscape["library"])["systems"]) == ["Chatbot"]
    # Shared items stay visible to any inventory reader, so impact can be checked from any unit.
    assert names(dependents_of(contributor, landscape["library"])["components"]) == ["Intent model"]
    nobody = role_user(None)
    assert names(dependents_of(nobody, landscape["library"])["systems"]) == []
    assert names(dependents_of(nobody, landscape["library"])["components"]) == []


def test_a_used_dependency_cannot_be_deleted(landscape, manager):
    with pytest.raises(Exception) as excinfo:
        services.delete_dependency(actor=manager, dependency=landscape["library"])
    assert "unlink them first" in str(excinfo.value)


def test_reminders_at_60_then_30_days_once_each(landscape, manager, owner):
    library = landscape["library"]
    services.update_dependency(actor=manager, dependency=library, changes={"owner": manager})
    assert services.send_end_of_support_reminders(today=TODAY) == 3  # manager, chatbot owner, forecaster owner
    assert services.send_end_of_support_reminders(today=TODAY) == 0
    assert services.send_end_of_support_reminders(today=TODAY + timedelta(days=5)) == 0  # still the 60-day notice
    assert services.send_end_of_support_reminders(today=TODAY + timedelta(days=16)) == 3  # 29 days left
    assert services.send_end_of_support_reminders(today=TODAY + timedelta(days=17)) == 0
    sources = set(Task.objects.filter(assignee=owner).values_list("source", flat=True))
    assert sources == {f"inventory.eos.{library.pk}.{library.end_of_support.isoformat()}.60",
                       f"inventory.eos.{library.pk}.{library.end_of_support.isoformat()}.30"}
    notice = Notification.objects.filter(recipient=owner, kind="inventory.end_of_support").first()
    assert "torch 2.3" in notice.title


def test_a_new_end_date_starts_a_new_series(landscape, manager):
    library = landscape["library"]
    assert services.send_end_of_support_reminders(today=TODAY) == 2
    services.update_dependency(actor=manager, dependency=library, changes={"end_of_support": TODAY + timedelta(days=50)})
    assert services.send_end_of_support_reminders(today=TODAY) == 2


def test_far_or_past_dates_are_not_reminded(landscape, manager):
    services.update_dependency(actor=manager, dependency=landscape["library"],
                               changes={"end_of_support": TODAY + timedelta(days=61)})
    assert services.send_end_of_support_reminders(today=TODAY) == 0
    assert services.send_end_of_support_reminders(today=TODAY + timedelta(days=62)) == 0


def test_the_job_is_registered_as_a_periodic_task():
    assert "inventory-end-of-support" in PERIODIC_TASKS


def test_impact_queries_do_not_grow_with_the_number_of_systems(landscape, manager, make_system,
                                                                django_assert_max_num_queries):
    for n in range(12):
        system = make_system(name=f"Bot {n}")
        services.link_component(actor=manager, system=system, component=landscape["model"])
    reader = type(manager).objects.get(pk=manager.pk)  # a fresh object: its role scopes are not cached yet
    with django_assert_max_num_queries(3):  # role scopes, systems, components
        impact = dependents_of(reader, landscape["library"])
        assert len(list(impact["systems"])) == 14
        assert len(list(impact["components"])) == 1
