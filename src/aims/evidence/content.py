"""What an uploaded file really is, judged by its content and not only its name.

The first bytes are matched against known signatures (the `filetype` library, pure Python). A file is accepted when
its content is one of the accepted kinds AND its extension belongs to that kind, so a web page renamed report.pdf, an
executable renamed notes.txt or an SVG (which can carry script) is refused with a message saying what it really is.
Text files have no signature: they must decode as UTF-8, hold no NUL byte, and not look like HTML or markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

HEAD_BYTES = 8192


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    mime: str
    extensions: tuple[str, ...]


# filetype's extension -> what we accept it as. Everything else with a signature is refused.
SIGNED_KINDS = {
    "pdf": Kind("pdf", "PDF", "application/pdf", ("pdf",)),
    "png": Kind("png", "PNG", "image/png", ("png",)),
    "jpg": Kind("jpeg", "JPEG", "image/jpeg", ("jpg", "jpeg")),
    "gif": Kind("gif", "GIF", "image/gif", ("gif",)),
    "webp": Kind("webp", "WebP", "image/webp", ("webp",)),
    "tif": Kind("tiff", "TIFF", "image/tiff", ("tif", "tiff")),
    "docx": Kind("docx", "Word (.docx)",
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)),
    "xlsx": Kind("xlsx", "Excel (.xlsx)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 ("xlsx",)),
    "pptx": Kind("pptx", "PowerPoint (.pptx)",
                 "application/vnd.openxmlformats-officedocument.presentationml.presentation", ("pptx",)),
    "odt": Kind("odt", "OpenDocument text", "application/vnd.oasis.opendocument.text", ("odt",)),
    "ods": Kind("ods", "OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet", ("ods",)),
    "odp": Kind("odp", "OpenDocument presentation", "application/vnd.oasis.opendocument.presentation", ("odp",)),
    "zip": Kind("zip", "ZIP", "application/zip", ("zip",)),
    "msg": Kind("msg", "Outlook message", "application/vnd.ms-outlook", ("msg",)),
}
TEXT = Kind("text", gettext_lazy("text"), "text/plain", ("txt", "csv", "md", "json", "yaml", "yml", "log", "eml"))
TEXT_MIME = {"csv": "text/csv", "json": "application/json", "md": "text/markdown", "eml": "message/rfc822"}
# Office files are zip archives: filetype may only see "zip" when the first entry is not the telling one.
ZIP_FAMILY = {"docx", "xlsx", "pptx", "odt", "ods", "odp"}
MARKUP = re.compile(rb"<\s*(!doctype\s+html|html|head|body|script|iframe|svg|object|embed|\?xml-stylesheet)\b",
                    re.IGNORECASE)


def extension_of(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def accepted_extensions() -> list[str]:
    return sorted({e for k in SIGNED_KINDS.values() for e in k.extensions} | set(TEXT.extensions))


_CONTROL_BYTES = bytes(c for c in range(32) if c not in (9, 10, 12, 13))


def _is_text(head: bytes) -> bool:
    if any(byte in _CONTROL_BYTES for byte in head[:1024]) or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the end of the sample is fine; anything earlier is not UTF-8.
        return error.start >= len(head) - 3
    return True


def check(filename: str, head: bytes) -> Kind:
    """The accepted kind of a file whose first bytes are `head`; ValidationError({"file": ...}) otherwise."""
    extension = extension_of(filename)
    if not head:
        raise ValidationError({"file": _("The file is empty.")})
    guessed = filetype.guess(head)
    if guessed is not None:
        kind = SIGNED_KINDS.get(guessed.extension)
        if kind is None:
            raise ValidationError({"file": _("This kind of file (%(kind)s) is not accepted as evidence.")
                                   % {"kind": guessed.mime}})
        if extension in kind.extensions:
            return kind
        if kind.key == "zip" and extension in ZIP_FAMILY:
            return SIGNED_KINDS[extension]
        raise ValidationError({"file": _("The file is named .%(extension)s but its content is %(kind)s: rename it "
                                         "or upload the right file.") % {"extension": extension or "?",
                                                                         "kind": kind.label}})
    if MARKUP.search(head):
        raise ValidationError({"file": _("The file contains web markup (HTML, SVG or script); such files are not "
                                         "accepted as evidence. Save it as PDF instead.")})
    if _is_text(head) and extension in TEXT.extensions:
        return Kind(f"text:{extension}", str(TEXT.label), TEXT_MIME.get(extension, "text/plain"), (extension,))
    if _is_text(head):
        raise ValidationError({"file": _("Text files are accepted with these extensions: %(list)s.")
                               % {"list": ", ".join(TEXT.extensions)}})
    raise ValidationError({"file": _("The content of this file was not recognised. Accepted: %(list)s.")
                           % {"list": ", ".join(accepted_extensions())}})
