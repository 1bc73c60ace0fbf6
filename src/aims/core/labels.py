"""Words for codes: what a person reads instead of a ledger action, an object type or a stored choice value.

Codes stay in the database, the ledger, exports and the API; pages turn them into words in the reader's language
when they render (the template filters in core/templatetags/labels.py call these functions). One mechanism for every
module:

- Ledger actions are `<app>.<model>.<verb>`. The usual verbs (create, update, delete...) read the same for every
  object; an action of its own is registered by its module, in AppConfig.ready():

      labels.register_actions({"inventory.classification.sign_off": _("Classification signed off")})

- Object types (`inventory.aisystem`) read as the model's verbose name; types that are not models register a label.
- Choice values read as their field's label (`labels.choice_label(Risk, "status", "open")`).

A code without a label is shown as it is, so the French page walk (tests/test_pages_in_french.py) finds it.
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Verbs that read the same whatever the object (the object's type is shown beside the action).
_VERBS: dict[str, object] = {
    "create": pgettext_lazy("ledger action", "Created"),
    "update": pgettext_lazy("ledger action", "Changed"),
    "delete": pgettext_lazy("ledger action", "Deleted"),
}
# Core's own actions; each module registers its own.
_ACTIONS: dict[str, object] = {
    "auth.login": _("Signed in"),
    "auth.logout": _("Signed out"),
    "auth.login_failed": _("Failed sign-in"),
    "auth.login_locked": _("Sign-in locked"),
    "auth.token_used": _("API token used"),
    "core.user.create": _("Person added"),
    "core.user.update": _("Person changed"),
    "core.apitoken.create": _("API token created"),
    "core.apitoken.revoke": _("API token revoked"),
    "core.journal.add": _("Note added"),
    "core.peoplegroup.members": _("Members changed"),
    "core.roleassignment.create": _("Role granted"),
    "core.roleassignment.delete": _("Role revoked"),
}
_OBJECT_TYPES: dict[str, object] = {}


def language() -> str:
    """The reader's language among those the product speaks ("en" or "fr")."""
    return "fr" if (get_language() or "en").startswith("fr") else "en"


def localised(english: str, french: str) -> str:
    """A text stored in both languages (catalogue data), in the reader's: the French one when there is one."""
    return french if language() == "fr" and french else english


def date_text(value) -> str:
    """A date the reader's way (the one date format of their language, decision record 0006)."""
    return formats.date_format(value, "DATE_FORMAT") if value else ""


def register_verbs(verbs: dict[str, object]) -> None:
    """Labels for verbs any object may have (`<app>.<model>.<verb>`)."""
    _VERBS.update(verbs)


def register_actions(actions: dict[str, object]) -> None:
    """Labels for whole action codes; they win over the verb's label."""
    _ACTIONS.update(actions)


def register_object_types(object_types: dict[str, object]) -> None:
    """Labels for object types that are not models."""
    _OBJECT_TYPES.update(object_types)


def has_action_label(code: str) -> bool:
    return code in _ACTIONS or code.rpartition(".")[2] in _VERBS and code.count(".") == 2


def action_label(code: str) -> str:
    """`inventory.classification.sign_off` -> "Classification signed off"; an unknown code stays as it is."""
    if code in _ACTIONS:
        return str(_ACTIONS[code])
    if code.count(".") == 2 and code.rpartition(".")[2] in _VERBS:
        return str(_VERBS[code.rpartition(".")[2]])
    return code


def action_label_with_type(code: str) -> str:
    """The action's label, with the object type when the label is a verb any object may have ("Created · Risk")."""
    label = action_label(code)
    if code not in _ACTIONS and code.count(".") == 2 and label != code:
        return f"{label} · {object_type_label(code.rpartition('.')[0])}"
    return label


def model_for_type(object_type: str) -> type[Model] | None:
    app_label, _dot, model_name = (object_type or "").partition(".")
    try:
        return apps.get_model(app_label, model_name)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    """`inventory.aisystem` -> "AI system" (the model's verbose name); an unknown type stays as it is."""
    if object_type in _OBJECT_TYPES:
        return str(_OBJECT_TYPES[object_type])
    model = model_for_type(object_type)
    return capfirst(str(model._meta.verbose_name)) if model is not None else object_type


def choice_label(model: type[Model], field_name: str, value) -> str:
    """The label of a stored choice value (`system_owner` -> "System owner"); other values unchanged."""
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return str(value)
    choices = dict(getattr(field, "flatchoices", None) or ())
    return str(choices[value]) if value in choices else str(value)


def value_label(choices, value) -> str:
    """The label of `value` among `choices` (a TextChoices class or (value, label) pairs); unchanged if absent."""
    pairs = choices.choices if hasattr(choices, "choices") else choices
    return str(dict(pairs).get(value, value))


def values_label(choices, values) -> str:
    """Several stored values as their labels, comma separated (role lists, category lists...)."""
    return ", ".join(value_label(choices, v) for v in values or ())
