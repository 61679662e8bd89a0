"""Run ``routing ARGS`` in-process, through the real entry point (exit codes, stdout, stderr)."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest


class Stdin(io.TextIOWrapper):
    """Standard input holding ``data``, a terminal or not (the prompt paths ask ``isatty``)."""

    def __init__(self, data: bytes, tty: bool) -> None:
        super().__init__(io.BytesIO(data), encoding="utf-8")
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def run_cli(
    args: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *,
    stdin: bytes | None = None,
    tty: bool = False,
    parse_json: bool = True,
) -> tuple[int, Any, str]:
    """Exit code, stdout and stderr of ``routing ARGS``; stdout parsed when ``--json`` is among the
    arguments (unless ``parse_json`` is False) and something was printed."""
    from routing.cli.main import main

    monkeypatch.setattr(sys, "argv", ["routing", *args])
    if stdin is not None or tty:
        monkeypatch.setattr(sys, "stdin", Stdin(stdin or b"", tty))
    with pytest.raises(SystemExit) as exit_info:
        main()
    out = capsys.readouterr()
    document = json.loads(out.out) if parse_json and "--json" in args and out.out.strip() else out.out
    return int(exit_info.value.code or 0), document, out.err
