"""Run the `ml4t-sql` command in this process (fast), with the result shaped like a subprocess's.

The command's work is `ml4t_sql.cli.main(argv)`; the installed entry point is one line around it,
and tests/test_cli.py runs that real executable once (marker `process`).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import warnings
from pathlib import Path

from ml4t_sql.cli import main


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    out, err = io.StringIO(), io.StringIO()
    before = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: usage errors and --help
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(before)
    return subprocess.CompletedProcess(["ml4t-sql", *args], code, out.getvalue(), err.getvalue())
