"""The fold itself: folding a window in chunks of dates equals folding it at once, and a fold
changes nothing it is given (panel, targets, rules, state)."""

from __future__ import annotations

import copy
from dataclasses import fields, replace
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ml4t_sql.choices import CashShortfall, OrderStatus, Rounding, TradeReason, code
from ml4t_sql.engine import STEPS, FoldState, Ledger, Panel, Rules, Targets, run_fold
from tests.depth import examples

from .engine.cases import cases, random_case

RECORDS = ("equity", "trades", "orders", "positions")


def fold_in_chunks(panel: Panel, targets: Targets, rules: Rules, cuts: list[int]) -> list[Ledger]:
    bounds = [0, *sorted(c for c in set(cuts) if 0 < c < panel.n_dates), panel.n_dates]
    ledgers, state = [], FoldState.start(rules, panel.n_assets, panel.n_dates)
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        ledger = run_fold(panel.chunk(start, stop), targets.chunk(start, stop), rules, state=state)
        ledgers.append(ledger)
        state = ledger.state
    return ledgers


def assert_same_ledger(parts: list[Ledger], whole: Ledger) -> None:
    """The chunks' records, one after another, are the whole fold's, bit for bit."""
    for name in RECORDS:
        joined = type(getattr(whole, name)).concat([getattr(p, name) for p in parts])
        for column, expected in getattr(whole, name).columns().items():
            got = joined.columns()[column]
            assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes(), f"{name}.{column}"
    assert parts[-1].state == whole.state


@settings(max_examples=examples(60), deadline=None)
@given(case=cases(), cuts=st.lists(st.integers(1, 29), max_size=6, unique=True))
def test_chunks_fold_to_the_same_ledger(case: tuple[Panel, Targets, Rules], cuts: list[int]):
    panel, targets, rules = case
    assert_same_ledger(fold_in_chunks(panel, targets, rules, cuts), run_fold(panel, targets, rules))


def frozen(value: Any) -> Any:
    """A deep copy of a dataclass of arrays, every array read-only."""
    out = copy.deepcopy(value)
    for f in fields(out):
        array = getattr(out, f.name)
        if isinstance(array, np.ndarray):
            array.setflags(write=False)
    return out


def snapshot(value: Any) -> dict[str, Any]:
    return {f.name: (lambda x: x.tobytes() if isinstance(x, np.ndarray) else x)(getattr(value, f.name))
            for f in fields(value)}  # fmt: skip


@settings(max_examples=examples(40), deadline=None)
@given(case=cases(), cut=st.integers(1, 29))
def test_the_fold_changes_nothing_it_is_given(case: tuple[Panel, Targets, Rules], cut: int):
    panel, targets, rules = (frozen(x) for x in case)  # writing to any of them would raise
    before = [snapshot(x) for x in (panel, targets, rules)]
    cut = min(cut, panel.n_dates)
    first = run_fold(panel.chunk(0, cut), targets.chunk(0, cut), rules,
                     state=FoldState.start(rules, panel.n_assets, panel.n_dates))  # fmt: skip
    state = first.state
    state_before = snapshot(state)
    rest = [panel.chunk(cut, panel.n_dates), targets.chunk(cut, panel.n_dates), rules]
    again = [run_fold(*rest, state=state) for _ in range(2)]  # continuing twice from one state
    assert snapshot(state) == state_before
    assert [snapshot(x) for x in (panel, targets, rules)] == before
    assert_same_ledger([again[0]], again[1])
    assert_same_ledger([first, again[0]], run_fold(panel, targets, rules))


def test_a_state_passed_in_is_not_the_state_handed_back():
    panel, targets, rules = random_case(5)
    state = FoldState.start(rules, panel.n_assets, panel.n_dates)
    out = run_fold(panel.chunk(0, 3), targets.chunk(0, 3), rules, state=state)
    assert out.state is not state and out.state.offset == 3 and state.offset == 0
    assert not np.shares_memory(out.state.cash, state.cash) and not np.shares_memory(out.state.shares, state.shares)


def test_the_random_cases_exercise_every_rule():
    """What the properties above rely on: every status, reason, rounding and cash rule occurs."""
    statuses, reasons, roundings, shortfalls = set(), set(), set(), set()
    fill_price = whole = 0
    for seed in range(40):
        panel, targets, rules = random_case(seed)
        ledger = run_fold(panel, targets, rules)
        statuses |= set(ledger.orders.status.tolist())
        reasons |= set(ledger.trades.reason.tolist())
        if rules.rounding is not None:
            roundings |= set(rules.rounding[~rules.fractional].tolist())
        if rules.cash_shortfall is not None:
            shortfalls |= set(rules.cash_shortfall[ledger.trades.variant].tolist())
        fill_price += int(rules.fill_price_sizing.sum())
        whole += int((~rules.fractional).sum())
    assert statuses == {code(s) for s in OrderStatus}
    assert reasons == {code(r) for r in TradeReason}
    assert roundings == {code(r) for r in Rounding}
    assert shortfalls == {code(c) for c in CashShortfall}
    assert fill_price and whole


def test_the_steps_run_in_the_order_of_the_semantics():
    """STEPS is the table of docs/SEMANTICS.md, *Steps of the fold*, row by row."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "SEMANTICS.md").read_text()
    section = text.split("## Steps of the fold", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("| ") and "`engine/" in line]
    rows = [line.split("|")[1].split()[0] for line in lines]
    steps = ["finance", "actions", "delist", "resize", "cap", "fill", "stops", "close", "trail", "drawdown",
             "keep_stale", "reentry", "decide"]  # fmt: skip
    assert [s.__name__ for s in STEPS] == rows == steps


def test_a_step_added_to_the_loop_runs_on_every_date(monkeypatch):
    """The extension point: a new step is one more entry in STEPS (here: one that only counts)."""
    from ml4t_sql.engine import fold

    seen: list[int] = []
    monkeypatch.setattr(fold, "STEPS", (*fold.STEPS, lambda ctx, book, day: seen.append(day.date)))
    panel, targets, rules = random_case(2)
    run_fold(panel.chunk(4, 9), targets.chunk(4, 9), rules, state=replace(FoldState.start(rules, panel.n_assets,
             panel.n_dates), offset=4))  # fmt: skip
    assert seen == [4, 5, 6, 7, 8]
