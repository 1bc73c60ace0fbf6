"""The long lists' row helpers write what Django's format_html and reverse write."""

from datetime import date

from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from aims.core import table_rows

HOSTILE = ['<script>alert("x")</script>', "O'Brien & <Co>", "\"quoted\"", "é<>&'\"", "", "plain"]


class _Markup:
    def __html__(self):
        return "<b>kept</b>"


def test_escaping_matches_conditional_escape():
    lazy_safe = mark_safe(gettext_lazy("Risks"))
    values = [*HOSTILE, mark_safe("<i>safe</i>"), gettext_lazy("above appetite"), lazy_safe, 42, None,
              date(2026, 12, 7), _Markup()]
    for language in ("en", "fr"):
        with override(language):
            for value in values:
                assert table_rows.escaped(value) == str(conditional_escape(value)), value


def test_a_row_matches_format_html():
    template = '<tr data-x="{}"><td><a href="{}">{}</a>{}</td></tr>'
    for value in HOSTILE:
        args = (value, f"/x/{value}/", value, mark_safe(" <span>tag</span>"))
        row = table_rows.format_row(template, *args)
        assert row == format_html(template, *args)
        assert hasattr(row, "__html__")  # safe: a template shows it as it is


def test_the_detail_url_is_reversed_once_and_filled_per_row():
    detail = table_rows.detail_url("risks:risk_detail")
    for pk in (1, 7, 123456):
        assert detail(pk) == reverse("risks:risk_detail", args=[pk])
