"""The HTML building blocks escape every value from the data."""

from __future__ import annotations

import base64
import datetime as dt

import polars as pl
import pytest

from routing.reports import html as h

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (HOSTILE, "&lt;img src=x onerror=alert(1)&gt;"),
        ("<script>alert('x')</script>", "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"),
        ('"quoted" & more', "&quot;quoted&quot; &amp; more"),
        (None, ""),
        (True, "yes"),
        (1234.5, "1,234.50"),
        (float("nan"), ""),
        (dt.date(2030, 6, 3), "2030-06-03"),
        (dt.time(8, 30), "08:30"),
        (["a<", "b"], "a&lt;, b"),
    ],
)
def test_values_are_displayed_as_escaped_text(value: object, expected: str) -> None:
    assert h.escape(value).markup == expected


def test_markup_built_here_is_not_escaped_twice() -> None:
    bold = h.tag("b", HOSTILE)
    assert h.escape(bold) is bold
    assert h.join([bold, "<i>"]).markup == "<b>&lt;img src=x onerror=alert(1)&gt;</b>&lt;i&gt;"


def test_attribute_values_are_escaped_and_event_handlers_refused() -> None:
    assert h.tag("span", "x", title='" onmouseover="alert(1)').markup == (
        '<span title="&quot; onmouseover=&quot;alert(1)">x</span>'
    )
    with pytest.raises(ValueError, match="unsafe attribute"):
        h.tag("span", "x", onclick="alert(1)")
    with pytest.raises(ValueError, match="unsafe tag"):
        h.tag("script src=x", "")


def test_table_escapes_cells_and_headers_and_marks_numbers() -> None:
    frame = pl.DataFrame({"name": [HOSTILE], "jobs": [3]})
    markup = h.table(frame, {"name": "<th>", "jobs": "Jobs"}).markup
    assert "<img" not in markup
    assert "&lt;img src=x onerror=alert(1)&gt;" in markup
    assert "<th>&lt;th&gt;</th>" in markup
    assert '<td class="num">3</td>' in markup


def test_table_says_how_many_rows_it_left_out() -> None:
    markup = h.table([{"n": i} for i in range(10)], ["n"], max_rows=3).markup
    assert markup.count("<tr>") == 4  # header + 3 rows
    assert "Showing 3 of 10 rows." in markup


def test_empty_table_prints_the_given_sentence() -> None:
    assert h.table([], ["a"], empty="No errors.").markup == '<p class="rr-note">No errors.</p>'


def test_rows_flagged_by_row_class_get_the_class() -> None:
    markup = h.table(
        [{"t": "a", "chosen": True}, {"t": "b", "chosen": False}], ["t"], row_class="chosen"
    ).markup
    assert markup.count('<tr class="chosen">') == 1


def test_details_is_collapsible_with_an_escaped_summary() -> None:
    markup = h.details(HOSTILE, h.paragraph("body")).markup
    assert markup.startswith("<details><summary>&lt;img")
    assert "<p>body</p>" in markup


@pytest.mark.parametrize(
    "target", ["javascript:alert(1)", "https://cdn.example.com/x.js", "../etc/passwd", "a b.csv"]
)
def test_links_only_point_at_files_next_to_the_report(target: str) -> None:
    with pytest.raises(ValueError, match="only relative file names"):
        h.link(target, "x")


def test_link_to_a_companion_file_is_allowed() -> None:
    assert h.link("run-1-appointments.csv", "CSV").markup == '<a href="run-1-appointments.csv">CSV</a>'


def test_images_are_embedded_as_data_uris() -> None:
    markup = h.image_png(b"\x89PNG...", 'chart "x"').markup
    assert 'src="data:image/png;base64,' + base64.b64encode(b"\x89PNG...").decode() in markup
    assert 'alt="chart &quot;x&quot;"' in markup


def test_notebooks_display_html_inside_the_report_wrapper() -> None:
    shown = h.paragraph("hi")
    assert shown._repr_html_() == '<div class="rr-report"><p>hi</p></div>'
    assert repr(shown) == "<Html: 9 characters>"
