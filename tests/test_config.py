"""Configuration: defaults, relative paths, serialization. Bad configs are in the catalog, test_bad_input.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ml4t_sql.config import Config, Data, load_config


def base(**sections: Any) -> dict[str, Any]:
    return {"data": {"prices": "p.parquet"}, **sections}


def test_defaults_follow_the_documented_values():
    cfg = load_config(base())
    x = cfg.execution
    got = (x.initial_cash, x.sizing, x.fractional, x.commission_bps, x.slippage_bps, x.min_trade_value, x.delist_after)
    assert got == (1_000_000.0, "decision_close", True, 0.0, 0.0, 0.0, 5)
    assert cfg.output.warehouse == "warehouse" and cfg.strategy.top_n == 25 and cfg.strategy.weighting == "equal"
    q = cfg.data.quality
    got = (q.missing_open, q.bad_price, q.inconsistent_ohlc, q.unknown_signal_asset, q.off_calendar_signal)
    assert got == ("fail", "fail", "fail", "warn", "warn") and q.no_signal_date == "fail"


def test_toml_paths_are_relative_to_the_file(tmp_path: Path):
    (tmp_path / "cfg").mkdir()
    path = tmp_path / "cfg" / "run.toml"
    path.write_text('[data]\nprices = "../p.parquet"\n[execution]\nstart = 2020-01-02\n')
    cfg = load_config(path)
    assert cfg.resolve(cfg.data.prices) == tmp_path / "cfg" / ".." / "p.parquet"
    assert str(cfg.execution.start) == "2020-01-02"


def test_a_config_object_passes_through_and_serializes():
    cfg = Config(data=Data(prices="p.parquet"))
    assert load_config(cfg) is cfg
    assert '"prices": "p.parquet"' in cfg.to_json() and len(cfg.digest()) == 16
