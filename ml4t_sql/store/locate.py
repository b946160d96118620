"""Which warehouse a command reads or writes: one order, in one place.

1. the command's `--warehouse DIR` flag (or the `warehouse=` argument of the Python API);
2. the environment variable `ML4T_SQL_WAREHOUSE`;
3. the config's `[output] warehouse` (commands that take a CONFIG: run, sweep, research, check),
   relative to the config file;
4. `./warehouse`.

`locate` returns the path and where it came from; the command says so on standard error unless
it came from the flag. Every run, sweep and research run the command publishes records its
warehouse (`remember`), so that "no runs yet" in another folder can say where the last run went
(`last_warehouse`). The record is one small file in the user's state folder
(`$XDG_STATE_HOME/ml4t-sql/last_warehouse`, default `~/.local/state`); failing to write it is
never an error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV = "ML4T_SQL_WAREHOUSE"
DEFAULT = "warehouse"


@dataclass(frozen=True)
class Located:
    """A warehouse folder (absolute) and why it was chosen: flag, env, config or default."""

    path: Path
    source: str

    def describe(self) -> str:
        """`warehouse: DIR (from ML4T_SQL_WAREHOUSE)`: the line a command prints on stderr."""
        why = {
            "flag": "from --warehouse",
            "env": f"from {ENV}",
            "config": "from the config's [output] warehouse",
            "default": f"the default ./{DEFAULT}",
        }[self.source]
        return f"warehouse: {self.path} ({why})"


def locate(flag: str | Path | None = None, *, config_warehouse: Path | None = None) -> Located:
    """The warehouse in the module's order; `config_warehouse` is the config's, already resolved."""
    if flag is not None:
        return Located(Path(flag).resolve(), "flag")
    env = os.environ.get(ENV, "").strip()
    if env:
        return Located(Path(env).expanduser().resolve(), "env")
    if config_warehouse is not None:
        return Located(config_warehouse.resolve(), "config")
    return Located(Path(DEFAULT).resolve(), "default")


def _record() -> Path:
    base = os.environ.get("XDG_STATE_HOME", "").strip() or str(Path.home() / ".local" / "state")
    return Path(base) / "ml4t-sql" / "last_warehouse"


def remember(warehouse: Path) -> None:
    """Record `warehouse` as where the last run went (best effort: never raises)."""
    try:
        path = _record()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(str(warehouse.resolve()) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


def last_warehouse() -> Path | None:
    """Where the last run published by this user's `ml4t-sql` went, if recorded and still there."""
    try:
        text = _record().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    path = Path(text) if text else None
    return path if path is not None and path.is_dir() else None


def no_runs_message(root: Path) -> str:
    """ "no runs in warehouse DIR yet", and where the last run went when that is elsewhere."""
    message = f"no runs in warehouse {root} yet: run `ml4t-sql run CONFIG` first"
    last = last_warehouse()
    if last is not None and last != root.resolve():
        message += f"; the last run went to {last} (`--warehouse {last}`, or set {ENV})"
    return message
