"""Reading pastes, CSVs and workbooks into text cells numbered by spreadsheet row."""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import routing.zips.parse as parse_module
from routing.errors import BadInput
from routing.zips.columns import closest_header, field_for_header
from routing.zips.enrich import Reference, enrich
from routing.zips.parse import (
    _table_from_records,
    decode_text,
    parse_bytes,
    read_text_records,
    read_text_table,
    sniff_delimiter,
)
from routing.zips.preview import diff_mapping, empty_mapping
from routing.zips.repair import clean_cells

HEADER = "Zip,Location,Territory,Sales Rep,Work Order Territory,Notes"


def cells(data: bytes, **kwargs: object) -> list[dict[str, object]]:
    return parse_bytes(data, **kwargs).cells.to_dicts()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Zip,Notes\n02134,Café\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "Zip,Notes\n02134,Café\n".encode(), "utf-8-sig"),
        ("Zip,Notes\n02134,Café\n".encode("cp1252"), "cp1252"),
        ("Zip\tNotes\r\n02134\tCafé\r\n".encode("utf-16"), "utf-16"),
    ],
)
def test_text_is_decoded_from_utf8_bom_windows_1252_and_utf16(data: bytes, encoding: str) -> None:
    text, detected = decode_text(data)
    assert detected == encoding
    assert "Café" in text


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ("Zip\tLocation\tNotes", "\t"),
        ("Zip;Location;Notes", ";"),
        ("Zip,Location,Notes", ","),
        ('"Zip;code",Location,Notes', ","),
        ("Zip", ","),
    ],
)
def test_the_delimiter_is_sniffed_from_the_header_line(header: str, delimiter: str) -> None:
    assert sniff_delimiter(f"\n{header}\n02134;x,y\tz\n") == delimiter


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Zip", "zip"),
        ("ZIP Code", "zip"),
        ("zip_code", "zip"),
        ("Postal Code", "zip"),
        (" ZIP/Postal code ", "zip"),
        ("Office", "location"),
        ("Location", "location"),
        ("territory", "territory"),
        ("Sales Rep", "sales_rep"),
        ("SALES_REP", "sales_rep"),
        ("Work Order Territory", "work_order_territory"),
        ("Notes", "notes"),
        ("Region", None),
    ],
)
def test_header_cells_are_matched_leniently(header: str, field: str | None) -> None:
    assert field_for_header(header) == field


def test_a_misspelt_header_gets_a_suggestion() -> None:
    assert closest_header("Sales Reps") == "Sales Rep"
    assert closest_header("Manager") is None


def test_every_cell_is_read_as_text_so_zips_keep_their_leading_zeros() -> None:
    sheet = parse_bytes(b"Zip,Location\n02134,BOS\n00501,7\n")
    assert sheet.cells.schema == pl.Schema({"row_no": pl.Int64, "zip": pl.String, "location": pl.String})
    assert sheet.cells["zip"].to_list() == ["02134", "00501"]


def test_rows_are_spreadsheet_rows_across_blank_rows_and_quoted_line_breaks() -> None:
    data = b'\n\nZip,Location,Notes\r\n02134,BOS,"one\r\ntwo\r\nthree"\r\n\r\n,,\r\n06103,HFD,\r\n'
    sheet = parse_bytes(data)
    assert sheet.header_row == 3
    assert [(r["row_no"], r["zip"]) for r in sheet.cells.to_dicts()] == [(4, "02134"), (7, "06103")]
    assert sheet.cells["notes"][0] == "one\r\ntwo\r\nthree"


def test_a_pasted_block_is_tab_separated_and_recorded_as_a_paste() -> None:
    sheet = parse_bytes(b"Zip\tOffice\n02134\tBoston\n", pasted=True)
    assert (sheet.source, sheet.delimiter, sheet.columns) == ("paste", "\t", ("zip", "location"))


