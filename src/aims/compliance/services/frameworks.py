"""Loading frameworks and cross-mappings into the database: all or nothing, one ledger event per file loaded."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from aims.core import ledger
from aims.core.permissions import ADD

from .. import framework_files as files
from ..framework_files import FrameworkData, FrameworkFileError, MappingsData
from ..models import Framework, Requirement, RequirementMapping
from ._common import require_or_system

_FIELDS = ("code", "kind", "title_en", "title_fr", "guidance_en", "guidance_fr", "assessable", "facts")
_HEADER = ("name_en", "name_fr", "short_name_en", "short_name_fr", "description_en", "description_fr", "publisher",
           "licence", "url")
PACKAGED_POSITIONS = {"iso42001": 10, "eu_ai_act": 20, "nist_ai_rmf": 30}


def _resolve(qualified: str, local: dict[str, Requirement] | None = None, local_key: str = "") -> Requirement | None:
    framework_key, _sep, ref = qualified.partition("/")
    if local is not None and framework_key == local_key:
        return local.get(ref)
    return Requirement.objects.filter(framework__key=framework_key, ref=ref, is_active=True).first()


def _replace_mappings(origin: str, pairs: list[tuple[Requirement, Requirement]]) -> int:
    RequirementMapping.objects.filter(origin=origin).delete()
    existing = {(a, b) for a, b in RequirementMapping.objects.values_list("source_id", "target_id")}
    rows, seen = [], set()
    for source, target in pairs:
        key = (source.pk, target.pk)
        if source.pk == target.pk or key in seen or key in existing or (target.pk, source.pk) in existing:
            continue
        seen.add(key)
        rows.append(RequirementMapping(source=source, target=target, origin=origin))
    RequirementMapping.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def load_framework(*, actor, data: FrameworkData, source: str, position: int = 100, reason: str = "") -> dict:
    """Create or update a framework from parsed data. Requirements missing from `data` are retired, not deleted.
    The file's own mappings must all resolve, or nothing is loaded. Returns counts."""
    require_or_system(actor, ADD, domain="compliance", unit=None)
    framework = Framework.objects.select_for_update().filter(key=data.key).first()
    header = {name: getattr(data, name) for name in _HEADER}
    if framework is None:
        framework = Framework(key=data.key, catalogue_version=data.version, source=source, position=position,
                              **header)
        framework.full_clean()
        framework.save()
    else:
        changed = {name: value for name, value in {**header, "catalogue_version": data.version, "source": source}.items()
                   if getattr(framework, name) != value}
        if changed:
            for name, value in changed.items():
                setattr(framework, name, value)
            framework.version += 1
            framework.full_clean()
            framework.save()
    existing = {r.ref: r for r in Requirement.objects.filter(framework=framework)}
    counts = {"created": 0, "updated": 0, "retired": 0, "unchanged": 0}
    by_ref: dict[str, Requirement] = {}
    created, updated = [], []
    # The parser has checked every value (lengths, kinds, bilingual titles): rows are written in bulk, which keeps a
    # framework of a few hundred requirements a sub-second load.
    for position_in_file, item in enumerate(data.requirements):
        values = {name: getattr(item, name) for name in _FIELDS}
        requirement = existing.get(item.ref)
        if requirement is None:
            requirement = Requirement(framework=framework, ref=item.ref, position=position_in_file, **values)
            created.append(requirement)
        elif (any(getattr(requirement, k) != v for k, v in values.items()) or not requirement.is_active
              or requirement.position != position_in_file):
            for name, value in values.items():
                setattr(requirement, name, value)
            requirement.position, requirement.is_active = position_in_file, True
            requirement.version += 1
            updated.append(requirement)
        else:
            counts["unchanged"] += 1
        by_ref[item.ref] = requirement
    Requirement.objects.bulk_create(created)
    Requirement.objects.bulk_update(updated, [*_FIELDS, "position", "is_active", "version"])
    counts["created"], counts["updated"] = len(created), len(updated)
    if created and created[0].pk is None:  # backends that do not return ids from bulk inserts
        ids = dict(Requirement.objects.filter(framework=framework).values_list("ref", "pk"))
        for requirement in created:
            requirement.pk = ids[requirement.ref]
    reparented = []
    for item in data.requirements:  # parents are set once every row has an id (a parent may come later in the file)
        requirement = by_ref[item.ref]
        parent_id = by_ref[item.parent].pk if item.parent else None
        if requirement.parent_id != parent_id:
            requirement.parent_id = parent_id
            reparented.append(requirement)
    Requirement.objects.bulk_update(reparented, ["parent"])
    gone = [r.pk for ref, r in existing.items() if ref not in by_ref and r.is_active]
    if gone:
        Requirement.objects.filter(pk__in=gone).update(is_active=False)
        counts["retired"] = len(gone)
    problems, pairs = [], []
    for ref, target in data.mappings:
        source_requirement, target_requirement = by_ref.get(ref), _resolve(target, by_ref, data.key)
        if source_requirement is None:
            problems.append(_("mapping from '%(ref)s': no such requirement in the file") % {"ref": ref})
        elif target_requirement is None:
            problems.append(_("mapping to '%(target)s': no such current requirement") % {"target": target})
        else:
            pairs.append((source_requirement, target_requirement))
    if problems:
        raise FrameworkFileError(source, problems)
    counts["mappings"] = _replace_mappings(f"framework:{data.key}", pairs) if data.mappings else 0
    ledger.record(actor=actor, action="compliance.framework.load", obj=framework, reason=reason,
                  after={"catalogue_version": data.version, "source": source, **counts})
    return counts


