"""Matplotlib charts rendered to embedded PNG (no pyplot, no display side effects, works offline).

Labels come from the data, so mathtext is off: a tech named ``$x$`` is drawn literally.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import matplotlib
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from routing.reports.html import Html, image_png

DPI = 80
OUTCOME_COLOURS = {"assigned": "#1e88e5", "unassigned": "#e53935", "skipped": "#9e9e9e"}
_GANTT_LABELS = {
    "hours": "working hours",
    "off": "time off",
    "booked": "existing booking",
    "run": "assigned by this run",
}
_RC: dict[str, Any] = {
    "text.parse_math": False,
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@contextmanager
def _figure(
    width: float, height: float, layout: Literal["constrained"] | None = "constrained"
) -> Iterator[Figure]:
    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        yield Figure(figsize=(width, height), dpi=DPI, layout=layout)


def _short(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def to_png(figure: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _embed(figure: Figure, alt: str) -> Html:
    return image_png(to_png(figure), alt)


def stacked_bars(
    labels: Sequence[str],
    stacks: Mapping[str, Sequence[int]],
    *,
    title: str,
    horizontal: bool = False,
    colours: Mapping[str, str] | None = None,
) -> Html:
    """Bars per label, one stacked segment per key of ``stacks`` (counts)."""
    colours = colours or OUTCOME_COLOURS
    n = max(len(labels), 1)
    size = (9, min(1.3 + 0.28 * n, 30)) if horizontal else (min(4 + 0.5 * n, 16), 3.2)
    with _figure(*size) as fig:
        ax = fig.add_subplot()
        positions = list(range(len(labels)))
        base = [0] * len(labels)
        for name, values in stacks.items():
            if horizontal:
                ax.barh(positions, values, left=base, label=name, color=colours.get(name))
            else:
                ax.bar(positions, values, bottom=base, label=name, color=colours.get(name))
            base = [b + v for b, v in zip(base, values, strict=True)]
        if horizontal:
            ax.set_yticks(positions, list(labels))
            ax.invert_yaxis()
            ax.set_xlabel("appointments")
        else:
            ax.set_xticks(
                positions, list(labels), rotation=30 if n > 6 else 0, ha="right" if n > 6 else "center"
            )
            ax.set_ylabel("appointments")
        ax.set_title(title, loc="left")
        if stacks:
            fig.legend(loc="outside right upper", frameon=False)
        return _embed(fig, title)


def bars(
    labels: Sequence[str], values: Sequence[float], *, title: str, xlabel: str, colour: str = "#e53935"
) -> Html:
    """Horizontal bars, largest first as given."""
    with _figure(9, min(1.2 + 0.3 * max(len(labels), 1), 30)) as fig:
        ax = fig.add_subplot()
        positions = list(range(len(labels)))
        ax.barh(positions, values, color=colour)
        ax.set_yticks(positions, list(labels))
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        ax.set_title(title, loc="left")
        return _embed(fig, title)


def histogram(values: Sequence[int], *, title: str, xlabel: str, ylabel: str) -> Html:
    """Counts of each integer value (e.g. how many techs got 0, 1, 2... jobs)."""
    counts: dict[int, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    keys = list(range(0, max(counts, default=0) + 1))
    with _figure(9, 3.2) as fig:
        ax = fig.add_subplot()
        ax.bar(keys, [counts.get(k, 0) for k in keys], color="#1e88e5")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title, loc="left")
        return _embed(fig, title)


def gantt(
    rows: Sequence[str],
    spans: Sequence[dict[str, Any]],
    *,
    title: str,
    start_hour: float = 6,
    end_hour: float = 20,
) -> Html:
    """A day calendar: one row per label, spans ``{row, start, end, kind}`` in decimal hours.

    ``kind``: ``hours`` (working window, pale), ``off`` (time off, hatched), ``booked`` (existing
    appointment, grey), ``run`` (assigned by this run, highlighted).
    """
    styles = {
        "hours": {"color": "#f1f8e9", "edgecolor": "none", "zorder": 1},
        "off": {"color": "#ffebee", "edgecolor": "#e57373", "hatch": "///", "zorder": 2},
        "booked": {"color": "#b0bec5", "edgecolor": "#78909c", "zorder": 3},
        "run": {"color": "#1e88e5", "edgecolor": "#0d47a1", "zorder": 4},
    }
    index = {row: i for i, row in enumerate(rows)}
    labels = [_short(row) for row in rows]
    width, height = 10.0, min(1.3 + 0.32 * max(len(rows), 1), 40)
    # fixed margins instead of a layout engine: laying out many tick labels dominates the time
    with _figure(width, height, layout=None) as fig:
        left = min(0.06 + max((len(label) for label in labels), default=1) * 0.068 / width, 0.45)
        fig.subplots_adjust(left=left, right=0.98, top=1 - 0.35 / height, bottom=0.85 / height)
        ax = fig.add_subplot()
        for kind, style in styles.items():
            chosen = [s for s in spans if s["kind"] == kind and s["row"] in index]
            if not chosen:
                continue
            half = 0.35 if kind != "hours" else 0.45
            boxes = [
                [(s["start"], index[s["row"]] - half), (s["end"], index[s["row"]] - half),
                 (s["end"], index[s["row"]] + half), (s["start"], index[s["row"]] + half)]
                for s in chosen
            ]  # fmt: skip
            # one collection per kind: drawing stays fast with thousands of jobs
            ax.add_collection(
                PolyCollection(
                    boxes,
                    facecolors=style["color"],
                    edgecolors=style["edgecolor"],
                    hatch=style.get("hatch"),
                    zorder=style["zorder"],
                    label=_GANTT_LABELS[kind],
                )
            )
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xlim(start_hour, end_hour)
        ax.set_yticks(list(range(len(rows))), labels)
        ax.set_xticks(range(int(start_hour), int(end_hour) + 1))
        ax.grid(axis="x", color="#eeeeee", zorder=0)
        ax.set_xlabel("hour of day (local time)")
        ax.set_title(title, loc="left")
        fig.legend(loc="lower center", ncols=4, frameon=False)
        return _embed(fig, title)


PALETTE = (
    "#1e88e5",
    "#43a047",
    "#fb8c00",
    "#8e24aa",
    "#00acc1",
    "#6d4c41",
    "#3949ab",
    "#c0ca33",
    "#d81b60",
    "#00897b",
    "#5e35b1",
    "#f4511e",
    "#7cb342",
    "#039be5",
    "#546e7a",
    "#fdd835",
)


def zip_map(
    background: tuple[Sequence[float], Sequence[float]],
    mapped: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    unmapped: tuple[Sequence[float], Sequence[float], Sequence[int]],
    *,
    title: str,
    mean_latitude: float = 40.0,
    aspect_ratio: float = 0.7,
) -> Html:
    """ZIP centroids (lon, lat): grey context, mapped ones coloured per location, unmapped as red x
    sized by customer count. ``aspect_ratio`` is the latitude span over the longitude span."""
    stretch = 1 / max(math.cos(math.radians(mean_latitude)), 0.2)
    height = min(max(7 * aspect_ratio * stretch, 3.5), 9)
    with _figure(10, height + 0.8) as fig:
        ax = fig.add_subplot()
        ax.scatter(*background, s=1, color="#e0e0e0", zorder=1, rasterized=True)
        for i, (label, (lons, lats)) in enumerate(mapped.items()):
            ax.scatter(lons, lats, s=10, color=PALETTE[i % len(PALETTE)], label=label, zorder=2)
        lons, lats, counts = unmapped
        if lons:
            sizes = [20 + 8 * min(c, 30) for c in counts]
            ax.scatter(lons, lats, s=sizes, marker="x", color="#d50000", label="unmapped", zorder=3)
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
        ax.set_aspect(stretch)
        ax.set_title(title, loc="left")
        if mapped or lons:
            fig.legend(loc="outside right upper", frameon=False, fontsize=8)
        return _embed(fig, title)
