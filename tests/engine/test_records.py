"""The fold's typed records: the schema's columns, trades in (date, variant, asset) order."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from ml4t_sql.choices import Side, TradeReason, code
from ml4t_sql.engine import Equity, Orders, Positions, Trades, run_fold
from ml4t_sql.engine.ledger import Records
from ml4t_sql.schema import TABLES

from .cases import panel, random_case, rules, targets

NAN = float("nan")


def table_names(record: type[Records]) -> list[str]:
    """The table columns a record stands for (tables.arrow's renaming rules)."""
    out = []
    for name in (f.name for f in fields(record)):
        if name == "variant":
            continue
        out.append(name.removesuffix("_idx").rstrip("_"))
    return out


@pytest.mark.parametrize("record", [Equity, Trades, Orders, Positions])
def test_records_have_the_columns_of_their_table_in_order(record: type[Records]):
    assert table_names(record) == TABLES[record.TABLE].names[1:]  # after run_id
    assert set(record.CODES) <= {f.name for f in fields(record)}


def test_a_dates_trades_are_in_variant_asset_order_whatever_the_step():
    # date 2: asset 1 delists (held by v0 and v1), and the decision of date 1 sells asset 0 (v1)
    # and buys asset 2 (v0, v1). Appended as delistings, sells, buys; recorded by (variant, asset).
    opens = [[10, 10, 10], [10, 10, 10], [10, NAN, 10]]
    closes = [[10, 10, 10], [10, 10, 10], [10, 10, 10]]
    p = panel(opens, closes, delist={2: [1]})
    rows = [(0, 0, 1, 0.5), (0, 1, 0, 0.3), (0, 1, 1, 0.3), (1, 0, 1, 0.5), (1, 0, 2, 0.2), (1, 1, 1, 0.3),
            (1, 1, 2, 0.3)]  # fmt: skip
    lg = run_fold(p, targets(3, 2, rows), rules(2))
    t = lg.trades
    on_2 = t.date_idx == 2
    pairs = list(zip(t.variant[on_2].tolist(), t.asset_idx[on_2].tolist(), strict=True))
    assert pairs == [(0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    reasons = dict(zip(pairs, t.reason[on_2].tolist(), strict=True))
    assert reasons[(0, 1)] == reasons[(1, 1)] == code(TradeReason.DELISTED)
    assert reasons[(1, 0)] == reasons[(0, 2)] == code(TradeReason.REBALANCE)
    sides = dict(zip(pairs, t.side[on_2].tolist(), strict=True))
    assert sides[(1, 0)] == code(Side.SELL) and sides[(0, 2)] == code(Side.BUY)
    assert (t.shares > 0).all()


def test_concat_of_chunks_is_the_whole():
    panel_, targets_, r = random_case(3)
    whole = run_fold(panel_, targets_, r)
    first = run_fold(panel_.chunk(0, 10), targets_.chunk(0, 10), r)
    assert len(Equity.concat([whole.equity])) == len(whole.equity) == panel_.n_dates * r.n_variants
    assert len(first.trades) <= len(whole.trades)
    for name in ("equity", "trades", "orders", "positions"):
        part = getattr(first, name)
        joined = type(part).concat([part, part])
        for field, values in joined.columns().items():
            assert np.array_equal(values, np.concatenate([getattr(part, field)] * 2), equal_nan=True), (name, field)
