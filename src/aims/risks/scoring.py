"""The arithmetic of a risk method, free of the database: validation of a method's definition, scores and levels.

A method is plain data (scales, levels, matrix, appetite) so that a risk manager can define it, a catalogue can ship
it and an old version can keep scoring the risks that were assessed with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MIN_SCALE, MAX_SCALE = 3, 6
MIN_LEVELS, MAX_LEVELS = 2, 6
MAX_REVIEW_DAYS = 3 * 366
HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
LEVEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class Level:
    key: str
    label_en: str
    label_fr: str
    colour: str
    rank: int
    review_days: int
    acceptance_roles: tuple[str, ...] = ()
    acceptance_groups: tuple[str, ...] = ()

    def label(self, language: str = "en") -> str:
        return self.label_fr if language == "fr" and self.label_fr else self.label_en


@dataclass(frozen=True)
class Method:
    """A validated method definition, ready to score. Likelihood and impact values run from 1 to the scale size."""

    likelihood_scale: tuple[dict, ...]
    impact_scale: tuple[dict, ...]
    levels: dict[str, Level]
    matrix: tuple[tuple[str, ...], ...]
    appetite_level: str
    appetite_by_category: dict[str, str] = field(default_factory=dict)

    @property
    def likelihood_count(self) -> int:
        return len(self.likelihood_scale)

    @property
    def impact_count(self) -> int:
        return len(self.impact_scale)

    def check_cell(self, likelihood: int, impact: int, *, prefix: str = "") -> None:
        errors = {}
        if not isinstance(likelihood, int) or not 1 <= likelihood <= self.likelihood_count:
            errors[f"{prefix}likelihood"] = _("Choose a likelihood between 1 and %(n)d.") % {"n": self.likelihood_count}
        if not isinstance(impact, int) or not 1 <= impact <= self.impact_count:
            errors[f"{prefix}impact"] = _("Choose an impact between 1 and %(n)d.") % {"n": self.impact_count}
        if errors:
            raise ValidationError(errors)

    def score(self, likelihood: int, impact: int) -> int:
        """likelihood x impact: a sort key within a level, never a substitute for the level."""
        self.check_cell(likelihood, impact)
        return likelihood * impact

    def level_of(self, likelihood: int, impact: int) -> Level:
        self.check_cell(likelihood, impact)
        return self.levels[self.matrix[likelihood - 1][impact - 1]]

    def appetite_for(self, category: str | None) -> Level:
        return self.levels[self.appetite_by_category.get(category or "", self.appetite_level)]

    def is_above_appetite(self, level_key: str, category: str | None = None) -> bool:
        return self.levels[level_key].rank > self.appetite_for(category).rank

    def levels_by_rank(self) -> list[Level]:
        return sorted(self.levels.values(), key=lambda level: level.rank)


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _check_scale(name: str, scale, errors: dict) -> None:
    if not isinstance(scale, (list, tuple)) or not MIN_SCALE <= len(scale) <= MAX_SCALE:
        errors[name] = _("A scale has between %(min)d and %(max)d steps.") % {"min": MIN_SCALE, "max": MAX_SCALE}
        return
    problems = []
    for position, step in enumerate(scale, start=1):
        if not isinstance(step, dict):
            problems.append(_("Step %(n)d is not a set of labels.") % {"n": position})
            continue
        for key in ("label_en", "label_fr"):
            if not _text(step.get(key)):
                problems.append(_("Step %(n)d needs an English and a French label.") % {"n": position})
                break
        for key in ("description_en", "description_fr"):
            if step.get(key) is not None and not isinstance(step.get(key), str):
                problems.append(_("Step %(n)d has a description that is not text.") % {"n": position})
                break
    if problems:
        errors[name] = " ".join(problems)


def _check_levels(levels, roles: set[str], errors: dict) -> dict[str, Level]:
    if not isinstance(levels, (list, tuple)) or not MIN_LEVELS <= len(levels) <= MAX_LEVELS:
        errors["levels"] = _("A method has between %(min)d and %(max)d risk levels.") % {"min": MIN_LEVELS, "max": MAX_LEVELS}
        return {}
    parsed: dict[str, Level] = {}
    problems: list[str] = []
    ranks: set[int] = set()
    for position, raw in enumerate(levels, start=1):
        if not isinstance(raw, dict):
            problems.append(_("Level %(n)d is not a set of fields.") % {"n": position})
            continue
        key = _text(raw.get("key"))
        if not LEVEL_KEY.match(key):
            problems.append(_("Level %(n)d needs a key of lower-case letters, digits, - or _.") % {"n": position})
            continue
        if key in parsed:
            problems.append(_("The level key “%(key)s” is used twice.") % {"key": key})
            continue
        if not _text(raw.get("label_en")) or not _text(raw.get("label_fr")):
            problems.append(_("Level “%(key)s” needs an English and a French label.") % {"key": key})
        colour = _text(raw.get("colour"))
        if not HEX_COLOUR.match(colour):
            problems.append(_("Level “%(key)s” needs a colour written #RRGGBB, e.g. #D32F2F.") % {"key": key})
        rank = raw.get("rank")
        if not isinstance(rank, int) or isinstance(rank, bool) or rank < 1:
            problems.append(_("Level “%(key)s” needs a rank (1 = least severe).") % {"key": key})
            rank = 0
        elif rank in ranks:
            problems.append(_("Two levels share the rank %(rank)d.") % {"rank": rank})
        ranks.add(rank)
        review_days = raw.get("review_days")
        if not isinstance(review_days, int) or isinstance(review_days, bool) or not 1 <= review_days <= MAX_REVIEW_DAYS:
            problems.append(_("Level “%(key)s” needs a review period between 1 and %(max)d days.")
                            % {"key": key, "max": MAX_REVIEW_DAYS})
            review_days = 0
        level_roles = tuple(raw.get("acceptance_roles") or ())
        unknown = [r for r in level_roles if r not in roles]
        if unknown:
            problems.append(_("Level “%(key)s” names unknown roles: %(roles)s.") % {"key": key, "roles": ", ".join(map(str, unknown))})
        groups = tuple(_text(g) for g in (raw.get("acceptance_groups") or ()))
        if any(not g for g in groups):
            problems.append(_("Level “%(key)s” names an empty group.") % {"key": key})
        parsed[key] = Level(key=key, label_en=_text(raw.get("label_en")), label_fr=_text(raw.get("label_fr")),
                            colour=colour, rank=rank, review_days=review_days, acceptance_roles=level_roles,
                            acceptance_groups=groups)
    if problems:
        errors["levels"] = " ".join(problems)
    return parsed


def _check_matrix(matrix, rows: int, columns: int, levels: dict[str, Level], errors: dict) -> None:
    if not isinstance(matrix, (list, tuple)) or len(matrix) != rows or any(
        not isinstance(row, (list, tuple)) or len(row) != columns for row in matrix
    ):
        errors["matrix"] = _("The matrix must have one row per likelihood step (%(rows)d) and one cell per impact "
                             "step (%(columns)d) in each row.") % {"rows": rows, "columns": columns}
        return
    problems = []
    for l_index, row in enumerate(matrix, start=1):
        for i_index, key in enumerate(row, start=1):
            if key not in levels:
                problems.append(_("Cell likelihood %(l)d × impact %(i)d has no known level.") % {"l": l_index, "i": i_index})
    if problems:
        errors["matrix"] = " ".join(problems)
        return
    # A higher likelihood or impact must never land in a less severe level: it would make treatment look
    # successful when it is not.
    for l_index in range(rows):
        for i_index in range(columns):
            rank = levels[matrix[l_index][i_index]].rank
            if (l_index and levels[matrix[l_index - 1][i_index]].rank > rank) or (
                i_index and levels[matrix[l_index][i_index - 1]].rank > rank
            ):
                errors["matrix"] = _("Cell likelihood %(l)d × impact %(i)d is less severe than a cell with a lower "
                                     "likelihood or impact.") % {"l": l_index + 1, "i": i_index + 1}
                return


def build_method(*, likelihood_scale, impact_scale, levels, matrix, appetite_level, appetite_by_category=None,
                 roles=(), categories=None) -> Method:
    """Validate a method's definition and return it ready to score; raise ValidationError naming each bad field.

    `roles` are the role keys acceptance rules may name; `categories` (if given) the risk category keys the
    per-category appetite may name.
    """
    errors: dict[str, str] = {}
    _check_scale("likelihood_scale", likelihood_scale, errors)
    _check_scale("impact_scale", impact_scale, errors)
    parsed = _check_levels(levels, set(roles), errors)
    if "likelihood_scale" not in errors and "impact_scale" not in errors and parsed:
        _check_matrix(matrix, len(likelihood_scale), len(impact_scale), parsed, errors)
    if parsed and appetite_level not in parsed:
        errors["appetite_level"] = _("Choose the appetite among the method's levels.")
    by_category = appetite_by_category or {}
    if not isinstance(by_category, dict):
        errors["appetite_by_category"] = _("Give the appetite per category as category: level.")
        by_category = {}
    problems = []
    for category, key in by_category.items():
        if categories is not None and category not in categories:
            problems.append(_("“%(category)s” is not a risk category.") % {"category": category})
        elif parsed and key not in parsed:
            problems.append(_("The appetite for “%(category)s” is not one of the method's levels.") % {"category": category})
    if problems:
        errors["appetite_by_category"] = " ".join(problems)
    if parsed and "appetite_level" not in errors and "appetite_by_category" not in errors:
        # Whoever may accept a level above appetite must be written down, or nobody could ever accept it.
        lowest_appetite = min([parsed[appetite_level].rank] + [parsed[k].rank for k in by_category.values()])
        missing = [lv.key for lv in parsed.values()
                   if lv.rank > lowest_appetite and not lv.acceptance_roles and not lv.acceptance_groups]
        if missing:
            errors["levels"] = _("Say who may accept the levels above appetite: %(levels)s.") % {"levels": ", ".join(missing)}
    if errors:
        raise ValidationError(errors)
    return Method(
        likelihood_scale=tuple(likelihood_scale), impact_scale=tuple(impact_scale), levels=parsed,
        matrix=tuple(tuple(row) for row in matrix), appetite_level=appetite_level, appetite_by_category=dict(by_category),
    )
