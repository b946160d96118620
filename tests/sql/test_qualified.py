"""Engine SQL reads the run's relations from the schema `ml4t`, never by a bare name that a user's
relation could take: every SQL file rendered during runs of every kind (built-in and custom
strategies, separate signals, a benchmark, timestamps, a fold of asset names) names each relation it
reads `ml4t.<name>`, except the CTEs of the composed built-in strategy (ml4t_sql.strategy.builtin)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import polars as pl
import pytest

import ml4t_sql
from ml4t_sql.strategy.builtin import STEPS, WINDOWS
from ml4t_sql.validation import check

from ..test_inputs import PANEL

PRICES = PANEL.drop("score")
SIGNALS = PANEL.select("date", "asset", "score")
BENCHMARK = PANEL.filter(pl.col("asset") == "S0").select("date", pl.col("close").alias("price"))
ROOMS = ("sources/", "strategy/", "results/", "checks/")


@pytest.fixture(scope="module")
def rendered() -> dict[str, set[str]]:
    """Every engine SQL file rendered during the runs below -> the texts it rendered to."""
    seen: dict[str, set[str]] = {}
    original_render, original_module = jinja2.Template.render, jinja2.Template.make_module

    def render(self: jinja2.Template, *args: Any, **kwargs: Any) -> str:
        out = original_render(self, *args, **kwargs)
        if self.name and self.name.startswith(ROOMS):
            seen.setdefault(self.name, set()).add(out)
        return out

    def make_module(self: jinja2.Template, *args: Any, **kwargs: Any) -> Any:
        out = original_module(self, *args, **kwargs)
        if self.name and self.name.startswith(ROOMS):
            seen.setdefault(self.name, set()).add(str(out))
        return out

    timestamps = PANEL.with_columns(pl.col("date").cast(pl.Datetime("us")))
    variants = PRICES.with_columns(
        pl.when(pl.col("asset") == "S1").then(pl.lit("s1")).otherwise(pl.col("asset")).alias("asset")
    )
    returns = BENCHMARK.select("date", pl.lit(0.0).alias("return"))
    custom = "select date, asset, 0.1 as weight from prices"
    first, assets = PANEL["date"].min(), sorted(PANEL["asset"].unique())
    spans = pl.DataFrame({"asset": assets, "start_date": first, "end_date": None},
                         schema={"asset": pl.String, "start_date": pl.Date, "end_date": pl.Date})  # fmt: skip
    snapshots = pl.DataFrame({"date": first, "asset": assets})
    static = pl.DataFrame({"asset": assets, "sector": "a"})
    dated = pl.DataFrame({"date": first, "asset": assets, "sector": "a"})
    rates = pl.DataFrame({"date": [first], "rate": [0.01]})
    fees = pl.DataFrame({"asset": assets, "fee": 0.02})
    dated_fees = pl.DataFrame({"date": first, "asset": assets, "fee": 0.02})
    actions = pl.DataFrame({"date": [first], "asset": [assets[0]], "split": [2.0], "dividend": [0.1]})
    configs = [
        {"data": {"prices": PRICES, "signals": SIGNALS, "benchmark": BENCHMARK}, "strategy": {"signal": "score"}},
        {"data": {"prices": PANEL}, "strategy": {"signal": "score", "stale": "hold", "rebalance_every": 2}},
        {"data": {"prices": PANEL, "rates": rates, "borrow_fees": fees, "quality": {"stale_rate": "carry"}},
         "strategy": {"signal": "score"}, "execution": {"short_fee": 0.01}},
        {"data": {"prices": PANEL, "borrow_fees": dated_fees}, "strategy": {"signal": "score"}},
        {"data": {"prices": PANEL, "actions": actions}, "strategy": {"signal": "score"}},
        {"data": {"prices": timestamps, "benchmark": returns}, "strategy": {"signal": "score", "rebalance": "weekly"}},
        {"data": {"prices": PANEL}, "strategy": {"sql": custom, "rebalance": "monthly"}},
        {"data": {"prices": variants.with_columns(pl.lit(1.0).alias("score")), "signals": SIGNALS,
                  "quality": {"asset_variants": "fold"}}, "strategy": {"signal": "score"}},
        {"data": {"prices": PANEL, "universe": spans, "assets": static},
         "strategy": {"signal": "score", "min_price": 1.0, "min_adv": 1.0, "min_history": 2, "group": "sector",
                      "weighting": "inverse_vol", "vol_window": 3}},
        {"data": {"prices": PANEL.with_columns(pl.lit("x").alias("industry")), "universe": snapshots,
                  "assets": dated}, "strategy": {"signal": "score", "group": "sector"}},
        {"data": {"prices": PANEL.with_columns(pl.lit("x").alias("industry"))},
         "strategy": {"signal": "score", "group": "industry"}},
        {"data": {"prices": PRICES, "signals": SIGNALS}, "strategy": {"signal": "score", "top_n": 2, "hold_rank": 3,
         "max_weight": 0.6, "max_group_weight": 0.8, "group": "volume", "weighting": "inverse_vol", "vol_window": 2}},
    ]  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(jinja2.Template, "render", render)
        mp.setattr(jinja2.Template, "make_module", make_module)
        for config in configs:
            ml4t_sql.run(config, write=False)
            assert check(config).ok
    return seen


def relations_read(sql: str) -> set[str]:
    """The relations `sql` reads that are not its own CTEs, as `schema.name` or `name` (DuckDB's parser,
    through json_serialize_sql: nothing is bound or run)."""
    parsable = re.sub(r"\$[A-Za-z_]\w*", "NULL", sql)
    tree = json.loads(duckdb.connect().sql("select json_serialize_sql($q)", params={"q": parsable}).fetchall()[0][0])
    assert not tree.get("error"), tree
    tables: set[tuple[str, str]] = set()
    ctes: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "BASE_TABLE":
                tables.add((node.get("schema_name") or "", node["table_name"]))
            for entry in node.get("cte_map", {}).get("map", []):
                ctes.add(entry["key"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    return {f"{schema}.{name}" if schema else name for schema, name in tables if schema or name not in ctes}


def test_every_engine_sql_file_was_rendered(rendered: dict[str, set[str]]):
    from ml4t_sql.templates import sql_dir

    files = {str(p.relative_to(sql_dir())) for room in ROOMS for p in (sql_dir() / room).glob("*.sql")}
    missing = files - set(rendered)
    assert not missing, f"not rendered by any run here: {sorted(missing)}"


def test_engine_sql_reads_only_the_engine_schema(rendered: dict[str, set[str]]):
    bare = {}
    for name, texts in rendered.items():
        steps = {*STEPS, *WINDOWS} if name.startswith("strategy/") else set()
        for sql in texts:
            unqualified = {r for r in relations_read(sql) if not r.startswith("ml4t.") and r not in steps}
            if unqualified:
                bare[name] = sorted(unqualified)
    assert not bare, f"engine SQL reading relations without the ml4t schema: {bare}"


def test_the_public_relations_are_those_the_readme_documents():
    from ml4t_sql.data.relations import public

    # README, "Your own strategy"
    assert public() == {"prices", "adjusted_prices", "signals", "calendar", "rebalance_dates"}
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    own = readme[readme.index("**Your own strategy**") :].split("\n\n")[0]
    assert all(f"`{name}" in own for name in public())
