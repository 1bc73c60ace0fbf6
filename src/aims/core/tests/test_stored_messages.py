"""Notifications and tasks read in the reader's language of the moment, not the one they were written in."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from aims.core.models import User
from aims.core.notifications import notify, open_task
from aims.core.stored_text import Text

pytestmark = pytest.mark.django_db


def test_a_notification_written_in_english_reads_in_french_after_a_switch(client, org, role_user):
    person = role_user("viewer", org["north"])
    notify(recipient=person, title=gettext_lazy("%(count)s risks are suggested for %(system)s"),
           params={"count": 3, "system": "HR bot"}, email=False)
    open_task(assignee=person, title=gettext_lazy("Plan for the end of support of %(name)s (%(date)s)"), source="t1",
              params={"name": "Bias library", "date": dt.date(2030, 3, 12)})
    client.force_login(person)
    assert "3 risks are suggested for HR bot" in client.get(reverse("notifications")).content.decode()
    User.objects.filter(pk=person.pk).update(language="fr")
    notifications = client.get(reverse("notifications")).content.decode()
    home = client.get(reverse("home")).content.decode()
    assert "3 risques sont suggérés pour HR bot" in notifications and "3 risks are suggested" not in notifications
    assert "(12 mars 2030)" in home and "Bias library" in home and "Plan for the end of support" not in home


def test_typed_text_and_old_rows_are_shown_as_stored(org, role_user):
    person = role_user("viewer", org["north"])
    typed = notify(recipient=person, title="Typed by a person: 100%", email=False)
    assert typed.title_message == "" and typed.display_title == "Typed by a person: 100%"
    typed.title_message, typed.params = "%(gone)s", {}
    assert typed.display_title == "Typed by a person: 100%"  # a message whose parameters no longer fit


def test_a_sentence_inside_a_message_also_reads_in_the_readers_language(org, role_user):
    """An approval request names what waits with a sentence of its own (stored_text.Text): both parts follow the
    reader's language, whatever the language of the moment the request was written."""
    person = role_user("viewer", org["north"])
    what = Text(gettext_lazy("Impact assessment of “%(system)s” (run %(number)s)"), system="HR bot", number=2)
    note = notify(recipient=person, title=gettext_lazy("Your approval is requested: %(what)s"), params={"what": what},
                  email=False)
    assert note.title == "Your approval is requested: Impact assessment of “HR bot” (run 2)"
    note.refresh_from_db()
    with translation.override("fr"):
        assert note.display_title == ("Votre approbation est demandée : Analyse d'impact de « HR bot » (itération n° 2)")
        assert str(what) == "Analyse d'impact de « HR bot » (itération n° 2)"
