"""A read-only PostgreSQL role for analysts who open the report notebooks.

``analyst_role_statements`` is pure (docs/reports.md shows its output for DBAs);
``create_analyst_role`` runs it in one transaction. The role can log in and SELECT every table,
including tables later migrations create; it has no write privilege and its sessions start
read-only. The password is hashed by libpq (SCRAM-SHA-256) before any SQL is built, so it never
appears in a statement, a server log or an echo.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, text

from routing.errors import BadInput

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
VERIFIER = re.compile(r"^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$")


def check_role_name(role: str) -> str:
    """``role`` when it is a plain lower-case identifier; BadInput otherwise."""
    if not ROLE_NAME.match(role):
        raise BadInput(f"Role name {role!r} must be lower-case letters, digits and _ (at most 63).")
    return role


def quote(name: str) -> str:
    """A PostgreSQL quoted identifier."""
    return '"' + name.replace('"', '""') + '"'


def analyst_role_statements(
    role: str, verifier: str, *, database: str, owner: str, exists: bool, schema: str = "public"
) -> list[str]:
    """The statements that create (or reset) ``role``: LOGIN, SELECT on all tables, default privileges.

    ``verifier`` is the SCRAM-SHA-256 hash of the password; ``owner`` owns the tables (runs the
    migrations), so tables it creates later are readable too; ``exists`` makes it ALTER ROLE.
    """
    if not VERIFIER.match(verifier):
        raise BadInput("The password must be given as a SCRAM-SHA-256 verifier.")
    name, space = quote(check_role_name(role)), quote(schema)
    attributes = f"LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '{verifier}'"
    return [
        f"{'ALTER' if exists else 'CREATE'} ROLE {name} WITH {attributes}",
        f"ALTER ROLE {name} SET default_transaction_read_only = on",
        f"GRANT CONNECT ON DATABASE {quote(database)} TO {name}",
        f"GRANT USAGE ON SCHEMA {space} TO {name}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {space} TO {name}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote(owner)} IN SCHEMA {space} "
        f"GRANT SELECT ON TABLES TO {name}",
    ]


def _verifier(connection: Any, role: str, password: str) -> str:
    """libpq's SCRAM-SHA-256 hash of ``password`` (what ``\\password`` in psql sends)."""
    pgconn = connection.connection.driver_connection.pgconn
    return bytes(pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256")).decode("ascii")


def create_analyst_role(engine: Engine, role: str, password: str) -> dict[str, str]:
    """Create or reset the read-only ``role`` on ``engine``'s PostgreSQL database (one transaction).

    Returns the role, the database and the analyst's connection URL with the password masked.
    """
    check_role_name(role)
    if engine.dialect.name != "postgresql":
        raise BadInput("Read-only roles need PostgreSQL; share a SQLite file by copy or file permissions.")
    if not password:
        raise BadInput("The analyst password is empty.")
    with engine.begin() as connection:
        database = connection.execute(text("SELECT current_database()")).scalar_one()
        owner = connection.execute(
            text(
                "SELECT tableowner FROM pg_tables "
                "WHERE schemaname = 'public' AND tablename = 'alembic_version'"
            )
        ).scalar()
        if owner is None:
            raise BadInput("The database has no schema yet: run `routing init` first.")
        exists = connection.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
        ).first()
        verifier = _verifier(connection, role, password)
        for statement in analyst_role_statements(
            role, verifier, database=database, owner=owner, exists=exists is not None
        ):
            connection.exec_driver_sql(statement)
    url = engine.url.set(username=role, password="-").render_as_string(hide_password=True)
    return {"role": role, "database": database, "url": url}


def drop_analyst_role(engine: Engine, role: str) -> bool:
    """Revoke ``role``'s privileges in this database and drop it; False when it did not exist."""
    name = quote(check_role_name(role))
    with engine.begin() as connection:
        if (
            connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}).first()
            is None
        ):
            return False
        connection.exec_driver_sql(f"DROP OWNED BY {name}")
        connection.exec_driver_sql(f"DROP ROLE {name}")
    return True
