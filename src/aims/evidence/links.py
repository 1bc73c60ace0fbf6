"""The evidence library's public interface for other modules (compliance, and later incidents, suppliers, audits):

    from aims.evidence.links import evidence_for, linked_evidence_context
    items = evidence_for(control, user)                          # the items linked to an object, within scope
    context.update(linked_evidence_context(request.user, control))   # for "evidence/_linked.html"

Linking and flagging go through the services (`link_evidence`, `mark_to_reconfirm`).
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Model, QuerySet

from aims.core.ledger import object_type_of
from aims.core.permissions import can_anywhere

from .models import EvidenceItem, EvidenceLink


def items_linked_to(objects, object_type: str | None = None) -> QuerySet:
    """Every item linked to any of `objects` (same model), unrestricted: for trusted code (readiness, gates)."""
    objects = list(objects)
    if not objects:
        return EvidenceItem.objects.none()
    object_type = object_type or object_type_of(objects[0])
    ids = [str(o.pk) for o in objects]
    return EvidenceItem.objects.filter(links__object_type=object_type, links__object_id__in=ids).distinct()


def evidence_for(obj: Model, user=None) -> QuerySet:
    """The items linked to `obj`; only those `user` may see when a user is given."""
    items = EvidenceItem.objects.filter(links__object_type=object_type_of(obj), links__object_id=str(obj.pk))
    if user is not None:
        items = items.filter(pk__in=EvidenceItem.objects.restrict(user, "view").values("pk"))
    return items.select_related("owner", "current_version").order_by("reference")


def linked_ids(object_type: str, object_ids) -> dict[str, list[int]]:
    """object id -> ids of the items linked to it, for many objects of one type in one query."""
    result: dict[str, list[int]] = defaultdict(list)
    for object_id, item_id in EvidenceLink.objects.filter(
            object_type=object_type, object_id__in=[str(i) for i in object_ids]).values_list("object_id", "item_id"):
        result[object_id].append(item_id)
    return result


def linked_evidence_context(user, obj: Model, *, can_link: bool | None = None) -> dict:
    """What `evidence/_linked.html` needs: the visible items, their links to this object, and whether the reader may
    upload or link evidence here."""
    from .services import may_link

    object_type = object_type_of(obj)
    links = {link.item_id: link for link in EvidenceLink.objects.filter(object_type=object_type,
                                                                        object_id=str(obj.pk))}
    items = list(EvidenceItem.objects.restrict(user, "view").filter(pk__in=list(links))
                 .select_related("owner", "current_version").order_by("reference"))
    for item in items:
        item.link = links[item.pk]
    if can_link is None:
        can_link = can_anywhere(user, "view", "evidence") and may_link(user, obj)
    return {"linked_items": items, "link_object_type": object_type, "link_object_id": obj.pk,
            "can_link_evidence": can_link, "can_add_evidence": can_link and can_anywhere(user, "add", "evidence")}
