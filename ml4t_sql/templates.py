"""Jinja over the `sql/` folder: templates shape queries, values travel as bound parameters.

Templates render with `StrictUndefined` (a missing variable is an error, never an empty string).
The only way an identifier enters SQL text is the `ident` filter, which checks it against a strict
pattern and double-quotes it. User-supplied SQL renders in `UserSqlEnvironment`: a sandbox that
loads no file and bounds loops, text sizes and output; what the rendered text may then be (one
read-only query) is decided by ml4t_sql.data.sandbox.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import TemplateSyntaxError, nodes
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.visitor import NodeTransformer

from .errors import ConfigError

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .\-]{0,127}$")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def sql_dir() -> Path:
    """The folder of SQL files: shipped inside the package, or `sql/` of a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "sql", here.parent / "sql"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("ml4t_sql: the sql/ folder is missing from the installation")


def ident(name: str) -> str:
    """`name` as a quoted SQL identifier, if it matches the strict identifier pattern."""
    if not isinstance(name, str) or not _IDENT.fullmatch(name):
        raise ConfigError(
            f"not a valid identifier: {name!r} (letters, digits, '_', ' ', '.', '-'; starting with a letter or '_')"
        )
    return '"' + name + '"'


def is_ident(name: str) -> bool:
    return isinstance(name, str) and bool(_IDENT.fullmatch(name))


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(sql_dir()),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    env.filters["ident"] = ident
    return env


def render(name: str, **structure: object) -> str:
    """Render `sql/<name>.sql` with structural variables (never data values)."""
    return _env().get_template(f"{name}.sql").render(**structure)


def module(name: str, **structure: object) -> Any:
    """`sql/<name>.sql` as a Jinja module: `str(m)` is the rendered query, and its top-level macros are
    attributes (a check's `where()`: its rule as a predicate, which the checks runner composes)."""
    return _env().get_template(f"{name}.sql").make_module(dict(structure))


