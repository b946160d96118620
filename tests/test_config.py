"""Configuration: keys, types, ranges and helpful errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ml4t_sql.config import Config, Data, load_config
from ml4t_sql.errors import ConfigError


def base(**sections: Any) -> dict[str, Any]:
    return {"data": {"prices": "p.parquet"}, **sections}


def test_defaults_follow_the_documented_values():
    cfg = load_config(base())
    x = cfg.execution
    got = (x.initial_cash, x.sizing, x.fractional, x.commission_bps, x.slippage_bps, x.min_trade_value, x.delist_after)
    assert got == (1_000_000.0, "decision_close", True, 0.0, 0.0, 0.0, 5)
    assert cfg.output.warehouse == "warehouse" and cfg.strategy.top_n == 25 and cfg.strategy.weighting == "equal"


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (base(strategy={"topn": 3}), "unknown key `topn`; did you mean `top_n`?"),
        (base(execution={"comission_bps": 1}), "did you mean `commission_bps`?"),
        ({"data": {"prices": "p"}, "strategyy": {}}, "did you mean `strategy`?"),
        (base(strategy={"top_n": "5"}), "expected a whole number"),
        (base(strategy={"top_n": 0}), "must be at least 1"),
        (base(strategy={"top_n": True}), "expected a whole number"),
        (base(strategy={"weighting": "cap"}), "'cap' is not one of equal, signal"),
        (base(strategy={"rebalance": "montly"}), "did you mean 'monthly'?"),
        (base(execution={"fractional": "yes"}), "expected true or false"),
        (base(execution={"initial_cash": -5}), "must be positive"),
        (base(execution={"start": "2020-13-01"}), "expected a date"),
        (base(execution={"start": "2021-01-01", "end": "2020-01-01"}), "is after end"),
        (base(data={"prices": "p"}, execution={"delist_after": -1}), "must be >= 0"),
        ({"strategy": {}}, "missing section [data]"),
        ({"data": {"signals": "s"}}, "missing key `prices`"),
        (base(data={"prices": "p", "quality": {"missing_open": "repair"}}), "is not one of fail, drop, no_fill"),
    ],
)
def test_bad_config_names_the_key(raw: dict[str, Any], needle: str):
    with pytest.raises(ConfigError) as err:
        load_config(raw)
    assert needle in str(err.value)


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