def test_unknown_columns_are_ignored_with_a_warning_and_template_info_columns_silently() -> None:
    sheet = parse_bytes(b"Zip,Location,Region,Customers,Leads,City,State\n02134,BOS,East,1,0,Allston,MA\n")
    assert sheet.columns == ("zip", "location")
    assert [(w.row, w.column, w.code) for w in sheet.warnings] == [(1, "Region", "ignored_column")]


def test_a_workbook_is_read_as_text_from_its_first_sheet_with_its_real_row_numbers() -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in ([None], ["Zip", "Location"], [2134, "BOS"], [None], [6103.0, "HFD"]):
        sheet.append(row)
    workbook.create_sheet("Old").append(["x"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    parsed = parse_bytes(buffer.getvalue(), file_name="zips.xlsx")

    assert (parsed.source, parsed.header_row) == ("xlsx", 2)
    assert [(r["row_no"], r["zip"]) for r in parsed.cells.to_dicts()] == [(3, "2134"), (5, "6103")]
    assert [w.code for w in parsed.warnings] == ["extra_sheets"]


@pytest.mark.parametrize(
    ("data", "file_name", "words"),
    [
        (b"", "a.csv", "is empty"),
        (b"\xef\xbb\xbf", "a.csv", "has no rows"),
        (b"\x00\x01\x02\x03binary\x00", "a.csv", "binary file"),
        (b"02134,BOS\n", "a.csv", "looks like data"),
        (b"Name,Phone\nAnn,1\n", "a.csv", "no header row naming"),
        (b"Zip,Location\n", "a.xlsx", "not a readable Excel workbook"),
        (b"PK\x03\x04garbage", "a.csv", "not a readable Excel workbook"),
        pytest.param(
            b"Zip,Location\n" + b"02134,BOS\n" * 8000 + b"02135,B\x00OS\n",
            "a.csv",
            "has a NUL byte on line 8002",
            id="nul-past-the-binary-sniff",
        ),
    ],
)
def test_unreadable_input_is_bad_input_with_one_sentence_naming_the_file(
    data: bytes, file_name: str, words: str
) -> None:
    with pytest.raises(BadInput) as caught:
        parse_bytes(data, file_name=file_name)
    assert words in caught.value.message
    assert caught.value.message.startswith(file_name)


def test_a_paste_is_named_as_such_in_errors() -> None:
    with pytest.raises(BadInput, match=r"^The pasted text is empty"):
        parse_bytes(b"  \n", pasted=True)


REFERENCE = Reference(
    pl.DataFrame({"id": [1], "code": ["BOS"], "name": ["Boston"]}),
    pl.DataFrame({"zip": ["02134"], "zip_type": ["STANDARD"], "active": [True]}),
)


def _core_without_great_expectations(data: bytes) -> None:
    """Everything between the bytes and the suite: it must either refuse with BadInput or produce frames."""
    try:
        sheet = parse_bytes(data, file_name="fuzz.csv")
    except BadInput:
        return
    cleaned = clean_cells(sheet.cells, sheet.columns)
    enriched = enrich(cleaned.rows, sheet.columns, REFERENCE)
    assert enriched.height == cleaned.rows.height
    if "zip" in sheet.columns and "location" in sheet.columns:
        valid = enriched.filter(pl.col("location_id").is_not_null() & pl.col("zip").str.contains(r"^\d{5}$"))
        diff_mapping(
            valid.unique("zip").select("zip", "location_id"), sheet.columns, empty_mapping(), {1: "BOS"}
        )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_fuzzed_bytes_only_ever_give_bad_input_or_rows(data: bytes) -> None:
    _core_without_great_expectations(data)


cell_text = st.text(alphabet=st.sampled_from(list("0123456789 ,;\t\"\r\n=+-@.abcZIPé\u00a0'")), max_size=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([",", ";", "\t"]),
    st.lists(st.lists(cell_text, min_size=0, max_size=8), max_size=12),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
)
def test_fuzzed_spreadsheet_like_text_only_ever_gives_bad_input_or_rows(
    delimiter: str, rows: list[list[str]], encoding: str
) -> None:
    header = delimiter.join(["Zip", "Location", "Territory", "Notes"])
    body = "\r\n".join(delimiter.join(row) for row in rows)
    data = f"{header}\r\n{body}".encode(encoding, errors="replace")
    _core_without_great_expectations(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([",", ";", "\t"]),
    st.lists(st.lists(cell_text, min_size=0, max_size=6), max_size=12),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_the_fast_reader_reads_exactly_what_the_forgiving_reader_reads(
    delimiter: str, rows: list[list[str]], newline: str, quote_all: bool
) -> None:
    """polars' CSV reader (the fast path) agrees with the csv module on every text it accepts:
    same rows, same row numbers, same cells (an empty cell may be '' on one side, null on the other)."""
    out = io.StringIO(newline="")
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    writer.writerow(["Zip", "Location", "Territory", "Notes"])
    writer.writerows(rows)
    _both_readers_agree(out.getvalue(), delimiter)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([",", ";", "\t"]), st.lists(st.lists(cell_text, max_size=6), max_size=12))
@example(",", [['"', '"0"', '"']])  # polars read ,0, where the csv module reads ,0" and a line break
@example(",", [['""1"']])  # polars read 1, the csv module 1"
@example(",", [["", '","q"'], ["x", '""', 'a"']])  # polars read one row, the csv module two
def test_on_hand_typed_text_with_stray_quotes_the_readers_agree_or_the_forgiving_one_reads_it(
    delimiter: str, rows: list[list[str]]
) -> None:
    body = "\n".join(delimiter.join(row) for row in rows)
    _both_readers_agree(delimiter.join(["Zip", "Location", "Notes"]) + "\n" + body, delimiter)


def _both_readers_agree(text: str, delimiter: str) -> None:
    fast = read_text_table(text.encode(), text, delimiter)
    if fast is None:
        return  # the forgiving reader alone handles this text
    slow, _ = _table_from_records(read_text_records(text, delimiter))

    def blank_as_null(table: pl.DataFrame) -> list[tuple[str | None, ...]]:
        return [tuple(cell or None for cell in row) for row in table.iter_rows()]

    width = max(fast.width, slow.width)
    assert blank_as_null(_pad(fast, width)) == blank_as_null(_pad(slow, width))


def test_ragged_rows_and_loose_quotes_are_left_to_the_forgiving_reader() -> None:
    for text in (
        "Zip,Location\n02134,BOS,extra\n",
        'Zip,Location\n02134,"BOS"x\n',
        "Zip,Location\r02134,BOS\r",
        'Zip,Location\n02134,B"OS\n',  # a quote inside an unquoted cell
        'Zip,Location\n02134, "BOS"\n',  # a quote that does not open the cell
        'Zip,Location\n02134,"BOS" \n',  # a closing quote that does not end the cell
        'Zip,Location\n02134,"BOS""\n',  # a quoted cell that never closes
        ",,,,\nZip,Location\n02134,BOS\n",  # a header narrower than the blank row above it
    ):
        assert read_text_table(text.encode(), text, ",") is None, text
    rows = cells(b"Zip,Location\n02134,BOS,extra\n02135,BOS\n")
    assert [row["row_no"] for row in rows] == [2, 3]


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ('Zip,Location,Notes\r\n02134,"BOS","Gate, ""B"" side\r\nback door"\r\n"06103",HFD,""\r\n', ","),
        ('Zip;Location;Notes\n02134;BOS;"a; b"\n', ";"),
        ('Zip\tLocation\tNotes\n02134\tBOS\t"a\tb"', "\t"),
        (",,\nZip,Location,Notes\n02134,BOS,x\n", ","),  # the header is as wide as the blank row
    ],
)
def test_well_formed_quoting_keeps_the_fast_reader(text: str, delimiter: str) -> None:
    fast = read_text_table(text.encode(), text, delimiter)
    assert fast is not None
    slow, warnings = _table_from_records(read_text_records(text, delimiter))
    assert warnings == []
    assert [tuple(c or None for c in row) for row in fast.iter_rows()] == [
        tuple(c or None for c in row) for row in slow.iter_rows()
    ]


