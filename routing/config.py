"""Process settings from the environment (prefix ``ROUTING_``)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from sqlalchemy.engine import URL


class Settings(BaseSettings):
    """Where the data lives. Company behaviour lives in the database (``routing settings``)."""

    model_config = SettingsConfigDict(env_prefix="ROUTING_", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"),
        description="Folder for the default SQLite database, reports and the local Prefect home.",
    )
    database_url: str | None = Field(
        default=None,
        description="Any SQLAlchemy URL; postgresql:// uses psycopg 3. Default: SQLite in data_dir.",
    )
    echo_sql: bool = Field(default=False, description="Log every SQL statement (debugging).")

    @property
    def resolved_database_url(self) -> str:
        """The database URL in effect: the explicit one, or ``sqlite:///<data_dir>/routing.db``."""
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'routing.db').resolve()}"

    @property
    def reports_dir(self) -> Path:
        """Folder where rendered HTML reports are written."""
        return self.data_dir / "reports"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process settings, read once; tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()


def normalize_database_url(url: str) -> str:
    """Map the bare ``postgres://`` / ``postgresql://`` schemes to the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def mask_url(url: str | URL) -> str:
    """The URL (text or parsed) with any password replaced by ``***`` — the only form that may be
    printed or logged."""
    from sqlalchemy.engine import make_url

    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable database URL>"
    return _PASSWORD_SETTING.sub(lambda match: match.group(1) + "***", shown)  # ?password=... too


_URL_WITH_CREDENTIALS = re.compile(r"""[A-Za-z][A-Za-z0-9+.-]*://[^\s'"<>]+@[^\s'"<>,;()\[\]]+""")
_PASSWORD_SETTING = re.compile(r"""(password\s*=\s*)('[^']*'|"[^"]*"|[^\s&]+)""", re.IGNORECASE)


def mask_secrets(text: str, password: str | None = None) -> str:
    """``text`` (an error message, say) fit to print or store: URLs with credentials masked as
    ``mask_url`` does, ``password=...`` settings and ``password`` itself replaced by ``***``."""
    text = _URL_WITH_CREDENTIALS.sub(lambda match: mask_url(match.group(0)), text)
    text = _PASSWORD_SETTING.sub(lambda match: match.group(1) + "***", text)
    return text.replace(password, "***") if password else text


def url_password(url: str) -> str | None:
    """The password in a database URL; None when it has none or is not a URL."""
    from sqlalchemy.engine import make_url

    try:
        password = make_url(url).password
    except Exception:
        return None
    return str(password) if password else None


def masked_error_line(exc: BaseException, password: str | None = None) -> str:
    """The first line of ``exc``'s message (its type's name when it has none), fit to print or
    store: secrets masked as ``mask_secrets`` does."""
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0].strip()
    return mask_secrets(reason, password)
