"""Read a paste, a CSV or an Excel workbook into raw text cells numbered by spreadsheet row.

Everything is read as text (a zip must never become a number). Row numbers are the rows a
spreadsheet shows: the header is row 1 when it is the first row, a quoted cell with line breaks is
still one row, and blank rows are skipped but keep their number. Anything that cannot be read as a
table with a header raises ``BadInput`` with one sentence.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

import polars as pl

from routing.errors import BadInput
from routing.zips.columns import (
    DISPLAY_NAMES,
    FIELDS,
    closest_header,
    field_for_header,
    is_info_header,
)
from routing.zips.issues import RowIssue

Record = list[str | None]  # the cells of one row; row n of the sheet is records[n - 1]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LOOKS_LIKE_ZIP = re.compile(r"^\s*\d{3,5}(\.0+|-\d{4})?\s*$")
_FIELD_SIZE_LIMIT = 64 * 1024 * 1024
_BLANK = r"^[\s\x1c-\x1f]*$"  # what str.isspace() calls whitespace (\s is Unicode White_Space)
_WELL_QUOTED: dict[str, re.Pattern[str]] = {}  # per delimiter, see _quotes_are_well_formed


@dataclass(frozen=True)
class ParsedSheet:
    """Raw cells of the recognised columns: ``row_no`` (Int64) plus one String column per field present."""

    cells: pl.DataFrame
    columns: tuple[str, ...]
    header_row: int
    source: str  # paste | csv | xlsx
    encoding: str | None
    delimiter: str | None
    errors: tuple[RowIssue, ...]
    warnings: tuple[RowIssue, ...]


def parse_bytes(data: bytes, *, file_name: str | None = None, pasted: bool = False) -> ParsedSheet:
    """Parse an import's bytes (paste, CSV/TSV text or workbook); BadInput when unreadable."""
    label = _label(file_name, pasted)
    if not data.strip():
        raise BadInput(f"{label} is empty: there is nothing to import.")
    suffix = PurePath(file_name).suffix.lower() if file_name else ""
    warnings: list[RowIssue] = []
    if data.startswith(_WORKBOOK_MAGIC):
        table, extra_sheets = read_workbook(data, label)
        if extra_sheets:
            warnings.append(
                RowIssue(
                    None,
                    None,
                    None,
                    "extra_sheets",
                    f"The workbook has {len(extra_sheets) + 1} sheets; only the first is read "
                    f"(ignored: {', '.join(extra_sheets)}).",
                )
            )
        source, encoding, delimiter = "xlsx", None, None
        return _sheet(table, label, source, encoding, delimiter, warnings)
    if suffix in WORKBOOK_SUFFIXES:
        raise BadInput(f"{label} is not a readable Excel workbook (it is not a zip container).")
    text, encoding = decode_text(data, label)
    delimiter = sniff_delimiter(text)
    source = "paste" if pasted else "csv"
    fast = read_text_table(data if encoding == "utf-8" else text.encode("utf-8"), text, delimiter)
    if fast is not None:
        return _sheet(fast, label, source, encoding, delimiter, warnings)
    # ragged rows, stray quotes, a narrow header: the csv module reads those as a spreadsheet would
    table, extra = _table_from_records(read_text_records(text, delimiter, label))
    return _sheet(table, label, source, encoding, delimiter, [*warnings, *extra])


def decode_text(data: bytes, label: str = "The input") -> tuple[str, str]:
    """Decode text as UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252; BadInput for binary."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "cp1252"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:65536]
        if "\x00" in sample or len(_CONTROL.findall(sample)) > max(2, len(sample) // 100):
            break
        nul = text.find("\x00")
        if nul >= 0:  # past the sample: a text file with a stray NUL, which PostgreSQL cannot store
            line = text.count("\n", 0, nul) + 1
            raise BadInput(f"{label} has a NUL byte on line {line}; it is not plain spreadsheet text.")
        return text, encoding
    raise BadInput(f"{label} looks like a binary file, not a spreadsheet or CSV text.")


def sniff_delimiter(text: str) -> str:
    """Tab, semicolon or comma: whichever the first non-blank line (outside quotes) uses most."""
    line = next((candidate for candidate in text.splitlines() if candidate.strip()), "")
    counts = {"\t": 0, ";": 0, ",": 0}
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts.values())
    if best == 0:
        return ","
    return next(d for d in ("\t", ";", ",") if counts[d] == best)


def read_text_table(utf8: bytes, text: str, delimiter: str) -> pl.DataFrame | None:
    """Delimited text as a table of text cells ``c0..cN`` in polars' CSV reader, one row per record
    (blank lines kept as empty rows); None when the text needs the forgiving reader instead, which
    is whenever polars might read it differently: a quote anywhere but in a well-formed quoted cell
    (see ``_quotes_are_well_formed``), old Mac line ends (CR alone), a row longer than the first
    (polars refuses it), or a header row that may be narrower than a blank row above it (cells past
    the header's width get an ``extra_cells`` warning, and only the forgiving reader counts them)."""
    if text.count("\r") != text.count("\r\n"):
        return None
    if '"' in text and not _quotes_are_well_formed(text, delimiter):
        return None
    try:
        table = pl.read_csv(
            utf8,
            has_header=False,
            separator=delimiter,
            quote_char='"',
            infer_schema=False,
            raise_if_empty=False,
        )
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError):
        return None
    table = table.rename({name: f"c{i}" for i, name in enumerate(table.columns)})
    if not _header_is_full_width(table):
        return None
    return table


