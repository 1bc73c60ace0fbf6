"""Markdown for human notes, rendered then sanitised with nh3 so a note can never carry script or styles."""

import markdown as _markdown
import nh3

_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "h1", "h2", "h3", "h4", "a", "hr",
    "table", "thead", "tbody", "tr", "th", "td",
}


def render_markdown(text: str) -> str:
    html = _markdown.markdown(text or "", extensions=["tables", "fenced_code"], output_format="html")
    return nh3.clean(html, tags=_ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")