def render_user(sql: str, *, where: str = "[strategy] sql", **structure: object) -> str:
    """Render user-supplied SQL in the bounded sandbox (`UserSqlEnvironment`); only shapes text.

    Any failure of the template (a syntax error, an undefined name, a refused tag, a bound
    exceeded, recursion without end) is a ConfigError naming `where`, never a traceback. The
    rendered text is not checked here: ml4t_sql.data.sandbox decides whether it is one query.
    """
    env = UserSqlEnvironment()
    try:
        return env.from_string(sql).render(**structure)
    except RecursionError:
        raise ConfigError(f"{where}: template error: recursion too deep (a macro that calls itself?)") from None
    except jinja2.TemplateError as exc:
        raise ConfigError(f"{where}: template error: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - whatever the user's template raises is the user's error
        raise ConfigError(f"{where}: template error: {type(exc).__name__}: {exc}") from None


USER_SQL_CHARS = 1_000_000
"""The most characters any text a user's template builds (a value, a join, the output) may have."""
USER_LOOP_ITERATIONS = 100_000
"""The most iterations of all `{% for %}` loops of one rendering together (and the longest range())."""

_FILTERS = frozenset(
    "abs capitalize count d default dictsort first float groupby int items last length list lower map max min "
    "reject rejectattr reverse round select selectattr sort string sum title trim unique upper wordcount".split()
)
_METHODS: dict[type, frozenset[str]] = {
    str: frozenset(
        "lower upper strip lstrip rstrip startswith endswith split rsplit splitlines title capitalize count find "
        "rfind removeprefix removesuffix isdigit isalpha isalnum isidentifier isspace islower isupper".split()
    ),
    dict: frozenset({"items", "keys", "values", "get"}),
    list: frozenset({"index", "count"}),
    tuple: frozenset({"index", "count"}),
    LoopContext: frozenset({"cycle", "changed"}),
}
_REFUSED_TAGS = {
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from ... import",
    nodes.Extends: "extends",
}


class UserSqlEnvironment(ImmutableSandboxedEnvironment):
    """Jinja for SQL from outside: shapes text and can do nothing else, in bounded time and memory.

    - no loader: `{% include %}`, `{% import %}` and `{% extends %}` are refused when parsed
      (they would read other files), and so are `recursive` loops;
    - Python stays out (the sandbox: no `_` attributes, no mutation of lists and dicts), and of the
      methods of values only a short list of harmless `str` / `dict` / `list` ones can be called;
    - the globals are `range` (at most USER_LOOP_ITERATIONS items) and `dict`; the filters are the
      standard ones that cannot make text much larger than their input, plus `ident`, and bounded
      `join` and `replace`;
    - every text a template builds (`*`, `+`, `~`, `**` on numbers, a join, a block, the output)
      is at most USER_SQL_CHARS characters, `%` formatting of text is refused, and all loops of a
      rendering together run at most USER_LOOP_ITERATIONS times.

    One instance per rendering: it counts the loop iterations.
    """

    intercepted_binops = frozenset({"*", "+", "**", "%"})

    def __init__(self) -> None:
        super().__init__(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)
        self.filters = {name: f for name, f in self.filters.items() if name in _FILTERS}
        self.filters.update(ident=ident, join=self._join, replace=self._replace)
        self.globals = {"range": self._range, "dict": dict}
        self.iterations = 0

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = _Bound().visit(super()._parse(source, name, filename))
        tree.set_environment(self)
        return tree

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        return not callable(value) or attr in _METHODS.get(type(obj), frozenset())

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            raise SecurityError("formatting text with % is not available in user SQL; join text with ~")
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
            if abs(left) > 1 and abs(left).bit_length() * right > 4096:
                raise SecurityError(f"{left} ** {right} is too large a number")
        if operator == "*" and isinstance(right, (str, list, tuple)):
            left, right = right, left
        if operator == "*" and isinstance(left, (str, list, tuple)) and isinstance(right, int):
            self._check(_size(left) * right)
        if operator == "+" and isinstance(left, (str, list, tuple)):
            self._check(_size(left) + _size(right))
        return self.binop_table[operator](left, right)

    def concat(self, parts: Iterable[str]) -> str:  # every buffer and the output: jinja2's `concat`
        out, total = [], 0
        for part in parts:
            total += len(part)
            self._check(total)
            out.append(part)
        return "".join(out)

    def join_text(self, *parts: Any) -> str:  # `a ~ b`
        return self.concat(str(p) for p in parts)

    def bounded_loop(self, iterable: Any) -> Iterator[Any]:  # every `{% for %}`
        for item in iterable:
            self.iterations += 1
            if self.iterations > USER_LOOP_ITERATIONS:
                raise SecurityError(f"the loops ran more than {USER_LOOP_ITERATIONS:,} times in all")
            yield item

    def _range(self, *args: int) -> range:
        items = range(*args)
        if len(items) > USER_LOOP_ITERATIONS:
            raise SecurityError(f"range() of {len(items):,} items; at most {USER_LOOP_ITERATIONS:,}")
        return items

    def _join(self, value: Iterable[Any], d: str = "") -> str:
        items = [str(v) for v in self.bounded_loop(value)]
        self._check(sum(map(len, items)) + max(len(items) - 1, 0) * len(str(d)))
        return str(d).join(items)

    def _replace(self, value: Any, old: str, new: str, count: int | None = None) -> str:
        text, old, new = str(value), str(old), str(new)
        n = text.count(old) if old else len(text) + 1
        n = n if count is None or count < 0 else min(n, count)
        self._check(len(text) + n * max(len(new) - len(old), 0))
        return text.replace(old, new, -1 if count is None else count)

    @staticmethod
    def _check(size: int) -> None:
        if size > USER_SQL_CHARS:
            raise SecurityError(f"the template builds a text of {size:,} characters; at most {USER_SQL_CHARS:,}")


class _Bound(NodeTransformer):
    """Refuse the tags that read files; route loops and `~` through the environment's bounds."""

    def generic_visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        for kind, tag in _REFUSED_TAGS.items():
            if isinstance(node, kind):
                raise TemplateSyntaxError(
                    f"{{% {tag} %}} is not available in user SQL (it would read another file); "
                    "write the SQL in this file",
                    node.lineno,
                )
        return super().generic_visit(node, *args, **kwargs)

    def visit_For(self, node: nodes.For) -> nodes.Node:
        if node.recursive:
            raise TemplateSyntaxError("recursive loops are not available in user SQL", node.lineno)
        node = self.generic_visit(node)
        node.iter = _call("bounded_loop", [node.iter], node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        node = self.generic_visit(node)
        return _call("join_text", list(node.nodes), node.lineno)


def _call(method: str, args: list[Any], lineno: int) -> nodes.Call:
    return nodes.Call(nodes.EnvironmentAttribute(method), args, [], None, None, lineno=lineno)


def _size(value: Any) -> int:
    """Characters of a text, or of everything in a list, tuple or dict (what `*` would copy)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple)):
        return len(value) + sum(_size(v) for v in value)
    if isinstance(value, dict):
        return len(value) + sum(_size(k) + _size(v) for k, v in value.items())
    return 1


def params_for(sql: str, values: Mapping[str, object]) -> dict[str, object]:
    """The subset of `values` that `sql` references as `$name` (DuckDB rejects unused ones)."""
    code = re.sub(r"--[^\n]*", "", sql)  # parameters named in comments are not parameters
    used = set(_PARAM.findall(code))
    return {k: v for k, v in values.items() if k in used}
