"""What a decision depends on: a frozen snapshot of the company, and the run's parameters.

The snapshot is stored with each run (compressed Arrow IPC frames in a zip) so that ``replay``
can re-run the engine on exactly what the run saw.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from routing.scheduling import schemas
from routing.scheduling.profiles import Profile, profile_from_json

ENGINE_VERSION = "1"
STRATEGIES = ("greedy", "optimal")


@dataclass(frozen=True)
class Params:
    """How to decide: strategy and the optimal solver's limits per partition (CP-SAT deterministic
    time units, reproducible; the wall-clock limit is only a safety net)."""

    strategy: str = "greedy"
    solver_deterministic_seconds: float = 1.0
    solver_max_seconds: float = 120.0

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy {self.strategy!r} is not one of {', '.join(STRATEGIES)}")


@dataclass(frozen=True)
class Snapshot:
    """Every frame the rules read (schemas in ``routing.scheduling.schemas``), profiles and settings."""

    appointments: pl.DataFrame
    techs: pl.DataFrame
    tech_locations: pl.DataFrame
    tech_skills: pl.DataFrame
    tech_hours: pl.DataFrame
    time_off: pl.DataFrame
    locations: pl.DataFrame
    work_order_types: pl.DataFrame
    work_order_type_skills: pl.DataFrame
    customers: pl.DataFrame
    excluded_techs: pl.DataFrame
    zips: pl.DataFrame
    profiles: tuple[Profile, ...] = ()
    max_search_radius_miles: float = 60.0
    extra: dict[str, Any] = field(default_factory=dict)

    def frames(self) -> dict[str, pl.DataFrame]:
        """The frames by name."""
        return {name: getattr(self, name) for name in schemas.FRAME_NAMES}

    def check(self) -> None:
        """Raise ValueError when a frame does not match its declared schema."""
        for name, frame in self.frames().items():
            schemas.check_frame(name, frame)

    def with_frames(self, **frames: pl.DataFrame) -> Snapshot:
        """A copy with some frames replaced."""
        return replace(self, **frames)  # type: ignore[arg-type]


def snapshot_to_bytes(snapshot: Snapshot, params: Params) -> bytes:
    """A compressed, self-contained copy of the inputs (zip of Arrow IPC frames + JSON metadata)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, frame in snapshot.frames().items():
            part = io.BytesIO()
            frame.write_ipc(part, compression="zstd")
            archive.writestr(f"{name}.arrow", part.getvalue())
        meta = {
            "engine_version": ENGINE_VERSION,
            "profiles": [profile.to_json() for profile in snapshot.profiles],
            "max_search_radius_miles": snapshot.max_search_radius_miles,
            "extra": snapshot.extra,
            "params": {
                "strategy": params.strategy,
                "solver_deterministic_seconds": params.solver_deterministic_seconds,
                "solver_max_seconds": params.solver_max_seconds,
            },
        }
        archive.writestr("meta.json", json.dumps(meta))
    return buffer.getvalue()


def snapshot_from_bytes(data: bytes) -> tuple[Snapshot, Params, str]:
    """The snapshot, params and engine version stored by ``snapshot_to_bytes``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        meta = json.loads(archive.read("meta.json"))
        frames = {
            name: pl.read_ipc(io.BytesIO(archive.read(f"{name}.arrow"))) for name in schemas.FRAME_NAMES
        }
    snapshot = Snapshot(
        **frames,
        profiles=tuple(profile_from_json(p) for p in meta["profiles"]),
        max_search_radius_miles=float(meta["max_search_radius_miles"]),
        extra=meta.get("extra") or {},
    )
    return snapshot, Params(**meta["params"]), str(meta["engine_version"])