def test_a_stray_quote_after_a_quoted_cell_opening_the_row_reads_as_the_csv_module_reads_it() -> None:
    sheet = parse_bytes(b'Zip,Location,Notes\n","0","\n')
    assert (sheet.header_row, sheet.columns) == (1, ("zip", "location", "notes"))
    assert sheet.cells.rows() == [(2, ',0"', "\n", None)]
    assert (sheet.errors, sheet.warnings) == ((), ())


def test_a_doubled_quote_opening_an_unquoted_cell_keeps_its_trailing_quote() -> None:
    sheet = parse_bytes(b'Zip,Location,Notes\n""1"')
    assert sheet.cells.rows() == [(2, '1"', None, None)]
    assert (sheet.errors, sheet.warnings) == ((), ())


def test_a_stray_quote_never_swallows_the_next_row() -> None:
    sheet = parse_bytes(b'Zip,Location,Notes\n,","q"\nx,"",a"\n')
    assert sheet.cells.rows() == [(2, "", ',q"', None), (3, "x", "", 'a"')]
    assert (sheet.errors, sheet.warnings) == ((), ())


def test_cells_past_a_header_narrower_than_a_blank_row_above_it_are_reported() -> None:
    sheet = parse_bytes(b",,,,\nZip,Location\n02134,BOS,oops\n")
    assert (sheet.header_row, sheet.columns) == (2, ("zip", "location"))
    assert sheet.cells.rows() == [(3, "02134", "BOS")]
    assert [(w.row, w.column, w.value, w.code) for w in sheet.warnings] == [(3, None, "oops", "extra_cells")]
    assert sheet.warnings[0].message == (
        "Row 3 has 3 cells but the header has 2; the cells past the last column are ignored ('oops'). "
        "An unquoted delimiter inside a value?"
    )


