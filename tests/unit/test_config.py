"""Settings resolve the database URL and never reveal passwords."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.config import Settings, mask_url, normalize_database_url


def test_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{(tmp_path / 'routing.db').resolve()}"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_postgres_urls_use_psycopg_3(given: str, expected: str) -> None:
    assert normalize_database_url(given) == expected


def test_masked_url_hides_the_password() -> None:
    masked = mask_url("postgresql+psycopg://admin:s3cr3t@db.example/prod")
    assert "s3cr3t" not in masked
    assert masked == "postgresql+psycopg://admin:***@db.example/prod"


def test_environment_variables_are_read_with_the_routing_prefix(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ROUTING_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ROUTING_DATABASE_URL", "postgresql://u@h/db")
    settings = Settings()
    assert settings.data_dir == tmp_path
    assert settings.resolved_database_url == "postgresql+psycopg://u@h/db"


def test_mask_secrets_masks_urls_password_settings_and_the_given_password() -> None:
    from routing.config import mask_secrets

    text = "postgresql://u:pw1@h/db failed; dsn password='pw2' host=h; login as u/pw3"
    assert (
        mask_secrets(text, "pw3") == "postgresql://u:***@h/db failed; dsn password=*** host=h; login as u/***"
    )
    assert mask_secrets("nothing secret here") == "nothing secret here"


def test_mask_url_masks_a_password_given_as_a_query_parameter() -> None:
    from routing.config import mask_url

    shown = mask_url("postgresql+asyncpg://u@h/db?password=QSECRET2&sslmode=require")
    assert "QSECRET2" not in shown
    assert shown == "postgresql+asyncpg://u@h/db?password=***&sslmode=require"
