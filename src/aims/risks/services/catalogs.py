"""Loading threat catalogues into the database: all or nothing, one ledger event per catalogue load."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.core import ledger
from aims.core.permissions import ADD

from .. import catalogs
from ..atlas import ATLAS_CATALOG_KEY, parse_atlas
from ..catalogs import CatalogData
from ..models import Threat, ThreatCatalog
from ._common import require_or_system

_THREAT_FIELDS = ("kind", "name_en", "name_fr", "description_en", "description_fr", "category")


@transaction.atomic
def import_catalog(*, actor, data: CatalogData, reason: str = "") -> dict:
    """Create or update a catalogue and its entries from parsed data. Entries missing from `data` are marked not
    current rather than deleted, since risks may cite them. Returns counts {created, updated, retired, unchanged}."""
    require_or_system(actor, ADD, unit=None)
    catalog = ThreatCatalog.objects.select_for_update().filter(key=data.key).first()
    header = {"name_en": data.name_en, "name_fr": data.name_fr, "release": data.release, "publisher": data.publisher,
              "licence": data.licence, "url": data.url}
    if catalog is None:
        catalog = ThreatCatalog(key=data.key, **header)
        catalog.full_clean()
        catalog.save()
    elif any(getattr(catalog, k) != v for k, v in header.items()):
        for key, value in header.items():
            setattr(catalog, key, value)
        catalog.version += 1
        catalog.full_clean()
        catalog.save()
    existing = {t.external_id: t for t in Threat.objects.filter(catalog=catalog)}
    counts = {"created": 0, "updated": 0, "retired": 0, "unchanged": 0}
    by_id: dict[str, Threat] = {}
    for entry in data.entries:
        threat = existing.get(entry.external_id)
        values = {f: getattr(entry, f) for f in _THREAT_FIELDS}
        if threat is None:
            threat = Threat(catalog=catalog, external_id=entry.external_id, **values)
            threat.full_clean(exclude=["parent"])
            threat.save()
            counts["created"] += 1
        elif any(getattr(threat, f) != v for f, v in values.items()) or not threat.is_active:
            for field, value in values.items():
                setattr(threat, field, value)
            threat.is_active = True
            threat.version += 1
            threat.full_clean(exclude=["parent"])
            threat.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
        by_id[entry.external_id] = threat
    # Second pass: parents and tactics can point at entries created later in the same file.
    for entry in data.entries:
        threat = by_id[entry.external_id]
        parent = by_id.get(entry.parent) if entry.parent else None
        if threat.parent_id != (parent.pk if parent else None):
            threat.parent = parent
            threat.save(update_fields=["parent"])
        if entry.tactics or threat.kind == Threat.Kind.TECHNIQUE:
            wanted = {by_id[t].pk for t in entry.tactics}
            if set(threat.tactics.values_list("pk", flat=True)) != wanted:
                threat.tactics.set(wanted)
    gone = [t for key, t in existing.items() if key not in by_id and t.is_active]
    if gone:
        Threat.objects.filter(pk__in=[t.pk for t in gone]).update(is_active=False)
        counts["retired"] = len(gone)
    ledger.record(actor=actor, action="risks.threatcatalog.import", obj=catalog,
                  after={"release": data.release, **counts, "retired_ids": sorted(t.external_id for t in gone)},
                  reason=reason)
    return counts


def import_atlas_file(*, actor, path: Path | str, reason: str = "") -> dict:
    """Check the whole ATLAS file first (CatalogError if anything is wrong), then import it in one transaction."""
    data = parse_atlas(path)
    return import_catalog(actor=actor, data=data, reason=reason or _("MITRE ATLAS import from %(file)s") % {
        "file": Path(path).name})


@transaction.atomic
def load_builtin_catalogs(*, actor) -> dict[str, dict]:
    """The taxonomy, OWASP Top 10 for LLM and crisis threats; the ATLAS sample only when no ATLAS data is loaded (a
    full import must never be shrunk back to the sample)."""
    results = {}
    parsed = [catalogs.parse_taxonomy(), *(catalogs.parse_threat_file(path) for path in catalogs.THREAT_FILES)]
    if not ThreatCatalog.objects.filter(key=ATLAS_CATALOG_KEY).exists():
        parsed.append(parse_atlas(catalogs.ATLAS_SAMPLE_FILE))
    for data in parsed:
        results[data.key] = import_catalog(actor=actor, data=data, reason=gettext_lazy("AIMS catalogue"))
    return results
