"""Errors that speak the user's language: which input, which rule, which rows, what to do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class Ml4tError(Exception):
    """Base class of every error ml4t-sql raises on purpose (the CLI prints these without a traceback)."""


class ConfigError(Ml4tError):
    """The configuration is wrong: unknown key, wrong type, value out of range."""


class ConfigErrors(ConfigError):
    """Several configuration errors, found together (`errors`: each one): loading a configuration
    checks every key, type and range before it stops (ml4t_sql.config), and `ml4t-sql check` lists
    each one."""

    def __init__(self, errors: Sequence[ConfigError]) -> None:
        self.errors = list(errors)
        super().__init__(f"{len(self.errors)} configuration errors:\n" + "\n".join(f"  {e}" for e in self.errors))


class Problems:
    """Collects the ConfigErrors of independent checks (`with problems: check()`), then raises
    them together (`problems.raise_all()`: the one error itself, or a ConfigErrors)."""

    def __init__(self) -> None:
        self.errors: list[ConfigError] = []

    def __enter__(self) -> Problems:
        return self

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> bool:
        if isinstance(error, ConfigErrors):
            self.errors += error.errors
            return True
        if isinstance(error, ConfigError):
            self.errors.append(error)
            return True
        return False

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_all(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise ConfigErrors(self.errors)


class StoreError(Ml4tError):
    """The warehouse cannot take or give a run: not a folder, read-only, full, split across
    filesystems, or a run's files missing or altered. One line, naming the path and what to do."""


class StoreWarning(UserWarning):
    """Something in the warehouse needs attention but lost nothing: a damaged run left out of a
    listing, a catalog set aside and rebuilt, views that could not be refreshed."""


class InputError(Ml4tError):
    """An input relation breaks a rule. Carries the relation, the rule and example rows."""

    def __init__(
        self,
        relation: str,
        rule: str,
        *,
        rows: Sequence[dict[str, Any]] = (),
        count: int | None = None,
        hint: str = "",
    ) -> None:
        self.relation = relation
        self.rule = rule
        self.rows = list(rows)
        self.count = count
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        head = f"{self.relation}: {self.rule}"
        if self.count is not None:
            head += f" ({self.count} row{'s' if self.count != 1 else ''})"
        lines = [head]
        if self.rows:
            lines.append(format_rows(self.rows))
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)


def format_rows(rows: Sequence[dict[str, Any]]) -> str:
    """A small fixed-width table of example rows, for error messages and reports."""
    if not rows:
        return ""
    cols = list(rows[0])
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    fmt = "  " + "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*cols)]
    out += [fmt.format(*row) for row in cells]
    return "\n".join(out)


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return repr(value)
    return str(value)
