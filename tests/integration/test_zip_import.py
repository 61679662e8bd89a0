"""Imports and edits against SQLite and PostgreSQL: atomic, idempotent, recorded."""

from __future__ import annotations

import csv
import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, insert, select
from sqlalchemy.exc import OperationalError

from routing.db.tables import Location, ZipImport, ZipRelation
from routing.errors import BadInput, NotFound, ValidationFailed
from routing.zips import apply, manager, service
from routing.zips.apply import lock_mapping, read_mapping
from routing.zips.preview import ADDED_COLUMNS
from tests.integration.zip_builders import (
    CORPUS,
    add_locations,
    add_party,
    data_checksum,
    import_statuses,
    mapping,
)

HEADER = "Zip,Location,Territory,Sales Rep,Work Order Territory,Notes"


def csv_source(text: str, name: str = "zips.csv") -> service.ImportSource:
    return service.ImportSource(text.encode(), name)


def import_and_apply(engine: Engine, text: str) -> service.ImportResult:
    return service.apply_import(engine, service.preview_import(engine, csv_source(text)))


def relation_rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(ZipRelation.__table__).order_by(ZipRelation.zip))]


def test_a_first_import_adds_rows_and_importing_the_same_file_again_writes_nothing(engine: Engine) -> None:
    add_locations(engine)
    text = f"{HEADER}\n02134,BOS,North,Ann,,\n06103,Hartford,,,,=1+1\n01608,worcester,,,,\n"

    first = import_and_apply(engine, text)
    stored = relation_rows(engine)
    again = service.preview_import(engine, csv_source(text))
    second = service.apply_import(engine, again)

    assert (first.status, first.rows, first.new, first.updated, first.unchanged) == ("applied", 3, 3, 0, 0)
    assert (again.new, again.updated, again.unchanged, again.changes) == (0, 0, 3, ())
    assert (second.status, second.new, second.updated, second.unchanged) == ("applied", 0, 0, 3)
    assert relation_rows(engine) == stored  # updated_at and updated_by_import_id untouched too
    assert mapping(engine)["06103"] == {
        "location": "HFD", "territory": None, "sales_rep": None, "work_order_territory": None, "notes": "=1+1"
    }  # fmt: skip
    assert import_statuses(engine) == ["applied", "applied"]


def test_an_absent_column_leaves_its_field_and_a_blank_cell_clears_it(engine: Engine) -> None:
    add_locations(engine)
    import_and_apply(engine, f"{HEADER}\n02134,BOS,North,Ann,WO-1,gate code 12\n")

    result = import_and_apply(engine, "Zip,Location,Notes\n02134,HFD,\n")

    expected = {"location": "HFD", "territory": "North", "sales_rep": "Ann", "work_order_territory": "WO-1"}
    assert mapping(engine)["02134"] == {**expected, "notes": None}
    assert result.changes == (
        {
            "zip": "02134",
            "action": "updated",
            "fields": {
                "location": {"old": "BOS", "new": "HFD"},
                "notes": {"old": "gate code 12", "new": None},
            },
        },
    )
    assert (result.new, result.updated, result.unchanged) == (0, 1, 0)


def test_applying_a_preview_after_the_mapping_changed_counts_what_the_upsert_really_wrote(
    engine: Engine,
) -> None:
    add_locations(engine)
    preview = service.preview_import(engine, csv_source("Zip,Location\n02134,BOS\n06103,HFD\n"))
    import_and_apply(engine, "Zip,Location\n02134,BOS\n")  # someone else maps 02134 meanwhile

    result = service.apply_import(engine, preview)

    assert (preview.new, result.new, result.updated, result.unchanged) == (2, 1, 0, 1)
    assert [c["zip"] for c in result.changes] == ["06103"]
    assert manager.get_import(engine, result.import_id)["changes"] == list(result.changes)
    assert stored_record(engine, result.import_id) == (
        {"columns": list(ADDED_COLUMNS), "rows": [["06103", "HFD", None, None, None, None]]},
        [],
    )


