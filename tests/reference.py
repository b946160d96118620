"""An independent, plain-Python reference of docs/SEMANTICS.md.

Written for clarity, not speed: dicts, floats and loops, one date at a time, in the order
SEMANTICS.md gives (financing, delisting, fills, close, decision). The engine (``ml4t_sql``) is held to this
reference by ``tests/test_engine_vs_reference.py``; the reference itself is checked on hand-computed
ledgers in ``tests/test_reference.py``.

Readings taken where SEMANTICS.md leaves room (see the module's tests for examples):

- ``skipped`` and ``cancelled`` orders carry ``fill_date`` = the next window date (the bar on which
  the decision is resolved); orders of a decision on the last window date (``pending``, or
  ``skipped`` when below ``min_trade_value``) have ``fill_date`` None.
- ``decision_price`` is ``last_close`` at the decision date, in both sizing modes.
- ``sizing = "fill_price"``: every asset with a target or a position at the decision is re-sized
  at the fill open; dust and ``min_trade_value`` then apply to the re-sized order, its notional
  valued at ``last_close[t, a]`` and compared with ``nav_t`` ("Dust and min_trade_value use the
  notional at last_close[t, a] and nav_t"). An asset that cannot trade at the fill open is re-sized
  as ``weight * nav_open / last_close[t, a]`` (the price that ``nav_open`` uses for it).
- A fill of zero shares (a whole-share buy scaled down to 0, or a fill_price order that re-sizes to
  exactly 0) keeps its status but produces no trade row (trades have ``shares > 0``).
- ``cash_shortfall = "sequential"``: a buy filled with fewer shares than ordered (to float noise,
  ``q < order * (1 - 1e-12)``), zero included, is ``scaled``; the others ``filled``.
- ``rounding = "order"`` or ``"order_snap"``: ``target_shares`` is reported as ``shares + order_shares``.
- Financing is accrued one calendar day at a time (``accrue``): each day since the previous window
  date adds ``balance x rate / 365`` on the previous close's balances; the rate in force is found
  by walking back one calendar day at a time from the previous window date to a dated row.

Corporate actions (SPEC 12, 14.1, 14.12), on raw prices: on an ex-date, after financing and before
delisting, each held asset's dividend is paid on the shares of the previous close (a short pays
it), then its split multiplies the holding (whole shares: the part toward zero, the rest sold to
cash at the previous close divided by the split; a short pays for its fraction) and divides the
asset's remembered last close; the decision waiting for the open is restated in new shares: its
target and order shares multiplied (whole shares: toward zero), its decision price divided.
Formulated per asset on the dicts, with the last close itself divided (the engine reads raw
closes from its panel instead). An event row (date, asset, rule) per rule that moved a holding.

Capacity and trading costs (SPEC 10, 14.7-14.9), formulated per order at the fill: each sent
order's size is first limited to ``max_participation x volume`` of its fill bar (whole shares:
``math.floor``, lots: the largest multiple below), and its impact fraction is
``impact_coefficient x sigma x sqrt(|capped| / volume)``, sigma taken at the decision with
``statistics.stdev`` over the asset's own last closes, each ex-date rescaling the closes before it
by ``(1 - dividend / previous close) / split`` (adjusted prices, SPEC 14.3). A fill of q > 0 shares pays
``max(commission_min, bps x notional + per_share x q)``. When buys must be scaled and some
variant pays per share or a minimum, the common factor is found by bisection on the total cost
(continuous and increasing in the factor); if the minimums alone exceed the room, nothing is
bought. ``drift_band`` compares the signed weight held at the decision close with the target
weight; ``lot_size`` rounds toward zero to a multiple (targets, orders and scaled buys).

Shorts and leverage (SPEC 9, 14.7), formulated as a borrowing allowance rather than a floor: a
decision sized with NAV ``nav_d`` may borrow up to ``(max_leverage - 1) x nav_d`` for its buys, so
the buys may spend ``cash + allowance`` (none when that is negative); ``scale`` spends exactly
all of it (cash ends at ``-allowance``), ``sequential`` spends it in turn, ``borrow`` ignores it.
A short is a negative holding; its sale is a sell, its cover a buy; a delisted short is bought
back at its last close. A book whose NAV is not positive (shorts can take it there) sizes every
target to 0 shares, borrows nothing, and its zero orders are dust. Long and short exposure are
the sums of the positive and of the negative position values over NAV, each summed on its own.
"""

