"""CVSS vectors (3.1 and 4.0), parsed and scored by Red Hat Product Security's `cvss` library.

A vector is read as given; a malformed one is refused with a message naming the problem (the field, the metric or the
value at fault), in the reader's language. The score is the one the vector's metrics give: for 3.1 the environmental
score, which is the base score when the vector has only base metrics; for 4.0 the single CVSS-BTE score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

VERSIONS = ("3.1", "4.0")
PREFIX = re.compile(r"^CVSS:(\d+\.\d+)/")


@dataclass(frozen=True)
class Score:
    version: str
    vector: str  # as the library writes it back (metrics in the specification's order)
    score: Decimal
    rating: str  # the specification's qualitative rating: None, Low, Medium, High, Critical


def _problem(message: str) -> str:
    """The library's message (English) in the reader's words, for the problems people make."""
    patterns = (
        (r'Unknown value "(.*)" in field "(.*)"', lambda m: _("“%(value)s” is not a value of the metric in "
                                                               "“%(field)s”.") % {"value": m[1], "field": m[2]}),
        (r'Invalid metric value in CVSS4 vector "(.*)"', lambda m: _("“%(field)s” has a value the metric does "
                                                                    "not take.") % {"field": m[1]}),
        (r'Unknown metric "(.*)" in field "(.*)"', lambda m: _("“%(metric)s” is not a metric of this CVSS "
                                                                "version.") % {"metric": m[1]}),
        (r'Invalid metric key in CVSS4 vector "(.*)"', lambda m: _("“%(metric)s” is not a metric of this CVSS "
                                                                  "version.") % {"metric": m[1]}),
        (r'Missing mandatory metrics? "?([^"]*)"?', lambda m: _("Metrics missing: %(metrics)s.") % {
            "metrics": m[1]}),
        (r'Duplicate metric "(.*)"', lambda m: _("The metric %(metric)s is given twice.") % {"metric": m[1]}),
        (r"Empty field", lambda m: _("An empty field (two “/” in a row).")),
        (r'trailing "/"', lambda m: _("The vector ends with “/”.")),
        (r'Malformed CVSS\d field "(.*)"', lambda m: _("“%(field)s” is not a metric:value pair.") % {
            "field": m[1]}),
    )
    for pattern, words in patterns:
        match = re.search(pattern, message)
        if match:
            return words(match)
    return message


def parse(vector: str) -> Score:
    """Parse and score `vector`; ValidationError({"cvss_vector": ...}) naming the problem when it is malformed."""
    from cvss import CVSS3, CVSS4, CVSSError

    vector = (vector or "").strip()
    match = PREFIX.match(vector)
    if not match:
        raise ValidationError({"cvss_vector": _("A CVSS vector starts with “CVSS:3.1/” or “CVSS:4.0/”, followed by "
                                                "its metrics (for example AV:N/AC:L/...).")})
    version = match[1]
    if version not in VERSIONS:
        raise ValidationError({"cvss_vector": _("CVSS %(version)s is not supported: give a CVSS 3.1 or 4.0 "
                                                "vector.") % {"version": version}})
    try:
        if version == "4.0":
            parsed = CVSS4(vector)
            score, rating = parsed.base_score, parsed.severity
        else:
            parsed = CVSS3(vector)
            score, rating = parsed.scores()[2], parsed.severities()[2]
    except CVSSError as error:
        raise ValidationError({"cvss_vector": _("The CVSS vector is malformed: %(problem)s") % {
            "problem": _problem(str(error))}}) from error
    return Score(version=version, vector=parsed.clean_vector(), score=Decimal(str(score)).quantize(Decimal("0.1")),
                 rating=str(rating))