def _pad(table: pl.DataFrame, width: int) -> pl.DataFrame:
    return table.with_columns(pl.lit(None, dtype=pl.String).alias(f"c{i}") for i in range(table.width, width))


blank_line = st.text(alphabet=st.sampled_from([" ", "\t", "\u00a0", "\u2003", "\x1c", "\x1f"]), max_size=4)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(blank_line, max_size=3),
    st.sampled_from([",", ";", "\t"]),
    st.lists(st.lists(cell_text, max_size=5), max_size=8),
)
@example([], ",", [['"', '"0"', '"']])  # --hypothesis-seed=6 found it: polars read ,0, for ,0"
@example([], ",", [['""1"']])
@example([], ",", [["", '","q"'], ["x", '""', 'a"']])
@example(["\t\t\t"], "\t", [["02134", "BOS", "n", "oops"]])  # a blank row wider than the header
def test_a_whole_sheet_parses_the_same_through_either_reader(
    leading: list[str], delimiter: str, rows: list[list[str]]
) -> None:
    """Header row, row numbers, cells and warnings agree whichever reader read the text."""
    header = delimiter.join(["Zip", "Location", "Notes"])
    text = "\n".join([*leading, header, *(delimiter.join(row) for row in rows)]) + "\n"
    data = text.encode()
    fast = _parse_or_error(data)
    original = parse_module.read_text_table
    parse_module.read_text_table = lambda *_args: None  # type: ignore[assignment]
    try:
        slow = _parse_or_error(data)
    finally:
        parse_module.read_text_table = original  # type: ignore[assignment]
    assert fast == slow
    if isinstance(fast, str):  # a short text dense with control characters reads as binary
        assert "looks like a binary file" in fast
        return
    assert fast[0] == len(leading) + 1  # the lines above the header are blank: it is found


def _parse_or_error(data: bytes) -> object:
    try:
        sheet = parse_bytes(data, file_name="sheet.csv")
    except BadInput as exc:
        return exc.message
    cells = [tuple(cell or None for cell in row) for row in sheet.cells.iter_rows()]
    return sheet.header_row, sheet.columns, cells, sheet.errors, sheet.warnings
