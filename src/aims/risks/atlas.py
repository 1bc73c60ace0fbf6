"""Reading MITRE ATLAS data (the public dist/ATLAS.yaml of github.com/mitre-atlas/atlas-data, Apache-2.0, MITRE).

Format: top-level `id`, `name`, `version` and `matrices`, a list of matrices each holding `tactics` (id AML.TAnnnn)
and `techniques` (id AML.Tnnnn, or AML.Tnnnn.nnn for a sub-technique with `subtechnique-of`), each with `name` and
`description`; techniques list their `tactics` by id. Everything is checked before anything is written, so a
malformed file imports nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

from .catalogs import CatalogData, CatalogError, Entry, read_yaml

ATLAS_CATALOG_KEY = "mitre-atlas"
TACTIC_ID = re.compile(r"^AML\.TA\d{4}$")
TECHNIQUE_ID = re.compile(r"^AML\.T\d{4}(?:\.\d{3})?$")
MAX_NAME = 300


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse_atlas(path: Path | str, *, text: str | None = None) -> CatalogData:
    """Parse and check an ATLAS file; raise CatalogError listing every problem found (up to 20)."""
    name = str(path)
    data = read_yaml(path, text=text)
    if not isinstance(data, dict) or not isinstance(data.get("matrices"), list) or not data["matrices"]:
        raise CatalogError(f"{name}: not an ATLAS file: expected a top-level 'matrices' list")
    problems: list[str] = []
    tactics: dict[str, Entry] = {}
    techniques: dict[str, Entry] = {}

    def parse_item(raw, where: str, pattern: re.Pattern, kind: str) -> Entry | None:
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be a mapping")
            return None
        item_id, item_name = _text(raw.get("id")), _text(raw.get("name"))
        if not pattern.match(item_id):
            problems.append(f"{where}.id: '{item_id}' is not an ATLAS {kind} identifier")
            return None
        if not item_name or len(item_name) > MAX_NAME:
            problems.append(f"{where}.name: required, at most {MAX_NAME} characters")
            return None
        description = raw.get("description")
        if description is not None and not isinstance(description, str):
            problems.append(f"{where}.description: must be text")
            return None
        return Entry(external_id=item_id, kind=kind, name_en=item_name, description_en=_text(description))

    for m_index, matrix in enumerate(data["matrices"]):
        where = f"matrices[{m_index}]"
        if not isinstance(matrix, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        for key in ("tactics", "techniques"):
            if not isinstance(matrix.get(key, []), list):
                problems.append(f"{where}.{key}: must be a list")
        for t_index, raw in enumerate(matrix.get("tactics") or []):
            entry = parse_item(raw, f"{where}.tactics[{t_index}]", TACTIC_ID, "tactic")
            if entry:
                tactics.setdefault(entry.external_id, entry)
        for t_index, raw in enumerate(matrix.get("techniques") or []):
            spot = f"{where}.techniques[{t_index}]"
            entry = parse_item(raw, spot, TECHNIQUE_ID, "technique")
            if entry is None:
                continue
            listed = raw.get("tactics") or []
            if not isinstance(listed, list) or not all(isinstance(t, str) for t in listed):
                problems.append(f"{spot}.tactics: must be a list of tactic identifiers")
                continue
            entry.tactics = tuple(t.strip() for t in listed)
            entry.parent = _text(raw.get("subtechnique-of"))
            techniques.setdefault(entry.external_id, entry)
        if len(problems) >= 20:
            break

    for technique in techniques.values():
        unknown = [t for t in technique.tactics if t not in tactics]
        if unknown:
            problems.append(f"technique {technique.external_id}: unknown tactics {', '.join(unknown)}")
        if technique.parent and technique.parent not in techniques:
            problems.append(f"technique {technique.external_id}: parent {technique.parent} is not in the file")
    if not techniques and not problems:
        problems.append("the file holds no techniques")
    if problems:
        shown = problems[:20]
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise CatalogError(f"{name}: " + "; ".join(shown) + more)
    release = str(data.get("version") or "")
    return CatalogData(
        key=ATLAS_CATALOG_KEY, name_en="MITRE ATLAS", name_fr="MITRE ATLAS", release=release,
        publisher="The MITRE Corporation", licence="Apache-2.0", url="https://atlas.mitre.org/",
        entries=[*tactics.values(), *techniques.values()],
    )