@transaction.atomic
def load_mappings(*, actor, data: MappingsData, reason: str = "", strict: bool = True) -> dict:
    """Replace the mappings declared by one file; every reference must resolve, or nothing changes. With
    strict=False, pairs naming a requirement that does not exist are skipped and counted instead (the shipped
    mappings over an administrator's own edition of a framework)."""
    require_or_system(actor, ADD, domain="compliance", unit=None)
    problems, pairs = [], []
    cache: dict[str, Requirement | None] = {}
    for left, right in data.pairs:
        resolved = []
        for qualified in (left, right):
            if qualified not in cache:
                cache[qualified] = _resolve(qualified)
            if cache[qualified] is None:
                problems.append(_("'%(ref)s': no such current requirement") % {"ref": qualified})
            resolved.append(cache[qualified])
        if None not in resolved:
            pairs.append(tuple(resolved))
    if problems and strict:
        raise FrameworkFileError(data.origin, sorted(set(problems)))
    counts = {"mappings": _replace_mappings(f"file:{data.origin}", pairs), "skipped": len(data.pairs) - len(pairs)}
    ledger.record(actor=actor, action="compliance.mappings.load", object_type="compliance.requirementmapping",
                  object_id=data.origin, object_label=data.origin, reason=reason,
                  after={"version": data.version, **counts})
    return counts


def import_framework_file(*, actor, path: Path | str, reason: str = "", **csv_header) -> tuple[Framework, dict]:
    """Check the whole file first (FrameworkFileError naming every problem), then load it in one transaction."""
    data = files.parse_framework_file(path, **csv_header)
    counts = load_framework(actor=actor, data=data, source=f"file:{Path(path).name}",
                            reason=reason or _("Framework import from %(file)s") % {"file": Path(path).name})
    if data.key == "iso42001":  # an administrator's edition of ISO/IEC 42001: its Annex A is the SoA's
        from .soa import sync_soa_entries

        sync_soa_entries()
    return Framework.objects.get(key=data.key), counts


@transaction.atomic
def load_packaged_frameworks(*, actor) -> dict[str, dict]:
    """The frameworks and mappings AIMS ships. A framework an administrator imported from a file of their own (same
    key) is kept: shipping a newer edition must not silently replace the organisation's choice."""
    results, kept = {}, False
    for name in files.PACKAGED_FRAMEWORKS:
        data = files.parse_yaml(files.PACKAGED_DIR / name)
        current = Framework.objects.filter(key=data.key).only("source").first()
        if current is not None and current.source.startswith("file:"):
            results[data.key], kept = {"kept": current.source}, True
            continue
        results[data.key] = load_framework(actor=actor, data=data, source=f"packaged:{name}",
                                           position=PACKAGED_POSITIONS.get(data.key, 100),
                                           reason=_("AIMS catalogue"))
    mappings = files.parse_mappings(files.PACKAGED_DIR / files.PACKAGED_MAPPINGS)
    results["mappings"] = load_mappings(actor=actor, data=mappings, reason=_("AIMS catalogue"), strict=not kept)
    from .soa import sync_soa_entries

    results["statement of applicability"] = {"entries added": sync_soa_entries()}
    return results
