"""The `[risk]` rules of docs/SEMANTICS.md (SPEC 11, 14.10, 14.11), a second time, in plain Python.

Used by tests/reference.py (`simulate(..., stop_loss=...)`); shares no code with the engine.
Formulated per asset as a *lot*: the cost basis of the open position (signed shares x average
price; a reduction keeps the average, so the basis shrinks in proportion), the date index it was
opened on, and the list of its closes since; the drawdown halt as the index of the last paused
date rather than a countdown.

Readings (the engine's, see docs/SEMANTICS.md): a bar is checked only with an open, a high and a
low; an exit at a level fills at the level clipped into [low, high]; trades of a risk exit have
no decision date; a variant waiting for its schedule date after the paused dates makes no
drawdown check either.
"""

from __future__ import annotations


class RiskRules:
    """The rules' state of one backtest, and what each step of a date asks of them."""

    def __init__(self, *, stop_loss=None, take_profit=None, trailing_stop=None, reentry_after=0,
                 max_drawdown=None, halt_dates=21):  # fmt: skip
        self.stop_loss, self.take_profit, self.trailing_stop = stop_loss, take_profit, trailing_stop
        self.reentry_after, self.max_drawdown, self.halt_dates = reentry_after, max_drawdown, halt_dates
        self.lots = {}  # asset -> {"basis": signed cost, "opened": date index, "closes": [...]}
        self.blocked = {}  # asset -> decisions still blocked
        self.peak = None
        self.paused_through = None  # last date index without a decision after a halt
        self.waiting = False  # halted: no decision until the next schedule date
        self.events = []

    @property
    def any_stop(self):
        return any(x is not None for x in (self.stop_loss, self.take_profit, self.trailing_stop))

    # --- positions ----------------------------------------------------------------------------

    def on_fill(self, i, asset, before, signed, price):
        """A fill of `signed` shares at `price` of a position of `before` shares."""
        after = before + signed
        if after == 0:
            self.lots.pop(asset, None)
        elif before == 0 or (before > 0) != (after > 0):
            self.lots[asset] = {"basis": after * price, "opened": i, "closes": []}
        elif abs(after) > abs(before):
            self.lots[asset]["basis"] += signed * price
        else:
            self.lots[asset]["basis"] *= after / before

    def on_split(self, asset, split, exact, kept):
        """Shares x split (`exact`), `kept` of them (whole shares): the basis of the kept shares,
        the closes in post-split prices."""
        if kept == 0:
            self.lots.pop(asset, None)
            return
        lot = self.lots[asset]
        lot["basis"] *= kept / exact
        lot["closes"] = [c / split for c in lot["closes"]]

    def exits(self, i, shares, bar):
        """[(asset, raw price, reason, level, at_open)] of the positions `shares` ({asset: q}) on
        date i; `bar(asset)` is (open, high, low) or None when the asset cannot be checked."""
        out = []
        for a in sorted(shares):
            ohl = bar(a)
            if ohl is None or not self.any_stop:
                continue
            o, h, lo = ohl
            q = shares[a]
            lot = self.lots[a]
            entry = lot["basis"] / q
            long = q > 0
            best = (max if long else min)(lot["closes"]) if lot["closes"] else entry
            away = (lambda x: 1.0 - x) if long else (lambda x: 1.0 + x)
            stop, reason = None, None
            if self.stop_loss is not None:
                stop, reason = entry * away(self.stop_loss), "stop_loss"
            if self.trailing_stop is not None:
                level = best * away(self.trailing_stop)
                if stop is None or (level > stop if long else level < stop):
                    stop, reason = level, "trailing_stop"
            take = None if self.take_profit is None else entry * (1.0 + self.take_profit if long
                                                                   else 1.0 - self.take_profit)  # fmt: skip
            worse = (lambda x, y: x <= y) if long else (lambda x, y: x >= y)  # x at or beyond y against q
            overnight = lot["opened"] < i
            if overnight and stop is not None and worse(o, stop):
                out.append((a, o, reason, stop, True))
            elif overnight and take is not None and worse(take, o):
                out.append((a, o, "take_profit", take, True))
            elif stop is not None and worse(lo if long else h, stop):
                out.append((a, min(max(stop, lo), h), reason, stop, False))
            elif take is not None and worse(take, h if long else lo):
                out.append((a, min(max(take, lo), h), "take_profit", take, False))
        return out

    def exited(self, t, asset, reason):
        self.lots.pop(asset, None)
        if self.reentry_after > 0:
            self.blocked[asset] = self.reentry_after
        self.events.append(dict(date=t, asset=asset, rule=reason))

    def on_close(self, shares, last_close):
        for a in shares:
            self.lots[a]["closes"].append(last_close[a])

    # --- the decision ---------------------------------------------------------------------------

    def decision(self, i, t, nav, scheduled):
        """(decides, flatten) at the close of date i."""
        if self.max_drawdown is None:
            return scheduled, False
        if self.paused_through is not None and i <= self.paused_through:
            return False, False
        if self.waiting:
            if not scheduled:
                return False, False
            self.waiting, self.peak = False, nav
            self.events.append(dict(date=t, asset=None, rule="resume"))
            return True, False
        self.peak = nav if self.peak is None else max(self.peak, nav)
        if nav < (1.0 - self.max_drawdown) * self.peak:
            self.paused_through, self.waiting = i + self.halt_dates, True
            self.events.append(dict(date=t, asset=None, rule="max_drawdown"))
            return True, True
        return scheduled, False

    def block(self, weights):
        """The weights of a decision taken, blocked assets at 0; every block counted down."""
        out = dict(weights)
        for a in list(self.blocked):
            out[a] = 0.0
            self.blocked[a] -= 1
            if self.blocked[a] == 0:
                del self.blocked[a]
        return out
