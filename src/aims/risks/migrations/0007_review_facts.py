"""Risk reviews keep why they were asked for as facts (aims.risks.review_reasons), rendered in the reader's language.

Reviews stored before kept English (or French) sentences in `reason`, later events on lines "[source] sentence". Each
sentence the product wrote is recognised (in English and French) and becomes its message with its values; anything
else is kept as typed text. `reason` then keeps only the typed text.
"""

import re

from django.db import migrations, models
from django.utils import translation

# The product's messages that reasons were written from (frozen here: the migration must not follow later edits).
MESSAGES = (
    "The acceptance reached its expiry date.",
    "Periodic review due on %(date)s",
    "%(system)s is going live.",
    "Major change of %(system)s: %(description)s",
    "Post-incident review of %(incident)s “%(title)s”: %(lessons)s",
    "%(kpi)s is %(value)s, beyond its %(level)s threshold of %(threshold)s.",
    "%(kpi)s has received no value since %(since)s.",
    "Drift in %(drifted)s of %(tested)s columns (%(columns)s).",
    "%(supplier)s: %(kind)s (%(date)s): %(description)s",
)
# Values that were themselves product messages (stored as messages, so they are translated too).
LABELS = {
    "level": ("critical", "warning"),
    "since": ("its creation",),
    "kind": ("Acquisition or change of control", "Model change", "Sub-processor change", "Outage",
             "Security or AI incident"),
}
SOURCES = ("periodic", "incident", "major_change", "go_live", "supplier_change", "drift", "kpi_breach",
           "acceptance_expired", "manual")
LANGUAGES = ("en", "fr")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_LINE = re.compile(r"^\[(%s)\] " % "|".join(SOURCES), re.MULTILINE)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _pattern(template: str):
    parts, last = [], 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[last:match.start()]))
        parts.append(f"(?P<{match.group(1)}>.+?)")
        last = match.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def _patterns():
    patterns = []
    for message in MESSAGES:
        for language in LANGUAGES:
            with translation.override(language):
                template = translation.gettext(message)
                labels = {key: {translation.gettext(label): label for label in values} for key, values in LABELS.items()}
            patterns.append((message, _pattern(template), labels))
    return patterns


def _value(key: str, value: str, labels: dict):
    """A recognised value as stored_text keeps it, or None when it does not fit the message (then no match)."""
    if key in labels:
        label = labels[key].get(value)
        if label is not None:
            return {"message": label}
        return value if key == "since" else None
    if key == "date":
        return {"date": value} if _DATE.match(value) else None
    return value


def entry(source: str, text: str, patterns) -> dict:
    """One stored sentence as a fact: the first message it was written from, or typed text."""
    text = text.strip()
    for message, pattern, labels in patterns:
        match = pattern.match(text)
        if match is None:
            continue
        params = {key: _value(key, value, labels) for key, value in match.groupdict().items()}
        if all(value is not None for value in params.values()):
            return {"source": source, "message": message, "params": params}
    return {"source": source, "text": text}


def facts_of(source: str, reason: str, patterns=None) -> list:
    """A stored reason ("first sentence\\n[source] later sentence...") as facts, in order."""
    patterns = patterns or _patterns()
    chunks, sources, last = [], [source], 0
    for match in _LINE.finditer(reason or ""):
        chunks.append(reason[last:match.start()])
        sources.append(match.group(1))
        last = match.end()
    chunks.append((reason or "")[last:])
    return [entry(s, chunk, patterns) for s, chunk in zip(sources, chunks) if chunk.strip()]


def convert(apps, schema_editor):
    RiskReview = apps.get_model("risks", "RiskReview")
    patterns = _patterns()
    for review in RiskReview.objects.filter(facts=[]).only("pk", "source", "reason").iterator():
        facts = facts_of(review.source, review.reason, patterns)
        typed = "\n".join(item["text"] for item in facts if "text" in item)
        RiskReview.objects.filter(pk=review.pk).update(facts=facts, reason=typed)


def back(apps, schema_editor):
    RiskReview = apps.get_model("risks", "RiskReview")
    for review in RiskReview.objects.exclude(facts=[]).only("pk", "facts").iterator():
        lines = []
        for index, item in enumerate(review.facts):
            if "message" in item:
                values = {k: (v.get("message") or v.get("date") or "") if isinstance(v, dict) else v
                          for k, v in (item.get("params") or {}).items()}
                try:
                    text = item["message"] % values
                except (KeyError, ValueError, TypeError):
                    text = item["message"]
            else:
                text = item.get("text", "")
            lines.append(f"[{item.get('source')}] {text}" if index else text)
        RiskReview.objects.filter(pk=review.pk).update(reason="\n".join(lines) or "-")


class Migration(migrations.Migration):

    dependencies = [
        ('risks', '0006_heatmap_organisation_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='riskreview',
            name='facts',
            field=models.JSONField(blank=True, default=list, verbose_name='reasons'),
        ),
        migrations.AlterField(
            model_name='riskreview',
            name='reason',
            field=models.TextField(blank=True, verbose_name='reason'),
        ),
        migrations.RunPython(convert, back),
    ]
