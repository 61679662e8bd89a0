"""Regenerate the zip-import corpus: awkward and malformed files as spreadsheets really produce them.

Run ``.venv/bin/python tests/data/zips/make_corpus.py``; the generated files are committed. Text
files are written byte for byte (BOM, CRLF, Windows-1252, UTF-16...); workbooks with openpyxl,
one of them patched to carry a formula's cached value as Excel saves it. The expected outcome of
each file is in ``tests/integration/test_zip_corpus.py``. Locations the files refer to, named as
the demo names them: BOS "Boston, MA", HFD "Hartford, CT", WOR "Worcester, MA", PVD "Providence,
RI", and PWM "Portland, ME" and PDX "Portland, OR" (a city two locations share).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
HEADER = "Zip,Location,Territory,Sales Rep,Work Order Territory,Notes"


def text_files() -> dict[str, bytes]:
    """Every text corpus file, name -> exact bytes."""
    crlf = "\r\n"
    return {
        "01_clean.csv": (
            f"{HEADER}\n02134,BOS,Boston North,Ann Lee,BOS-WO-1,Corner lot\n"
            "06103,HFD,Hartford Central,Bo Chen,HFD-WO-1,\n01608,WOR,,,,\n"
        ).encode(),
        "02_utf8_bom_crlf.csv": b"\xef\xbb\xbf"
        + crlf.join([HEADER, "02134,BOS,Boston North,Ann Lee,,", "02903,PVD,,,,", ""]).encode(),
        "03_cp1252_accents.csv": (
            f"{HEADER}\r\n02134,BOS,Boston Nord,José Núñez,,Café au lait – call first\r\n"
            "06103,Hartford,,Zoë Ångström,,\r\n"
        ).encode("cp1252"),
        "04_semicolon_cp1252.csv": (
            "Zip;Location;Territory;Sales Rep;Notes\r\n02134;BOS;Nord;François;Clé sous le paillasson\r\n"
            "01608;WOR;;;Prix: 1,50 €\r\n"
        ).encode("cp1252"),
        "05_excel_paste.tsv": (
            b"Zip\tLocation\tTerritory\tSales Rep\tWork Order Territory\tNotes\n"
            b'02134\tBoston\tBoston North\tAnn Lee\t\t\n02138\tboston\t\t\t\t"Gate code, then knock"\n'
        ),
        "06_lost_leading_zeros.csv": (f"{HEADER}\n2134,BOS,,,,\n501,BOS,,,,\n6103,HFD,,,,\n").encode(),
        "07_zip_plus_four.csv": (
            f"{HEADER}\n06103-3402,HFD,,,,\n021340000,BOS,,,,\n2903-1234,PVD,,,,\n"
        ).encode(),
        "08_float_zips.csv": (f"{HEADER}\n2134.0,BOS,,,,\n01608.0,WOR,,,,\n").encode(),
        "09_spaces.csv": (f"{HEADER}\n 02134 ,  bos  ,,,,\n\u00a006103\u00a0,Hartford,,,,\n").encode(),
        "10_duplicates_identical.csv": (
            f"{HEADER}\n02134,BOS,North,,,\n06103,HFD,,,,\n02134,bos,North,,,\n"
        ).encode(),
        "11_duplicates_conflicting.csv": (
            f"{HEADER}\n02134,BOS,North,,,\n06103,HFD,,,,\n02134,WOR,North,,,\n02134,BOS,South,,,\n"
        ).encode(),
        "12_unknown_locations.csv": (  # misspelt, misspelt, a city, unknown, a city two share, a city
            f"{HEADER}\n02134,Bostn,,,,\n06103,Hartfrod,,,,\n01608,Worcester,,,,\n02903,Springfield,,,,\n"
            "04101,Portland,,,,\n02108,boston,,,,\n"
        ).encode(),
        "13_invalid_zips.csv": (
            f"{HEADER}\nABCDE,BOS,,,,\n12,BOS,,,,\n123456,BOS,,,,\n00000,BOS,,,,\n99999,BOS,,,,\n02134,BOS,,,,\n"
        ).encode(),
        "14_formulas_in_notes.csv": (
            f'{HEADER}\n02134,BOS,,,,"=HYPERLINK(""http://evil.example"",""click"")"\n'
            "06103,HFD,,@SUM(A1),,+1 555 0100\n01608,WOR,,,,- call first\n"
        ).encode(),
        "15_html_notes.csv": (
            f'{HEADER}\n02134,BOS,,,,"<b>VIP</b> <script>alert(1)</script>"\n06103,HFD,,,,<a href=x>map</a>\n'
        ).encode(),
        "16_missing_header.csv": b"02134,BOS,North\n06103,HFD,\n",
        "17_missing_zip_column.csv": b"Location,Territory\nBOS,North\n",
        "18_missing_location_column.csv": b"Zip,Territory\n02134,North\n06103,\n",
        "19_extra_columns.csv": (
            b"Zip,Region,Location,Sales Reps,Manager\n02134,East,BOS,Ann,Zed\n06103,East,HFD,Bo,Zed\n"
        ),
        "20_empty.csv": b"",
        "21_only_blank_lines.csv": b"\r\n   \r\n\t\r\n",
        "22_binary.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
        + b"\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\xff",
        "23_very_long_values.csv": (
            f"{HEADER}\n02134,BOS,{'T' * 300},,,\n06103,HFD,,,,{'n' * 5000}\n01608,WOR,,,,{'ok ' * 300}\n"
        ).encode(),
        "24_embedded_newlines.csv": (
            f'{HEADER}\r\n02134,BOS,,,,"line one\r\nline two\r\nline three"\r\n06103,Hartfrod,,,,\r\n'
        ).encode(),
        "25_blank_rows.csv": (f"{HEADER}\n02134,BOS,,,,\n\n,,,,,\n06103,HFD,,,,\n\n99999,WOR,,,,\n").encode(),
        "26_retired_and_military.csv": (f"{HEADER}\n01195,WOR,,,,\n09001,BOS,,,,\n00501,BOS,,,,\n").encode(),
        "27_missing_values.csv": (f"{HEADER}\n02134,,North,,,\n,HFD,,,,\n06103,HFD,,,,\n").encode(),
        "28_duplicate_header.csv": b"Zip,ZIP Code,Location\n02134,02134,BOS\n",
        "29_no_known_header.csv": b"Name,Phone\nAnn,555-0100\n",
        "30_unfilled_template_rows.csv": (
            f"{HEADER},Customers,Leads,City,State\n02134,BOS,,,,,3,1,Allston,MA\n"
            "06103,,,,,,2,0,Hartford,CT\n01608,,,,,,1,0,Worcester,MA\n"
        ).encode(),
        "31_excel_unicode_text.txt": (
            "Zip\tLocation\tSales Rep\r\n02134\tBOS\tRenée\r\n06103\tHFD\t\r\n"
        ).encode("utf-16"),
        "32_unquoted_comma.csv": (f"{HEADER}\n02134,BOS,,,,Call first, then knock\n06103,HFD,,,,\n").encode(),
        "33_leading_blank_lines.csv": (f"\n\n{HEADER}\n02134,BOS,,,,\n06103,Bostn,,,,\n").encode(),
        "34_not_really_excel.xlsx": f"{HEADER}\n02134,BOS,,,,\n".encode(),
        "35_apostrophe_neutralised.csv": (
            f"{HEADER}\n02134,BOS,,,,'=HYPERLINK(\"x\")\n06103,HFD,,,,'Tis the season\n"
        ).encode(),
    }


def workbooks() -> dict[str, bytes]:
    """Every workbook corpus file, name -> bytes."""
    from openpyxl import Workbook

    def book(rows: list[list[object]], *, sheets: int = 1) -> Workbook:
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        for row in rows:
            sheet.append(row)
        for n in range(2, sheets + 1):
            workbook.create_sheet(f"Sheet{n}").append(["notes", "ignored"])
        return workbook

    header = HEADER.split(",")
    files = {
        "40_excel_numbers.xlsx": book(
            [header, [2134, "BOS"], [501, "BOS"], [6103.0, "HFD"], ["02903", "PVD"]]
        ),
        "42_excel_two_sheets.xlsx": book([header, ["02134", "BOS", "North"]], sheets=3),
        "43_excel_errors.xlsx": book(
            [header, [2134, "Bostn"], [None], [6103, "HFD", "A"], [6103, "HFD", "B"], [1608, "WOR"]]
        ),
        "44_excel_empty.xlsx": book([]),
        "46_excel_leading_blank_rows.xlsx": book([[None], [None], header, [2134, "BOS"], [99999, "HFD"]]),
    }
    data = {name: _save(workbook) for name, workbook in files.items()}
    data["41_excel_formula_cached.xlsx"] = _with_cached_formula()
    data["45_excel_corrupt.xlsx"] = data["40_excel_numbers.xlsx"][:300]
    return data


def _save(workbook: object) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()


def _with_cached_formula() -> bytes:
    """A workbook whose Notes cell is =HYPERLINK(...) with the cached text Excel stores next to it."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    sheet.append(["02134", "BOS", None, None, None, '=HYPERLINK("http://evil.example","click here")'])
    raw = _save(workbook)
    source = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                for empty in ("<v />", "<v/>", "<v></v>"):
                    text = text.replace(f"</f>{empty}", "</f><v>click here</v>")
                content = text.encode()
            target.writestr(item, content)
    return out.getvalue()


def main() -> None:
    """Write every corpus file next to this script."""
    for name, content in {**text_files(), **workbooks()}.items():
        (HERE / name).write_bytes(content)
        print(f"{name}: {len(content)} bytes")


if __name__ == "__main__":
    main()
