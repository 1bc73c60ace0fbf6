"""People read words, not codes: ledger actions, object types and choice values have labels in both languages."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

import aims
from aims.core import labels, services
from aims.core.models import RoleAssignment

SOURCE = Path(aims.__file__).resolve().parent
WRITTEN_ACTION = re.compile(r"""action=["']([a-z_]+\.[a-z_]+(?:\.[a-z_]+)?)["']""")


def test_every_action_the_product_writes_has_a_label():
    written = set()
    for path in SOURCE.glob("**/*.py"):
        if "tests" not in path.parts:
            written.update(WRITTEN_ACTION.findall(path.read_text()))
    assert len(written) > 30  # the scan finds the product's actions
    unlabelled = sorted(code for code in written if not labels.has_action_label(code))
    assert not unlabelled, f"ledger actions without a label (add them to the app's labels.py): {unlabelled}"


def test_actions_object_types_and_choices_read_in_the_readers_language():
    with translation.override("fr"):
        assert labels.action_label("inventory.classification.sign_off") == "Classification validée"
        assert labels.action_label("risks.risk.create") == "Création"
        assert labels.object_type_label("inventory.aisystem") == "Système d'IA"
        assert labels.choice_label(RoleAssignment, "role", "system_owner") == "Propriétaire du système"
    with translation.override("en"):
        assert labels.action_label("core.roleassignment.create") == "Role granted"
        assert labels.action_label_with_type("risks.risk.create") == "Created · Risk"
    # Unknown codes are shown as they are, so the French page walk can find them.
    assert labels.action_label("nothing.like.this") == "nothing.like.this"
    assert labels.object_type_label("nothing.here") == "nothing.here"


@pytest.mark.django_db
def test_the_ledger_page_shows_labels_and_filters_by_them(client, org, admin_user):
    services.update_org_unit(actor=admin_user, unit=org["south"], changes={"name": "Sud"})
    admin_user.language = "fr"
    admin_user.save(update_fields=["language"])
    client.force_login(admin_user)
    page = client.get(reverse("ledger")).content.decode()
    assert "core.orgunit.update" not in page.replace('value="core.orgunit.update"', "")
    assert ">Modification<" in page and "Unité organisationnelle #" in page
    assert '<option value="core.orgunit.update">Modification · Unité organisationnelle</option>' in page


@pytest.mark.django_db
def test_history_shows_choice_labels_and_dates_the_locale_way(client, org, admin_user, role_user):
    person = role_user("viewer", org["north"])
    assignment = RoleAssignment.objects.filter(user=person).first()
    admin_user.language = "fr"
    admin_user.save(update_fields=["language"])
    client.force_login(admin_user)
    services.revoke_role(actor=admin_user, assignment=assignment)
    page = client.get(reverse("ledger")).content.decode()
    assert "Rôle retiré" in page and "<del><span class=\"sr-only\">supprimé : </span>Lecteur</del>" in page



def test_every_model_of_the_product_names_itself_in_both_languages():
    """Object types read as the model's verbose name (History, the ledger's filter): never Django's made-up English."""
    from django.apps import apps
    from django.utils.functional import Promise

    unnamed = [model._meta.label for model in apps.get_models() if model.__module__.startswith("aims.")
               and not isinstance(model._meta.original_attrs.get("verbose_name"), Promise)]
    assert not unnamed, f"models without a translated verbose_name: {unnamed}"
