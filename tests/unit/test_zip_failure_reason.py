"""The reason a failed zip import records: its error's first line, never a database password."""

from __future__ import annotations

from sqlalchemy import create_engine

from routing.zips.service import safe_reason


def test_the_reason_is_the_first_line_with_urls_and_passwords_masked() -> None:
    engine = create_engine("postgresql+psycopg://routing:Tr0ub4dor@db.example:5432/routing")
    exc = RuntimeError(
        "could not write to postgresql://admin:hunter2@10.0.0.5/prod; password=swordfish; "
        "auth as routing/Tr0ub4dor refused (see https://sqlalche.me/e/20/e3q8)\nTraceback line"
    )

    reason = safe_reason(exc, engine)

    assert reason == (
        "could not write to postgresql://admin:***@10.0.0.5/prod; password=*** "
        "auth as routing/*** refused (see https://sqlalche.me/e/20/e3q8)"
    )
    engine.dispose()


def test_an_error_without_a_message_is_named_by_its_type() -> None:
    assert safe_reason(TimeoutError()) == "TimeoutError"
