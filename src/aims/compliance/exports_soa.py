"""The Statement of Applicability as XLSX and PDF (WeasyPrint), in English or French, from an approved version's frozen
entries or from the live entries."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from aims.core import exports

from .models import SoAEntry, SoAVersion

LANGUAGES = ("en", "fr")


def _labels() -> tuple[dict, dict]:
    return dict(SoAEntry.Applicability.choices), dict(SoAEntry.Implementation.choices)


def headers() -> list[str]:
    return [_("Control"), _("Title"), _("Applicability"), _("Justification"), _("Implementation status"),
            _("Controls implementing it"), _("Risks requiring it"), _("Owner")]


def rows(entries: list[dict], language: str) -> list[list]:
    applicability, implementation = _labels()
    result = []
    for row in entries:
        excluded = row["applicability"] == SoAEntry.Applicability.EXCLUDED
        result.append([
            row["code"], row.get(f"title_{language}") or row["title_en"], str(applicability.get(row["applicability"], "")),
            row["justification"], "—" if excluded else str(implementation.get(row["implementation"], "")),
            "\n".join(f"{c['reference']} {c['title']}" for c in row["controls"]),
            "\n".join(r["title"] for r in row["risks"]), row.get("owner", ""),
        ])
    return result


def _heading(version: SoAVersion | None) -> dict:
    if version is None:
        return {"title": _("Statement of Applicability (working copy, not approved)"), "status": _("Working copy")}
    when = formats.date_format(timezone.localtime(version.decided_at), "DATE_FORMAT") if version.decided_at else ""
    return {"title": _("Statement of Applicability, version %(number)s") % {"number": version.number},
            "status": version.get_status_display(), "approved": when,
            "approver": str(version.decided_by) if version.decided_by_id else ""}


def xlsx(entries: list[dict], version: SoAVersion | None, language: str) -> bytes:
    with translation.override(language):
        heading = _heading(version)
        about = [[_("Document"), heading["title"]], [_("Status"), heading["status"]]]
        if version is not None:
            about += [[_("Catalogue version"), version.catalogue_version],
                      [_("Submitted by"), str(version.submitted_by)], [_("What changed and why"), version.summary]]
            if version.decided_by_id:
                about += [[_("Decided by"), heading["approver"]], [_("Decided on"), heading["approved"]]]
        return exports.xlsx_bytes(headers(), rows(entries, language), title=_("Statement of Applicability"),
                                  extra_sheets=[(_("About"), [_("Field"), _("Value")], about)])


def html(entries: list[dict], version: SoAVersion | None, language: str, organisation: str = "") -> str:
    """The printable document (what the PDF is rendered from)."""
    with translation.override(language):
        return render_to_string("compliance/soa_pdf.html", {
            "heading": _heading(version), "version": version, "headers": headers(), "rows": rows(entries, language),
            "organisation": organisation, "language": language,
            "generated": formats.date_format(timezone.localtime(), "DATETIME_FORMAT"),
        })


def pdf(entries: list[dict], version: SoAVersion | None, language: str, organisation: str = "") -> bytes:
    from weasyprint import HTML

    # No base URL: the document references nothing outside itself, so rendering never fetches anything.
    return HTML(string=html(entries, version, language, organisation)).write_pdf()
