"""The date histogram drawn on the search page: bars with gaps filled, each a link to its period."""

from __future__ import annotations

import datetime as dt

from arshif.search.contract import SearchResponse
from arshif.search.params import SearchParams
from web import i18n
from web.i18n import t
from web.pages.state import href

HIST_W, HIST_H = 300, 72


def _next_start(d: dt.date, interval: str) -> dt.date:
    """The start of the period after ``d``'s; ``date.max`` past the calendar's end (an article dated
    9999-12-31 once made every page listing it fail)."""
    try:
        if interval == "day":
            return d + dt.timedelta(days=1)
        if interval == "week":
            return d + dt.timedelta(days=7)
        if interval == "month":
            return dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        return dt.date(d.year + 1, 1, 1)
    except (OverflowError, ValueError):
        return dt.date.max


def _period_end(start: dt.date, interval: str) -> dt.date:
    following = _next_start(start, interval)
    return following if following == dt.date.max else following - dt.timedelta(days=1)


def histogram_view(resp: SearchResponse, params: SearchParams, state: dict, ui: str) -> dict | None:
    """Bars of the date histogram (gaps filled with empty bars), each a link to its period."""
    buckets = resp.date_histogram
    interval = resp.interval or "month"
    if not buckets:
        return None
    counts = {b.start: b.count for b in buckets}
    starts: list[dt.date] = []
    d = buckets[0].start
    while d <= buckets[-1].start and len(starts) <= 400:
        starts.append(d)
        if d == dt.date.max:
            break
        d = _next_start(d, interval)
    if len(starts) > 400:  # too many gaps to draw: show the buckets there are
        starts = [b.start for b in buckets]
    top = max(counts.values()) or 1
    n = len(starts)
    slot = HIST_W / n
    gap = min(2.0, slot * 0.2) if n > 1 else 0
    bars = []
    for i, start in enumerate(starts):
        count = counts.get(start, 0)
        end = _period_end(start, interval)
        height = 0 if count == 0 else max(3.0, (HIST_H - 4) * count / top)
        label = i18n.fmt_bucket(start, interval, ui)
        bars.append({
            "start": start.isoformat(), "end": end.isoformat(), "count": count, "label": label,
            "title": f"{label}: {i18n.tn('articles', count, ui)}",
            "x": round(i * slot + gap / 2, 2), "w": round(max(slot - gap, 0.5), 2),
            "slot_x": round(i * slot, 2), "slot_w": round(slot, 2),
            "y": round(HIST_H - height, 2), "h": round(height, 2),
            "href": href("/search", state, date_from=start.isoformat(), date_to=end.isoformat(), page=None)
            if count else None,
        })
    return {
        "interval": interval,
        "interval_label": t(f"interval_{interval}", ui),
        "bars": bars,
        "width": HIST_W, "height": HIST_H,
        "first_label": i18n.fmt_bucket(starts[0], interval, ui),
        "last_label": i18n.fmt_bucket(starts[-1], interval, ui),
        "max": top,
        "date_from": params.date_from.isoformat() if params.date_from else "",
        "date_to": params.date_to.isoformat() if params.date_to else "",
    }

