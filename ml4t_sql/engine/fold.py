"""The fold: the only loop over dates, a short loop of named steps. Pure arrays in, arrays out.

The state is `cash[V]` and `shares[V * N]` (state.Book): V variants of one strategy (a single run
is V = 1; a sweep folds all its variants at once) over N assets. Every step is array arithmetic
over that state, vectorized over assets and variants (flat indices variant * N + asset, sums per
variant by bincount): nothing loops over assets or variants in Python.

Each window date t runs the steps of `STEPS`, in order (docs/SEMANTICS.md has every rule):

| step    | module      | rule                                                                     |
|---------|-------------|--------------------------------------------------------------------------|
| finance | finance.py  | interest on cash, fees on shorts since the previous date (previous close) |
| actions | actions.py  | ex-date dividends, then splits (shares, cash in lieu, the pending decision) |
| delist  | delist.py   | held assets gone `delist_after` dates are sold at their last close       |
| resize  | resize.py   | `sizing = "fill_price"`: the pending decision re-sized at this open      |
| cap     | cap.py      | `max_participation`: orders cut to a share of the fill bar's volume; impact |
| fill    | fill.py     | the pending decision: cancel, sells, then buys under the cash rule       |
|         | shortfall.py| (the cash rule: `cash_shortfall` scale / sequential / borrow)            |
|         | costs.py    | (commission with per-share fee and minimum; the cash rule's factor with them) |
| stops   | stops.py    | `[risk]`: entry prices from the fills; stop / take-profit exits          |
| close   | close.py    | the date's trades booked; NAV, exposures, positions at the last close    |
| trail   | stops.py    | `[risk]`: the best close since entry (the trailing stop's reference)     |
| drawdown | drawdown.py | `[risk]` max_drawdown: a halt's zero targets; the dates without decision |
| keep_stale | stale.py | `stale = "hold"`: held assets without a bar or signal keep their shares |
| reentry | drawdown.py | `[risk]` reentry_after: blocked assets target 0                          |
| decide  | decide.py   | orders for the variants rebalancing on t (pending on the window's last)  |
|         | band.py     | (`drift_band`: orders near their target skipped, `in_band`)              |

Each step is a function `step(ctx, book, day)`: it reads the fold's inputs and invariants
(`context.Context`, never written), reads and changes the book (`state.Book`: cash, shares, the
pending decision) and the date's scratch (`ledger.Day`: traded, costs, fills, nav), and appends
rows to the journal (`ledger.Journal`: trades, orders, positions, equity). Its docstring says
what it requires and what it sets.

How to add a rule (e.g. risk exits after fill, a drawdown halt after
close): write one module with its step function (docstring: Requires / Sets), put it in `STEPS`
at its place in SEMANTICS' order, and give it its inputs: per-variant parameters as fields of
`rules.Rules`, per-date data as fields of `panel.Panel`, per-fold invariants in `Context.build`.
If it carries something from date to date (a peak, stop references), add the field to
`state.Book` and `state.FoldState` (which serializes any array or int field as it is). A step
returns quickly when it has nothing to do on t; the loop has no branches of its own.

run_fold never changes what it is given (panel, targets, rules, state): it returns a `Ledger`
of typed records (ledger.py) and a new `FoldState` to continue from.
"""

from __future__ import annotations

from collections.abc import Callable

from .actions import actions
from .cap import cap
from .close import close
from .context import Context
from .decide import decide
from .delist import delist
from .drawdown import drawdown, reentry
from .fill import fill
from .finance import finance
from .ledger import Day, Journal, Ledger
from .panel import Panel, Targets
from .resize import resize
from .rules import Rules
from .stale import keep_stale
from .state import Book, FoldState
from .stops import stops, trail

Step = Callable[[Context, Book, Day], None]

STEPS: tuple[Step, ...] = (
    finance, actions, delist, resize, cap, fill, stops, close, trail, drawdown, keep_stale, reentry, decide
)  # fmt: skip
"""The steps of one date, in the order of docs/SEMANTICS.md."""

__all__ = ["STEPS", "FoldState", "Ledger", "Panel", "Rules", "Step", "Targets", "run_fold"]


def run_fold(
    panel: Panel,
    targets: Targets,
    rules: Rules,
    progress: Callable[[int, int], object] | None = None,
    state: FoldState | None = None,
) -> Ledger:
    """Fold the panel's dates into the ledger, running `STEPS` on each date.

    Without `state`, the panel is the whole window. With it, the panel and targets are the next
    chunk of the window's dates, starting at `state.offset`; the ledger's `state` continues the
    fold from the date after the chunk, and the ledgers of all chunks together equal one fold.
    `progress(done, n_dates)` is called after each date. Nothing passed in is changed.
    """
    if state is None:
        state = FoldState.start(rules, panel.n_assets, panel.n_dates)
    ctx = Context.build(panel, targets, rules, state)
    book = Book.open(state, ctx.N)
    journal = Journal(ctx.T, ctx.V, ctx.N, ctx.t0)
    day = Day(journal)
    steps = STEPS
    for t in range(ctx.T):
        day.start(t)
        for step in steps:
            step(ctx, book, day)
        if progress is not None:
            progress(day.date + 1, state.n_dates)
    nav_after = journal.cash[-1] + journal.market_value[-1] if ctx.T else state.nav_prev.copy()
    return journal.ledger(state.nav_prev, book.state(nav_after, ctx.t0 + ctx.T, state.n_dates))
