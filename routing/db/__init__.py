"""Database layer: tables, engine/session, migrations."""