def test_a_preview_whose_new_zip_was_mapped_meanwhile_is_recorded_with_nothing_added(
    engine: Engine,
) -> None:
    add_locations(engine)
    preview = service.preview_import(engine, csv_source("Zip,Location\n02134,BOS\n"))
    assert stored_record(engine, preview.import_id)[0] is not None  # recorded as previewed
    import_and_apply(engine, "Zip,Location\n02134,BOS\n")

    result = service.apply_import(engine, preview)

    assert (result.new, result.updated, result.unchanged) == (0, 0, 1)
    assert stored_record(engine, result.import_id) == (None, [])


def test_the_record_keeps_new_zips_compact_and_updated_ones_as_old_and_new(engine: Engine) -> None:
    add_locations(engine)
    import_and_apply(engine, "Zip,Location,Territory\n02134,BOS,North\n")

    result = import_and_apply(engine, "Zip,Location,Territory\n02134,BOS,South\n06103,HFD,\n")

    added, changes = stored_record(engine, result.import_id)
    assert added == {"columns": list(ADDED_COLUMNS), "rows": [["06103", "HFD", None, None, None, None]]}
    assert changes == [
        {"zip": "02134", "action": "updated", "fields": {"territory": {"old": "North", "new": "South"}}}
    ]
    assert manager.get_import(engine, result.import_id)["changes"] == [
        *changes,
        {"zip": "06103", "action": "new", "fields": {"location": {"old": None, "new": "HFD"}}},
    ]


def test_new_and_updated_zips_of_one_import_are_stamped_alike(engine: Engine) -> None:
    """New zips are inserted by the driver, updated ones by SQLAlchemy's upsert: the stored time
    must be the same value in the same format (as text on SQLite), and readable as a datetime."""
    add_locations(engine)
    import_and_apply(engine, "Zip,Location\n02134,BOS\n")

    result = import_and_apply(engine, "Zip,Location\n02134,HFD\n06103,HFD\n")

    with engine.connect() as conn:
        raw = conn.exec_driver_sql(
            "SELECT zip, updated_at, updated_by_import_id FROM zip_relations ORDER BY zip"
        ).all()
        typed = conn.execute(select(ZipRelation.updated_at)).scalars().all()
    assert [(zip_code, import_id) for zip_code, _, import_id in raw] == [
        ("02134", result.import_id),
        ("06103", result.import_id),
    ]
    assert raw[0][1] == raw[1][1]
    assert all(isinstance(value, dt.datetime) for value in typed)


def stored_record(engine: Engine, import_id: int | None) -> tuple[object, object]:
    """(added, changes) as stored in ``zip_imports``."""
    imports = ZipImport.__table__
    with engine.connect() as conn:
        row = conn.execute(select(imports.c.added, imports.c.changes).where(imports.c.id == import_id)).one()
    return row.added, row.changes


def test_the_mapping_write_lock_is_held_from_the_apply_s_read_to_its_commit(engine: Engine) -> None:
    """No other writer can change the mapping between apply_import's re-read and its upsert
    (SQLite included: the lock is taken by a write that changes nothing, before the read)."""
    add_locations(engine)
    import_and_apply(engine, "Zip,Location\n02134,BOS\n")
    with engine.begin() as conn:
        lock_mapping(conn)
        assert read_mapping(conn)["zip"].to_list() == ["02134"]
        with pytest.raises(OperationalError):
            _write_from_another_connection(engine, "06103")
    _write_from_another_connection(engine, "06103")  # free again after commit
    assert [row[0] for row in relation_rows(engine)] == ["02134", "06103"]