from __future__ import annotations

import datetime as _dt
import math
import statistics

from tests.risk_reference import RiskRules

DUST = 1e-9  # orders worth at most DUST * nav_t are no orders
SCALE_NOISE = 1e-12  # a buy scale factor s >= 1 - SCALE_NOISE reports as filled (still applied)


def simulate(
    bars,
    targets,
    rebalance_dates,
    *,
    initial_cash=1_000_000.0,
    sizing="decision_close",
    fractional=True,
    commission_bps=0.0,
    slippage_bps=0.0,
    min_trade_value=0.0,
    delist_after=5,
    cash_shortfall="scale",
    rounding="target",
    fresh=None,
    long_exposure=1.0,
    short_exposure=0.0,
    cash_rate=0.0,
    margin_rate=0.0,
    short_fee=0.0,
    rates=None,
    borrow_fees=None,
    allow_short=False,
    max_leverage=1.0,
    actions=None,
    max_participation=None,
    commission_per_share=0.0,
    commission_min=0.0,
    impact_coefficient=0.0,
    impact_vol_window=20,
    drift_band=None,
    lot_size=None,
    **risk_rules,
):
    """Run the backtest of SEMANTICS.md over the whole calendar of `bars`.

    bars: list of {date, asset, open (float or None), close}.
    targets: {date: {asset: weight}}.  rebalance_dates: set of dates (missing from targets = cash).
    fresh: `stale = "hold"`: the set of (date, asset) with a bar and a finite signal; on a
    rebalance date a held asset not in it keeps its shares (no order), and the others' weights
    are scaled by (E - the kept assets' weight at the close) / E, per leg (E: long_exposure for
    weights >= 0, short_exposure for weights < 0, the kept weights summed by their sign).
    cash_rate, margin_rate, short_fee, rates ({date: rate}), borrow_fees ({asset: fee} or
    {(date, asset): fee}): financing, see `accrue`.
    actions: {(date, asset): (split, dividend)} corporate actions by ex-date (see the module).
    risk_rules: the `[risk]` keys (stop_loss, take_profit, trailing_stop, reentry_after,
    max_drawdown, halt_dates; tests/risk_reference.py); the bars then carry high and low.
    Returns {"equity": [...], "trades": [...], "orders": [...], "positions": [...], "events": [...]}.
    """
    if sizing not in ("decision_close", "fill_price"):
        raise ValueError(f"unknown sizing {sizing!r}")
    if cash_shortfall not in ("scale", "sequential", "borrow"):
        raise ValueError(f"unknown cash_shortfall {cash_shortfall!r}")
    if rounding not in ("target", "order", "order_snap"):
        raise ValueError(f"unknown rounding {rounding!r}")
    for t, row in targets.items():
        if not allow_short and any(w < 0 for w in row.values()):
            raise ValueError(f"negative weight on {t} without allow_short")
        if sum(abs(w) for w in row.values()) > max_leverage + 1e-9 * max(1.0, max_leverage):
            raise ValueError(f"gross weight above max_leverage on {t}")

    # --- the bars, by (date, asset) -------------------------------------------------------------
    open_of = {}  # (date, asset) -> open or None
    close_of = {}  # (date, asset) -> close
    volume_of = {}  # (date, asset) -> volume or None
    high_low = {}  # (date, asset) -> (high, low), either None when unknown
    assets_on = {}  # date -> assets with a bar that date
    for b in bars:
        key = (b["date"], b["asset"])
        if key in close_of:
            raise ValueError(f"duplicate bar {key}")
        open_of[key] = b["open"]
        close_of[key] = b["close"]
        volume_of[key] = b.get("volume")
        high_low[key] = (b.get("high"), b.get("low"))
        assets_on.setdefault(b["date"], []).append(b["asset"])
    calendar = sorted(assets_on)

    def has_bar(t, a):
        return (t, a) in close_of

    def can_trade(t, a):
        return has_bar(t, a) and open_of[(t, a)] is not None

    lot = float(lot_size or 1)

    def whole(x):
        return x if fractional else lot * float(math.trunc(x / lot))

    def fee(q, notional):
        """Commission of a fill of q >= 0 shares at `notional`."""
        if q <= 0:
            return 0.0
        return max(commission_min, commission * notional + commission_per_share * q)

    def sigma_at(a):
        """Sample std of the asset's last impact_vol_window close-to-close returns so far."""
        closes = history.get(a, [])[-(impact_vol_window + 1):]
        rets = [closes[k] / closes[k - 1] - 1 for k in range(1, len(closes))]
        return statistics.stdev(rets) if len(rets) >= 2 else 0.0

    def size(w, nav, price, held):
        """(target_shares, order_shares) of weight w at this NAV and price, holding `held`."""
        if not fractional and rounding in ("order", "order_snap"):
            order = w * nav / price - held  # the order rounds, not the target
            if rounding == "order_snap" and abs(order - round(order)) <= 1e-4:
                order = float(round(order))  # within 1e-4 of a whole number: that number
            order = lot * float(math.trunc(order / lot))
            return held + order, order
        target = whole(w * nav / price)
        return target, target - held

    commission = commission_bps / 1e4
    slippage = slippage_bps / 1e4

    # --- state ------------------------------------------------------------------------------------
    cash = float(initial_cash)
    shares = {}  # asset -> shares; only nonzero holdings are kept
    last_close = {}  # asset -> close of its most recent bar so far
    last_bar_index = {}  # asset -> calendar index of its most recent bar so far
    history = {}  # asset -> closes of its bars so far, in date order
    nav_prev = float(initial_cash)
    decision = None  # the decision of the previous date, waiting for this date's open
    risk = RiskRules(**risk_rules) if risk_rules else None

    equity, trades, orders, positions, events = [], [], [], [], []
    actions_on = {}  # date -> {asset: (split, dividend)}
    for (d, a), act in (actions or {}).items():
        actions_on.setdefault(d, {})[a] = act

    for i, t in enumerate(calendar):
        traded_notional = 0.0
        costs = 0.0

        # 0. Financing on the previous close's balances, for the calendar days since then.
        financing = 0.0
        if i > 0:
            financing = accrue(calendar[i - 1], t, cash, shares, last_close, cash_rate=cash_rate,
                               margin_rate=margin_rate, short_fee=short_fee, rates=rates, borrow_fees=borrow_fees)
            cash += financing

        # 0 bis. Corporate actions of ex-date t: dividend on the previous close's shares, then split.
        dividends = 0.0
        for a, (split, dividend) in sorted(actions_on.get(t, {}).items()):
            held = shares.get(a, 0.0)
            if held != 0.0 and dividend != 0.0:
                cash += held * dividend
                dividends += held * dividend
                events.append(dict(date=t, asset=a, rule="dividend"))
            if history.get(a):  # impact's sigma reads adjusted closes: the history so far rescaled
                adjust = (1.0 - dividend / last_close[a]) / split
                history[a] = [c * adjust for c in history[a]]
            if split == 1.0:
                continue
            if a in last_close:
                last_close[a] = last_close[a] / split
            if held != 0.0:
                exact = held * split
                kept = exact if fractional else float(math.trunc(exact))  # an odd lot stays: fractions go to cash
                cash += (exact - kept) * last_close[a]  # the fraction, at the post-split close
                if kept == 0.0:
                    shares.pop(a)
                else:
                    shares[a] = kept
                if risk is not None:
                    risk.on_split(a, split, exact, kept)
                events.append(dict(date=t, asset=a, rule="split"))
            if decision is not None:  # restated in new shares; the holding is post-split already
                for o in decision["orders"]:
                    if o["asset"] != a:
                        continue
                    now = shares.get(a, 0.0)
                    if fractional:
                        o["target_shares"] *= split
                        o["order_shares"] *= split
                    elif rounding in ("order", "order_snap"):  # the order in lots, the target what it makes
                        o["order_shares"] = whole(o["order_shares"] * split)
                        o["target_shares"] = now + o["order_shares"]
                    else:  # the target in lots, the order what reaches it
                        o["target_shares"] = whole(o["target_shares"] * split)
                        o["order_shares"] = o["target_shares"] - now
                    o["decision_price"] = o["decision_price"] / split

        # 1. Delisting: a held asset whose last bar was exactly `delist_after` dates ago, with no
        #    bar since (and none today), is sold at its last close. No commission, no slippage.
        if delist_after > 0:
            for a in sorted(shares):
                if not has_bar(t, a) and last_bar_index[a] == i - delist_after:
                    q = shares.pop(a)  # < 0: a short, bought back
                    price = last_close[a]
                    if risk is not None:
                        risk.on_fill(i, a, q, -q, price)
                    cash += q * price
                    notional = abs(q) * price
                    traded_notional += notional
                    trades.append(
                        dict(date=t, asset=a, side="sell" if q > 0 else "buy", shares=abs(q), price=price,
                             notional=notional,
                             commission=0.0, slippage_cost=0.0, impact_cost=0.0, reason="delisted",
                             decision_date=None)
                    )

        # 2. Fills of the previous date's decision, all on this bar.
        if decision is not None:
            sent = [o for o in decision["orders"] if o["status"] is None]

            # 2.1 fill_price sizing: re-size at this open (after today's delisting credits), then
            #     drop dust and skip small orders, valued at the decision close against nav_t.
            #     last_close still holds the decision date's closes here (updated at step 3).
            nav_sized = decision["nav"]
            if sizing == "fill_price":
                nav_open = cash
                for a, q in shares.items():
                    p = open_of[(t, a)] if can_trade(t, a) else last_close[a]
                    nav_open += q * p
                nav_sized = nav_open
                for o in sent:
                    a = o["asset"]
                    p = open_of[(t, a)] if can_trade(t, a) else last_close[a]
                    o["target_shares"], o["order_shares"] = size(o["target_weight"], max(nav_open, 0.0), p,
                                                                 shares.get(a, 0.0))
                    o["sizing_value"] = o["target_weight"] * nav_open - shares.get(a, 0.0) * p
                    notional = abs(o["order_shares"]) * o["decision_price"]
                    if notional <= DUST * max(decision["nav"], 0.0):
                        o["status"] = "dust"
                    elif notional < min_trade_value:
                        o["status"] = "skipped"
                decision["orders"] = [o for o in decision["orders"] if o["status"] != "dust"]
                sent = [o for o in sent if o["status"] is None]

            # 2.2 cancel what cannot trade at this open.
            for o in sent:
                if not can_trade(t, o["asset"]):
                    o["status"] = "cancelled"
                    o["filled_shares"] = 0.0
            live = [o for o in sent if o["status"] is None]

            # 2.2 ter: the participation cap and each order's impact (after cancellation); an
            #          order not sent reports its (re-sized) order as capped
            for o in decision["orders"]:
                o["capped_shares"] = o["order_shares"]
            for o in sent:
                volume = volume_of.get((t, o["asset"])) or 0.0
                requested = abs(o["order_shares"])
                size_ = requested
                if max_participation is not None:
                    limit = max_participation * volume
                    if not fractional:
                        limit = lot * math.floor(math.floor(limit) / lot) if lot > 1 else math.floor(limit)
                    size_ = min(requested, limit)
                o["capped_shares"] = math.copysign(size_, o["order_shares"])
                o["cut"] = size_ < requested
                o["impact"] = impact_coefficient * o["sigma"] * math.sqrt(size_ / volume) if volume > 0 else 0.0

            def fill(o, q, side, price):
                """Book a fill of q > 0 shares (q = 0 books nothing). Returns the notional.

                Called only within this date's iteration, so `t` and `decision` are this date's.
                """
                nonlocal traded_notional, costs
                a = o["asset"]
                signed = q if side == "buy" else -q
                o["filled_shares"] = signed
                if q == 0:
                    return 0.0
                notional = q * price
                comm = fee(q, notional)
                hit = q * open_of[(t, a)] * o["impact"]  # noqa: B023 (this date's t)
                slip = q * open_of[(t, a)] * slippage + hit  # noqa: B023
                if risk is not None:
                    risk.on_fill(i, a, shares.get(a, 0.0), signed, price)  # noqa: B023
                new = shares.get(a, 0.0) + signed
                if new == 0:
                    shares.pop(a, None)
                else:
                    shares[a] = new
                traded_notional += notional
                costs += comm + slip
                trades.append(
                    dict(date=t, asset=a, side=side, shares=q, price=price, notional=notional,  # noqa: B023
                         commission=comm, slippage_cost=slip, impact_cost=hit, reason="rebalance",
                         decision_date=decision["date"])  # noqa: B023
                )
                return notional

            # 2.3 sells first.
            for o in live:
                if o["capped_shares"] < 0:
                    price = open_of[(t, o["asset"])] * (1 - slippage - o["impact"])
                    q_sell = -o["capped_shares"]
                    notional = fill(o, q_sell, "sell", price)
                    cash += notional - fee(q_sell, notional)
                    o["status"] = "filled"

            # 2.4 then buys, scaled by one common factor when cash is short.
            buys = [o for o in live if o["capped_shares"] > 0]
            buy_price = {o["asset"]: open_of[(t, o["asset"])] * (1 + slippage + o["impact"]) for o in buys}

            fixed = commission_per_share > 0 or commission_min > 0

            def total(s, buys=buys, buy_price=buy_price, fixed=fixed):
                """Cash all buys take at factor s (each q x s, commission included)."""
                if not fixed:
                    return sum(o["capped_shares"] * s * buy_price[o["asset"]] for o in buys) * (1 + commission)
                return sum(o["capped_shares"] * s * buy_price[o["asset"]]
                           + fee(o["capped_shares"] * s, o["capped_shares"] * s * buy_price[o["asset"]])
                           for o in buys)

            B = total(1.0)
            allowance = (max_leverage - 1.0) * max(nav_sized, 0.0)  # what the buys may borrow
            if cash_shortfall == "borrow":
                for o in buys:  # every buy in full; cash may end below 0
                    fill(o, o["capped_shares"], "buy", buy_price[o["asset"]])
                    o["status"] = "filled"
                cash -= B
            elif cash_shortfall == "sequential":
                # one after another, by the value each adds at sizing (ascending), ties by asset;
                # each takes what the cash left can buy
                spendable = cash + allowance
                had_room = spendable >= 0
                for o in sorted(buys, key=lambda o: (o["sizing_value"], o["asset"])):
                    price = buy_price[o["asset"]]
                    q = o["capped_shares"]
                    cut = q * price * (1 + commission) > spendable
                    if cut:
                        q = whole(max(spendable, 0.0) / (1 + commission) / price)
                    notional = fill(o, q, "buy", price)
                    spendable = 0.0 if cut and fractional else spendable - notional * (1 + commission)
                    o["status"] = "scaled" if q < o["capped_shares"] * (1 - SCALE_NOISE) else "filled"
                if had_room and spendable < 0:
                    assert spendable > -DUST * max(nav_prev, 1.0), f"cash {spendable} far below its floor on {t}"
                    spendable = 0.0
                if buys and had_room:  # else nothing was bought: cash as it is
                    cash = spendable - allowance
            elif buys and B > cash + allowance:
                spendable = cash + allowance
                if not fixed:
                    s = max(spendable, 0.0) / B
                elif spendable < len(buys) * commission_min:
                    s = 0.0  # the minimums alone do not fit: no buy
                else:  # bisection: the largest s whose total fits
                    lo, hi = 0.0, 1.0
                    for _ in range(200):
                        mid = (lo + hi) / 2
                        if total(mid) <= spendable:
                            lo = mid
                        else:
                            hi = mid
                    s = lo
                spent = 0.0
                for o in buys:
                    q = whole(o["capped_shares"] * s)
                    q_price = buy_price[o["asset"]]
                    fill(o, q, "buy", q_price)
                    spent += q * q_price + fee(q, q * q_price) if fixed else q * q_price * (1 + commission)
                    o["status"] = "scaled" if s < 1 - SCALE_NOISE else "filled"  # float noise: filled
                if spendable < 0 or s == 0.0:
                    pass  # already below the floor, or no minimum fits: nothing bought, cash as it is
                elif fractional:
                    cash = -allowance
                else:
                    cash -= spent
                    if cash < -allowance:
                        assert cash > -allowance - DUST * max(nav_prev, 1.0), f"cash {cash} far below its floor on {t}"
                        cash = -allowance
            else:
                for o in buys:
                    fill(o, o["capped_shares"], "buy", buy_price[o["asset"]])
                    o["status"] = "filled"
                cash -= B

            # 2.5 an order the cap cut is partial (the rest cancelled), also when then scaled
            for o in live:
                if o["cut"]:
                    o["status"] = "partial"

            # 2.2 bis: an order that re-sized to exactly 0 under fill_price is filled with nothing.
            for o in live:
                if o["status"] is None:
                    o["status"] = "filled"
                    o["filled_shares"] = 0.0

            for o in decision["orders"]:
                o["fill_date"] = t
            orders.extend(decision["orders"])
            decision = None

        # 2.6 Risk exits (SPEC 11): in full, at the open or the level moved by slippage.
        if risk is not None:

            def checkable(a):
                hl = high_low[(t, a)] if has_bar(t, a) else (None, None)  # noqa: B023 (this date's t)
                ok = can_trade(t, a) and None not in hl  # noqa: B023
                return (open_of[(t, a)], *hl) if ok else None  # noqa: B023

            for a, raw, reason, _level, _at_open in risk.exits(i, shares, checkable):
                q = shares.pop(a)
                side = "sell" if q > 0 else "buy"
                price = raw * (1 - slippage) if q > 0 else raw * (1 + slippage)
                notional = abs(q) * price
                comm = fee(abs(q), notional)  # minimums and per-share fees apply to risk exits (SPEC 14.8)
                cash += notional - comm if q > 0 else -(notional + comm)
                traded_notional += notional
                costs += comm + abs(q) * raw * slippage
                trades.append(dict(date=t, asset=a, side=side, shares=abs(q), price=price, notional=notional,
                                   commission=comm, slippage_cost=abs(q) * raw * slippage, impact_cost=0.0,
                                   reason=reason, decision_date=None))  # fmt: skip
                risk.exited(t, a, reason)

        # 3. Close.
        for a in assets_on[t]:
            last_close[a] = close_of[(t, a)]
            last_bar_index[a] = i
            history.setdefault(a, []).append(close_of[(t, a)])
        market_value = sum(q * last_close[a] for a, q in shares.items())
        gross = sum(abs(q * last_close[a]) for a, q in shares.items())
        longs = sum(q * last_close[a] for a, q in shares.items() if q > 0)
        shorts = sum(-q * last_close[a] for a, q in shares.items() if q < 0)
        nav = cash + market_value
        equity.append(
            dict(date=t, cash=cash, market_value=market_value, nav=nav, **{"return": nav / nav_prev - 1},
                 gross_exposure=gross / nav, net_exposure=market_value / nav,
                 long_exposure=longs / nav, short_exposure=shorts / nav,
                 turnover=traded_notional / nav_prev, costs=costs, financing=financing,
                 dividends=dividends)
        )
        for a in sorted(shares):
            mv = shares[a] * last_close[a]
            positions.append(dict(date=t, asset=a, shares=shares[a], close=last_close[a],
                                  market_value=mv, weight=mv / nav))
        nav_prev = nav
        if risk is not None:
            risk.on_close(shares, last_close)

        # 4. Decision (a drawdown halt decides off schedule, with all targets 0; a pause does not).
        decides, flatten = (t in rebalance_dates, False) if risk is None else risk.decision(i, t, nav,
                                                                                             t in rebalance_dates)
        if decides:
            weights = {} if flatten else targets.get(t, {})
            kept = set()
            if fresh is not None and not flatten:
                kept = {a for a in shares if (t, a) not in fresh}
                long_kept = sum(shares[a] * last_close[a] / nav for a in sorted(kept) if shares[a] > 0)
                short_kept = sum(-shares[a] * last_close[a] / nav for a in sorted(kept) if shares[a] < 0)
                keep_long = max(long_exposure - long_kept, 0.0) / long_exposure if long_exposure > 0 else 0.0
                keep_short = max(short_exposure - short_kept, 0.0) / short_exposure if short_exposure > 0 else 0.0
                weights = {a: w * (keep_long if w >= 0 else keep_short) for a, w in weights.items()}
            if risk is not None:
                weights = risk.block(weights)
            last = i == len(calendar) - 1
            new_orders = []
            for a in sorted((set(weights) | set(shares)) - kept):
                if a not in last_close:
                    raise ValueError(f"target for {a} on {t} before its first bar")
                w = float(weights.get(a, 0.0))
                price = last_close[a]
                target, order = size(w, max(nav, 0.0), price, shares.get(a, 0.0))
                notional = abs(order) * price
                held_weight = shares.get(a, 0.0) * price / nav if nav > 0 else None
                banded = (drift_band is not None and w != 0 and held_weight is not None
                          and abs(held_weight - w) <= drift_band)
                if sizing == "fill_price" and not last:
                    # re-sized at the next open; dust and skip are decided there (2.1)
                    status = "in_band" if banded else None
                elif notional <= DUST * max(nav, 0.0):  # a NAV below 0 counts as 0
                    continue  # dust: no order at all
                elif banded:
                    status = "in_band"  # near its target already: not sent (before min_trade_value)
                elif notional < min_trade_value:
                    status = "skipped"  # never sent (on the last date too)
                elif last:
                    status = "pending"  # no next bar: what a desk would send
                else:
                    status = None  # sent; resolved at the next open
                new_orders.append(
                    dict(decision_date=t, fill_date=None, asset=a, target_weight=w, decision_price=price,
                         target_shares=target, order_shares=order, capped_shares=order, filled_shares=0.0,
                         status=status, sizing_value=w * nav - shares.get(a, 0.0) * price, sigma=sigma_at(a))
                )
            if last:
                orders.extend(new_orders)
            else:
                decision = dict(date=t, nav=nav, orders=new_orders)

    trades.sort(key=lambda r: (r["date"], r["asset"]))
    for o in orders:
        for scratch in ("sizing_value", "sigma", "cut", "impact"):  # working values, not columns of the table
            o.pop(scratch, None)
    orders.sort(key=lambda r: (r["decision_date"], r["asset"]))
    events += [] if risk is None else risk.events
    events.sort(key=lambda r: (r["date"], r["asset"] or "", r["rule"]))
    return dict(equity=equity, trades=trades, orders=orders, positions=positions, events=events)