def _quotes_are_well_formed(text: str, delimiter: str) -> bool:
    """True when every quote is part of a well-formed quoted cell: it opens at the start of a cell,
    holds anything but lone quotes (a doubled quote is one quote), and its closing quote ends the
    cell (a delimiter, a line end or the end of the text follows). polars and the csv module read
    such text alike; they part ways on stray quotes. Linear time (possessive quantifiers)."""
    pattern = _WELL_QUOTED.get(delimiter)
    if pattern is None:
        d = re.escape(delimiter)
        quoted = rf'(?:\A|(?<=[{d}\n]))"[^"]*+(?:""[^"]*+)*+"(?=[{d}\n]|\r\n|\Z)'
        pattern = _WELL_QUOTED[delimiter] = re.compile(rf'[^"]*+(?:{quoted}[^"]*+)*+')
    return pattern.fullmatch(text) is not None


def _header_is_full_width(table: pl.DataFrame) -> bool:
    """polars makes every row as wide as the first and fills missing cells with null, so a header
    below a wider blank row loses its own width; trust it only when its last cell is there."""
    if table.height == 0 or not _blank(table.row(0)):
        return True  # the first row is the header (or there is none): the table is its width
    header_index = _first_filled_row(table)
    return header_index is None or table.row(header_index)[-1] is not None


def _blank_row(columns: Sequence[str]) -> pl.Expr:
    """True for a row whose cells are all blank as Python's str.strip() sees it (it also strips
    U+001C-U+001F, which polars does not), so both readers pick the same header row."""
    return pl.all_horizontal(pl.col(c).fill_null("").str.contains(_BLANK) for c in columns)


def _first_filled_row(table: pl.DataFrame) -> int | None:
    """The index of the first row that is not blank (the header row); None when all are."""
    filled = table.select((~_blank_row(table.columns)).arg_true()).to_series()
    return None if filled.is_empty() else int(filled[0])


def read_text_records(text: str, delimiter: str, label: str = "The input") -> list[Record]:
    """The rows of delimited text, one per spreadsheet row (quoted line breaks stay inside a cell)."""
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_SIZE_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=False)
    try:
        return list(reader)  # type: ignore[arg-type]
    except csv.Error as exc:
        raise BadInput(f"{label} cannot be read as delimited text: {exc}.") from None


def read_workbook(data: bytes, label: str = "The workbook") -> tuple[pl.DataFrame, list[str]]:
    """Rows of the first sheet as text (calamine via polars), and the names of the other sheets."""
    import fastexcel

    try:
        sheet_names = list(fastexcel.read_excel(data).sheet_names)
        frame = pl.read_excel(
            io.BytesIO(data),
            engine="calamine",
            sheet_id=1,
            has_header=False,
            drop_empty_rows=False,
            drop_empty_cols=False,
            raise_if_empty=False,
            read_options={"header_row": None, "skip_rows": 0, "dtypes": "string"},
        )
    except Exception as exc:  # calamine reports damage in many shapes
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BadInput(f"{label} is not a readable Excel workbook ({reason}).") from None
    frame = frame.select(pl.all().cast(pl.String))
    return frame.rename({name: f"c{i}" for i, name in enumerate(frame.columns)}), sheet_names[1:]