def test_two_imports_applied_at_once_queue_and_the_second_counts_what_it_really_changed(
    engine: Engine,
) -> None:
    """Both previews see an empty mapping; whichever applies second re-diffs under the lock."""
    add_locations(engine)
    first = service.preview_import(engine, csv_source("Zip,Location\n02134,BOS\n06103,HFD\n"))
    second = service.preview_import(engine, csv_source("Zip,Location\n02134,HFD\n"))
    start = threading.Barrier(2)
    results: dict[str, service.ImportResult] = {}
    failures: list[BaseException] = []

    def apply(name: str, preview: service.ImportPreview) -> None:
        try:
            start.wait()
            results[name] = service.apply_import(engine, preview)
        except BaseException as exc:  # surfaced below, not lost in the thread
            failures.append(exc)

    threads = [threading.Thread(target=apply, args=item) for item in (("first", first), ("second", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures

    records = {name: manager.get_import(engine, result.import_id) for name, result in results.items()}
    earlier, later = sorted(records, key=lambda name: records[name]["applied_at"])
    assert results[earlier].new == (2 if earlier == "first" else 1)
    if later == "second":  # 02134 existed (BOS) when it applied: one update, nothing new
        assert (results["second"].new, results["second"].updated) == (0, 1)
        assert mapping(engine)["02134"]["location"] == "HFD"
    else:  # 02134 existed (HFD): one update, and 06103 is new
        assert (results["first"].new, results["first"].updated) == (1, 1)
        assert mapping(engine)["02134"]["location"] == "BOS"
    assert sum(result.new for result in results.values()) == 2  # each zip created exactly once
    for name, result in results.items():
        assert records[name]["changes"] == list(result.changes)


def test_an_upsert_that_writes_other_than_the_diff_rolls_everything_back(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_locations(engine)
    preview = service.preview_import(engine, csv_source("Zip,Location\n02134,BOS\n"))
    real_upsert = service.upsert_mapping

    def one_row_too_many(*args: object, **kwargs: object) -> int:
        return real_upsert(*args, **kwargs) + 1  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(service, "upsert_mapping", one_row_too_many)
        with pytest.raises(RuntimeError, match="wrote 2 rows where 1 differed; rolled back"):
            service.apply_import(engine, preview)

    assert list(mapping(engine)) == []
    record = manager.get_import(engine, preview.import_id or 0)
    assert (record["status"], record["new"], record["note"]) == (
        "failed", 0, "The mapping upsert wrote 2 rows where 1 differed; rolled back."
    )  # fmt: skip


def _write_from_another_connection(engine: Engine, zip_code: str) -> None:
    """Map ``zip_code`` from a fresh connection that gives up on a lock after a fifth of a second."""
    url = engine.url.render_as_string(hide_password=False)
    impatient = (
        create_engine(url, connect_args={"timeout": 0.2})
        if engine.dialect.name == "sqlite"
        else create_engine(url, connect_args={"options": "-c lock_timeout=200"})
    )
    try:
        with impatient.begin() as conn:
            location_id = conn.execute(select(Location.id).where(Location.code == "HFD")).scalar_one()
            conn.execute(insert(ZipRelation.__table__).values(zip=zip_code, location_id=location_id))
    finally:
        impatient.dispose()


def test_a_rejected_preview_is_recorded_and_can_no_longer_be_applied(engine: Engine) -> None:
    add_locations(engine)
    before = data_checksum(engine)
    preview = service.preview_import(engine, csv_source("Zip,Location\n02134,BOS\n"))

    rejected = service.reject_import(engine, preview, note="wrong file")

    assert rejected.status == "rejected"
    record = manager.get_import(engine, preview.import_id or 0)
    assert record["note"] == "wrong file"
    # the result says what the record says: the declined preview's counts, nothing written
    assert (rejected.new, rejected.updated, rejected.unchanged) == (record["new"], 0, 0) == (1, 0, 0)
    assert rejected.summary()["message"] == (
        f"Import {preview.import_id} rejected: nothing written "
        "(the preview had 1 new, 0 updated, 0 unchanged)."
    )
    with pytest.raises(BadInput, match="already rejected"):
        service.apply_import(engine, preview)
    assert data_checksum(engine) == before


def test_an_apply_that_fails_midway_writes_nothing_and_the_next_import_still_works(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_locations(engine)
    before = data_checksum(engine)
    preview = service.preview_import(engine, csv_source("Zip,Location\n02134,BOS\n"))

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("crash after the upsert")

    with monkeypatch.context() as patch:
        patch.setattr(service.records, "finish_import", crash)
        with pytest.raises(RuntimeError, match="crash after the upsert"):
            service.apply_import(engine, preview)
    after_crash = data_checksum(engine)
    result = import_and_apply(engine, "Zip,Location\n06103,HFD\n")

    assert after_crash == before
    assert (result.status, result.new) == ("applied", 1)
    assert list(mapping(engine)) == ["06103"]


def test_an_import_confirmed_up_front_is_recorded_once_as_applied_or_as_failed(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--yes``: no previewed record; the applied record and the rows commit together, and a
    failed apply is recorded as failed with nothing written."""
    add_locations(engine)
    source = csv_source("Zip,Location,Territory\n02134,BOS,North\n06103,HFD,\n")
    preview = service.preview_import(engine, source, record=False)
    assert preview.import_id is None and manager.list_imports(engine) == []

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("crash in the upsert")

    with monkeypatch.context() as patch:
        patch.setattr(service, "upsert_mapping", crash)
        with pytest.raises(RuntimeError, match="crash in the upsert"):
            service.apply_import(engine, preview)
    failed = manager.list_imports(engine)
    assert [(i["status"], i["rows"], i["new"], i["updated"], i["unchanged"]) for i in failed] == [
        ("failed", 2, 0, 0, 0)
    ]
    shown = manager.get_import(engine, failed[0]["import_id"])
    assert (shown["note"], shown["changes"], shown["applied_at"]) == ("crash in the upsert", [], None)
    assert [(e["code"], e["message"]) for e in shown["errors"]] == [
        (
            "apply_failed",
            "The apply failed and was rolled back, nothing written (the preview had 2 new and 0 "
            "updated zips): crash in the upsert",
        )
    ]
    assert list(mapping(engine)) == []

    result = service.apply_import(engine, preview)

    imports = manager.list_imports(engine)[:1]
    assert [(i["import_id"], i["status"], i["new"]) for i in imports] == [(result.import_id, "applied", 2)]
    boston = {"location": {"old": None, "new": "BOS"}, "territory": {"old": None, "new": "North"}}
    assert (
        manager.get_import(engine, result.import_id)["changes"]
        == list(result.changes)
        == [
            {"zip": "02134", "action": "new", "fields": boston},
            {"zip": "06103", "action": "new", "fields": {"location": {"old": None, "new": "HFD"}}},
        ]
    )
    assert list(mapping(engine)) == ["02134", "06103"]


def test_a_previewed_import_whose_apply_fails_is_recorded_as_failed_with_nothing_counted(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prompt and the Prefect flow record the preview first: a failed apply rolls back, then
    marks that record failed, with zero counts, no changes and the reason (no password in it)."""
    add_locations(engine)
    import_and_apply(engine, "Zip,Location,Territory\n02134,BOS,North\n")
    before = data_checksum(engine)
    preview = service.preview_import(
        engine, csv_source("Zip,Location,Territory\n02134,BOS,South\n06103,HFD,\n")
    )
    assert (preview.new, preview.updated) == (1, 1)
    url = "postgresql+psycopg://routing:s3cret-pw@db.example:5432/routing"

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"bulk insert refused by {url}, password=s3cret-pw\nsecond line")

    with monkeypatch.context() as patch:
        patch.setattr(apply, "_bulk_insert", refuse)
        with pytest.raises(RuntimeError, match="bulk insert refused"):
            service.apply_import(engine, preview)

    assert data_checksum(engine) == before
    assert mapping(engine)["02134"]["territory"] == "North"
    listed = manager.list_imports(engine)[0]
    assert (listed["import_id"], listed["status"], listed["new"], listed["updated"], listed["unchanged"]) == (
        preview.import_id, "failed", 0, 0, 0
    )  # fmt: skip
    shown = manager.get_import(engine, preview.import_id or 0)
    reason = "bulk insert refused by postgresql+psycopg://routing:***@db.example:5432/routing, password=***"
    assert (shown["note"], shown["error_count"], shown["changes"], shown["applied_at"]) == (
        reason,
        1,
        [],
        None,
    )
    assert [(e["code"], e["message"]) for e in shown["errors"]] == [
        (
            "apply_failed",
            "The apply failed and was rolled back, nothing written (the preview had 1 new and 1 "
            f"updated zips): {reason}",
        )
    ]
    assert "s3cret" not in repr(shown)
    with pytest.raises(BadInput, match="already failed"):  # a failed import is not applied later
        service.apply_import(engine, preview)
    assert manager.get_import(engine, preview.import_id or 0) == shown


def test_an_apply_refused_because_the_import_was_rejected_leaves_the_record_rejected(engine: Engine) -> None:
    add_locations(engine)
    preview = service.preview_import(engine, csv_source("Zip,Location\n02134,BOS\n"))
    service.reject_import(engine, preview, note="wrong file")
    rejected = manager.get_import(engine, preview.import_id or 0)

    with pytest.raises(BadInput, match="already rejected"):
        service.apply_import(engine, preview)

    assert manager.get_import(engine, preview.import_id or 0) == rejected
    assert list(mapping(engine)) == []


@pytest.mark.parametrize(
    ("file", "zip_code", "field", "value"),
    [
        ("03_cp1252_accents.csv", "02134", "notes", "Café au lait – call first"),
        ("03_cp1252_accents.csv", "06103", "sales_rep", "Zoë Ångström"),
        ("15_html_notes.csv", "02134", "notes", "<b>VIP</b> <script>alert(1)</script>"),
        ("14_formulas_in_notes.csv", "02134", "notes", '=HYPERLINK("http://evil.example","click")'),
        ("05_excel_paste.tsv", "02138", "notes", "Gate code, then knock"),
        ("41_excel_formula_cached.xlsx", "02134", "notes", "click here"),
    ],
)
def test_imported_text_is_stored_literally(
    engine: Engine, file: str, zip_code: str, field: str, value: str
) -> None:
    add_locations(engine)
    service.apply_import(engine, service.preview_import(engine, service.source_from_path(CORPUS / file)))
    assert mapping(engine)[zip_code][field] == value


def test_set_validates_like_an_import_row_and_changes_only_the_fields_given(engine: Engine) -> None:
    add_locations(engine)
    created = manager.set_zip(engine, "2134", "boston", {"territory": "North", "notes": "n"})
    updated = manager.set_zip(engine, "02134", "HFD", {"notes": ""})

    assert (created["zip"], created["action"], created["location"]) == ("02134", "new", "BOS")
    assert [w["code"] for w in created["warnings"]] == ["zip_repaired"]
    assert (updated["action"], updated["location"], updated["territory"], updated["notes"]) == (
        "updated",
        "HFD",
        "North",
        None,
    )
    before = data_checksum(engine)
    with pytest.raises(
        ValidationFailed, match=r"^Zip 06103 was not set \(recorded as import \d+\):$"
    ) as caught:
        manager.set_zip(engine, "06103", "Bostn")
    (detail,) = caught.value.details  # the reason is said once, in the details
    assert detail["code"] == "unknown_location" and detail["row"] is None
    assert "closest: Boston" in detail["message"]
    assert data_checksum(engine) == before
    kinds = [(i["kind"], i["status"]) for i in manager.list_imports(engine)]
    assert kinds == [("set", "invalid"), ("set", "applied"), ("set", "applied")]


def test_delete_is_recorded_with_the_old_values_and_an_unmapped_zip_is_not_found(engine: Engine) -> None:
    add_locations(engine)
    manager.set_zip(engine, "02134", "BOS", {"territory": "North"})

    deleted = manager.delete_zip(engine, "02134")

    assert (deleted["zip"], deleted["location"], deleted["action"]) == ("02134", "BOS", "deleted")
    record = manager.get_import(engine, deleted["import_id"])
    assert (record["kind"], record["status"]) == ("delete", "applied")
    assert record["changes"][0]["fields"]["territory"] == {"old": "North", "new": None}
    assert mapping(engine) == {}
    with pytest.raises(NotFound, match="not mapped"):
        manager.delete_zip(engine, "02134")
    with pytest.raises(BadInput, match="5-digit"):
        manager.delete_zip(engine, "ABC")


def test_list_filters_by_location_code_or_name_and_names_close_ones_when_unknown(engine: Engine) -> None:
    add_locations(engine)
    import_and_apply(engine, "Zip,Location\n02134,BOS\n06103,HFD\n02138,BOS\n")

    assert [r["zip"] for r in manager.list_zips(engine, "boston")] == ["02134", "02138"]
    assert [r["zip"] for r in manager.list_zips(engine, " hfd ")] == ["06103"]
    assert len(manager.list_zips(engine)) == 3
    with pytest.raises(NotFound, match=r"closest: Hartford \(HFD\)"):
        manager.list_zips(engine, "Hartfort")


def test_imports_are_listed_newest_first_with_counts_and_shown_with_their_issues(engine: Engine) -> None:
    add_locations(engine)
    import_and_apply(engine, "Zip,Location\n2134,BOS\n")
    invalid = service.preview_import(engine, csv_source("Zip,Location\n99999,BOS\n", "bad.csv"))

    listed = manager.list_imports(engine)
    shown = manager.get_import(engine, invalid.import_id or 0)

    assert [(i["status"], i["new"], i["error_count"], i["warning_count"]) for i in listed] == [
        ("invalid", 0, 1, 0),
        ("applied", 1, 0, 1),
    ]
    assert listed[0]["actor"] == service.current_actor() and listed[0]["file_name"] == "bad.csv"
    assert [(e["row"], e["code"]) for e in shown["errors"]] == [(2, "zip_unknown")]
    with pytest.raises(NotFound):
        manager.get_import(engine, 999)


def test_unmapped_zips_count_customers_and_leads_most_first(engine: Engine) -> None:
    add_locations(engine)
    import_and_apply(engine, "Zip,Location\n02134,BOS\n")
    for n, (kind, zip_code) in enumerate(
        [
            ("customer", "02134"),
            ("customer", "06103"),
            ("lead", "06103"),
            ("lead", "01608"),
            ("customer", "02903"),
        ]
    ):
        add_party(engine, kind, f"P{n}", zip_code)

    unmapped = manager.unmapped_zips(engine)

    assert unmapped.rows() == [("06103", 1, 1), ("02903", 1, 0), ("01608", 0, 1)]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_unmapped_template_imports_straight_back_once_filled(
    engine: Engine, tmp_path: Path, suffix: str
) -> None:
    add_locations(engine)
    add_party(engine, "customer", "C1", "06103")
    add_party(engine, "lead", "L1", "01608")
    path = tmp_path / f"unmapped{suffix}"
    manager.write_unmapped_template(engine, path)

    _fill_locations(path, {"06103": "HFD", "01608": "Worcester"})
    result = service.apply_import(engine, service.preview_import(engine, service.source_from_path(path)))

    assert (result.new, result.warnings) == (2, ())
    assert manager.unmapped_zips(engine).is_empty()
    assert {z: row["location"] for z, row in mapping(engine).items()} == {"01608": "WOR", "06103": "HFD"}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_exported_mapping_with_formulas_reimports_unchanged(
    engine: Engine, tmp_path: Path, suffix: str
) -> None:
    add_locations(engine)
    import_and_apply(
        engine, f'{HEADER}\n02134,BOS,-North,@ann,+1,"=HYPERLINK(""x"",""y"")"\n00501,HFD,,,,<i>x</i>\n'
    )
    path = tmp_path / f"mapping{suffix}"

    assert manager.export_mapping(engine, path) == 2
    again = service.preview_import(engine, service.source_from_path(path))

    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)


def _fill_locations(path: Path, locations: dict[str, str]) -> None:
    """Fill the Location column as an admin would, in the same format."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        for row in rows[1:]:
            row[1] = locations[row[0]]
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(rows)
        return
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    sheet = workbook.active
    assert sheet is not None
    for row in sheet.iter_rows(min_row=2):
        row[1].value = locations[str(row[0].value)]
    workbook.save(path)
