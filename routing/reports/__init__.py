"""Audit reports: data shaping for the report notebooks, escaped HTML, and papermill rendering.

Entry points: :func:`render_run_report`, :func:`render_import_report`, :func:`render_coverage_report`.
"""

from routing.reports.service import render_coverage_report, render_import_report, render_run_report

__all__ = ["render_coverage_report", "render_import_report", "render_run_report"]