def _table_from_records(records: list[Record]) -> tuple[pl.DataFrame, list[RowIssue]]:
    """Ragged records as a table as wide as the header row, and a warning per row with cells past it."""
    header_index = next((i for i, cells in enumerate(records) if not _blank(cells)), None)
    width = len(records[header_index]) if header_index is not None else 1
    warnings = []
    if header_index is not None:
        warnings = _extra_cells(records[header_index + 1 :], header_index + 1, width)
    table = pl.DataFrame(
        [cells if len(cells) == width else (cells + [None] * width)[:width] for cells in records],
        schema=[(f"c{i}", pl.String) for i in range(width)],
        orient="row",
    )
    return table, warnings


def _sheet(
    table: pl.DataFrame,
    label: str,
    source: str,
    encoding: str | None,
    delimiter: str | None,
    warnings: list[RowIssue],
) -> ParsedSheet:
    """The recognised columns of ``table`` (text cells c0..cN, row n of the sheet at index n - 1)."""
    if table.width == 0:
        raise BadInput(f"{label} has no rows: there is nothing to import.")
    header_index = _first_filled_row(table)
    if header_index is None:
        raise BadInput(f"{label} has no rows: there is nothing to import.")
    header_row = header_index + 1
    positions, errors, header_warnings = _map_header(header_row, table.row(header_index), label)
    warnings.extend(header_warnings)
    columns = tuple(field for field in FIELDS if field in positions)
    row_no = pl.int_range(header_row + 1, table.height + 1, dtype=pl.Int64).alias("row_no")
    body = table.slice(header_row).with_columns(row_no)
    cells = body.filter(~_blank_row(table.columns)).select(
        "row_no", *(pl.col(f"c{positions[field]}").alias(field) for field in columns)
    )
    return ParsedSheet(
        cells, columns, header_row, source, encoding, delimiter, tuple(errors), tuple(warnings)
    )


def _map_header(
    header_row: int, header_cells: Sequence[str | None], label: str
) -> tuple[dict[str, int], list[RowIssue], list[RowIssue]]:
    positions: dict[str, int] = {}
    errors: list[RowIssue] = []
    warnings: list[RowIssue] = []
    for index, raw in enumerate(header_cells):
        text = (raw or "").strip()
        if not text or is_info_header(text):
            continue
        field = field_for_header(text)
        if field is None:
            hint = closest_header(text)
            message = f"Column {text!r} is not a mapping column; its values are ignored."
            if hint:
                message = f"Column {text!r} is not a mapping column (did you mean {hint!r}?); ignored."
            warnings.append(RowIssue(header_row, text, text, "ignored_column", message))
        elif field in positions:
            first = (header_cells[positions[field]] or "").strip()
            errors.append(
                RowIssue(
                    header_row,
                    field,
                    text,
                    "duplicate_column",
                    f"Columns {first!r} and {text!r} both mean {DISPLAY_NAMES[field]}; keep one.",
                )
            )
        else:
            positions[field] = index
    if not positions:
        shown = ", ".join(repr((c or "").strip()) for c in header_cells if (c or "").strip())[:200]
        first = next(((c or "").strip() for c in header_cells if (c or "").strip()), "")
        if _LOOKS_LIKE_ZIP.match(first):
            raise BadInput(
                f"{label} has no header row: row {header_row} ({shown}) looks like data. Add a first row "
                "naming the columns, e.g. Zip, Location, Territory, Sales Rep, Work Order Territory, Notes."
            )
        raise BadInput(
            f"{label} has no header row naming the mapping columns: row {header_row} has {shown}; "
            "expected at least Zip and Location."
        )
    return positions, errors, warnings


def _extra_cells(body: list[Record], header_row: int, width: int) -> list[RowIssue]:
    warnings = []
    for row_no, cells in enumerate(body, start=header_row + 1):
        if len(cells) <= width:
            continue
        extra = [c for c in cells[width:] if c is not None and c.strip()]
        if extra:
            shown = ", ".join(repr(c[:40]) for c in extra[:3])
            warnings.append(
                RowIssue(
                    row_no,
                    None,
                    extra[0][:200],
                    "extra_cells",
                    f"Row {row_no} has {len(cells)} cells but the header has {width}; the cells past the "
                    f"last column are ignored ({shown}). An unquoted delimiter inside a value?",
                )
            )
    return warnings


def _blank(cells: Sequence[str | None]) -> bool:
    return all(cell is None or not cell.strip() for cell in cells)


def _label(file_name: str | None, pasted: bool) -> str:
    if pasted or not file_name or file_name == "-":
        return "The pasted text"
    return PurePath(file_name).name
