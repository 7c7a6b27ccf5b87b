"""The engine's command line run in this process: `python -m matching.engine` costs a new
interpreter and its imports (seconds each under load). One test in test_stable_and_cli.py still
starts the real module in a subprocess, so the entry point itself stays covered."""

from __future__ import annotations

import io
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from matching.engine.__main__ import main

REPO = Path(__file__).resolve().parents[3]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`main(args)` with its output captured, shaped like `subprocess.run`'s result."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse exits on bad arguments
            code = exit_.code if isinstance(exit_.code, int) else 2
    return subprocess.CompletedProcess(
        [sys.executable, "-m", "matching.engine", *args], code, stdout.getvalue(), stderr.getvalue()
    )


def run_cli_subprocess(*args: str) -> subprocess.CompletedProcess[str]:
    """The real `python -m matching.engine`, for the one test of the entry point itself."""
    return subprocess.run(
        [sys.executable, "-m", "matching.engine", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
