"""Template filters that turn codes into words in the reader's language (see aims.core.labels)."""

from django import template

from aims.core import labels

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    """{{ event.action|action_label }} -> "Classification signed off"."""
    return labels.action_label(code)


@register.filter
def object_type_label(object_type: str) -> str:
    """{{ event.object_type|object_type_label }} -> "AI system"."""
    return labels.object_type_label(object_type)


@register.filter
def role_labels(keys) -> str:
    """{{ level.acceptance_roles|role_labels }} -> "Risk manager, AIMS manager"."""
    from aims.core.permissions import Role

    return labels.values_label(Role, keys)
