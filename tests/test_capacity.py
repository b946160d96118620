"""`ml4t-sql capacity`: one sweep over initial capital with the participation cap and impact on."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ml4t_sql.capacity import capacity
from ml4t_sql.errors import ConfigError

from .clirunner import cli
from .factories import make_prices

PRICES = make_prices(6, 40, 3, ragged=False).with_columns(pl.col("close").pct_change(5).over("asset").alias("score"))
CONFIG = {"data": {"prices": PRICES, "quality": {"no_signal_date": "cash"}},
          "strategy": {"signal": "score", "top_n": 3},
          "execution": {"commission_bps": 1.0, "slippage_bps": 2.0}}  # fmt: skip


def test_costs_grow_and_fills_shrink_with_capital():
    table, result = capacity(CONFIG, [1e4, 1e7, 1e10], participation=0.01, impact=0.5, write=False)
    assert table["capital"].to_list() == [1e4, 1e7, 1e10]
    assert table["fill_rate"][0] > table["fill_rate"][2] and table["partial_orders"][2] > 0
    assert table["impact_bps"][0] < table["impact_bps"][2]
    # the fill rate is filled / requested notional of the sent orders, valued at the decision price
    orders = result.tables["orders"].filter(pl.col("variant") == 2, pl.col("status").is_in(
        ["filled", "scaled", "partial", "cancelled"]))  # fmt: skip
    rows = orders.select("filled_shares", "order_shares", "decision_price").rows()
    want = sum(abs(f) * p for f, _, p in rows) / sum(abs(o) * p for _, o, p in rows)
    assert table["fill_rate"][2] == pytest.approx(want, rel=1e-12)
    # every variant ran with the cap and the impact the command set
    assert result.variants.height == 3


def test_capital_levels_must_be_distinct():
    with pytest.raises(ConfigError, match="distinct capital levels"):
        capacity(CONFIG, [1e6, 1e6], write=False)


def test_the_command_prints_the_table_and_the_run_id(tmp_path: Path):
    PRICES.write_parquet(tmp_path / "prices.parquet")
    config = tmp_path / "run.toml"
    config.write_text('[data]\nprices = "prices.parquet"\n[data.quality]\nno_signal_date = "cash"\n[strategy]\n'
                      'signal = "score"\ntop_n = 3\n[output]\nwarehouse = "wh"\n')  # fmt: skip
    done = cli("capacity", str(config), "--capital", "1e4,1e9")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert "fill_rate" in done.stdout and "10,000" in done.stdout and "1,000,000,000" in done.stdout
    assert (tmp_path / "wh" / "runs" / lines[-1]).is_dir()
    bad = cli("capacity", str(config), "--capital", "lots")
    assert bad.returncode == 2 and "--capital" in bad.stderr