def in_force(table, day, key=None):
    """The value of the latest row dated <= day in `table` ({date: v} or, with key, {(date, key): v}),
    found by stepping back one calendar day at a time; None before its first row."""
    dates = [d if key is None else d[0] for d in table]
    if not dates:
        return None
    first = min(dates)
    while day >= first:
        found = table.get(day if key is None else (day, key))
        if found is not None:
            return found
        day -= _dt.timedelta(days=1)
    return None


def accrue(previous, today, cash, shares, last_close, *, cash_rate, margin_rate, short_fee, rates, borrow_fees):
    """Financing booked on `today` for the balances at the close of `previous` (signed: + earned).

    One calendar day at a time from the day after `previous` to `today`: positive cash earns the
    rate in force at `previous` (`rates`, else cash_rate), negative cash pays margin_rate, each
    short pays its fee (`borrow_fees`, else short_fee) on |shares| x its close at `previous`.
    """
    rate = in_force(rates, previous) if rates else None
    rate = cash_rate if rate is None else rate
    fees = {}
    for a, q in shares.items():
        if q < 0:
            fee = None
            if borrow_fees:
                dated = isinstance(next(iter(borrow_fees)), tuple)
                fee = in_force(borrow_fees, previous, a) if dated else borrow_fees.get(a)
            fees[a] = short_fee if fee is None else fee
    total = 0.0
    day = previous
    while day < today:
        day += _dt.timedelta(days=1)
        daily = cash * (rate if cash > 0 else margin_rate) / 365
        for a, fee in fees.items():
            daily -= abs(shares[a]) * last_close[a] * fee / 365
        total += daily
    return total
