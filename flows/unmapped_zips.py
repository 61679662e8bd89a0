"""Flow ``unmapped-zips``: zips customers and leads use that the mapping lacks, and a fill-in template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.artifacts import MAX_TABLE_ROWS
from flows.database import require_current_database
from flows.parameters import UnmappedRequest


@task(name="write-unmapped-template", cache_policy=NO_CACHE)
def write_template(template_path: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Write the fill-in template (CSV or .xlsx); returns its path and the unmapped rows, most used first."""
    from routing.config import get_settings
    from routing.db.session import get_engine
    from routing.zips.manager import write_unmapped_template

    path = Path(template_path) if template_path else get_settings().reports_dir / "unmapped-zips.csv"
    unmapped = write_unmapped_template(get_engine(), path)
    return str(path.resolve()), unmapped.to_dicts()


@task(name="publish-unmapped", cache_policy=NO_CACHE)
def publish(template_path: str, rows: list[dict[str, Any]]) -> None:
    """A table of the unmapped zips and a markdown note on where the template is."""
    if rows:
        create_table_artifact(
            rows[:MAX_TABLE_ROWS], key="unmapped-zips", description=f"{len(rows)} unmapped zips in use"
        )
    customers = sum(int(row["customers"]) for row in rows)
    leads = sum(int(row["leads"]) for row in rows)
    create_markdown_artifact(
        f"# Unmapped zips: {len(rows)}\n\n"
        f"{customers} customers and {leads} leads have a zip the mapping does not cover.\n\n"
        f"Fill-in template: `{template_path}` (fill Location, then "
        f"`routing zips import {template_path}` or the zip-import flow).\n",
        key="unmapped-zips-summary",
        description="Unmapped zips and the fill-in template",
    )


@flow(
    name="unmapped-zips",
    description="Zips of customers and leads missing from the mapping, and a fill-in template.",
)
def unmapped_zips(request: UnmappedRequest = UnmappedRequest()) -> dict[str, Any]:
    """Publish the unmapped zips and write the template; returns ``{template, unmapped}``."""
    require_current_database()
    template_path, rows = write_template(request.template_path)
    publish(template_path, rows)
    return {"template": template_path, "unmapped": len(rows)}
