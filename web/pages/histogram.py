"""The date histogram drawn on the search page: bars with gaps filled, each a link to its period."""

from __future__ import annotations

import datetime as dt

from arshif.engines.base import choose_interval
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


def histogram_view(resp: SearchResponse, params: SearchParams, state: dict, ui: str,
                   undated: int = 0) -> dict | None:
    """Bars of the date histogram (gaps filled with empty bars), each a link to its period, with axes.

    ``resp`` is :func:`context_search`'s: a chosen period shows highlighted inside the time around it
    instead of one bar filling the chart; ``undated`` matches have no date and are said so.
    """
    if params.histogram == "none":
        return None
    buckets = resp.date_histogram
    interval = resp.interval or "month"
    dated = sum(b.count for b in buckets)
    chosen = params.histogram if params.histogram not in (None, "none") else "auto"
    intervals = [{"interval": i, "label": t(f"interval_{i}" if i != "auto" else "interval_auto", ui),
                  "current": i == chosen,
                  "href": href("/search", state, histogram=None if i == "auto" else i, page=None)}
                 for i in ("auto", "day", "week", "month", "year")]
    base = {"interval": interval, "intervals": intervals, "undated": undated,
            "undated_text": i18n.tn("undated", undated, ui) if undated else "",
            "date_from": params.date_from.isoformat() if params.date_from else "",
            "date_to": params.date_to.isoformat() if params.date_to else ""}
    if not buckets:
        return {**base, "bars": []} if undated else None
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
    lo = params.date_from or dt.date.min
    hi = params.date_to or dt.date.max
    zoomed = bool(params.date_from or params.date_to)
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
            "selected": zoomed and end >= lo and start <= hi,
            "href": href("/search", state, date_from=start.isoformat(), date_to=end.isoformat(), page=None)
            if count else None,
        })
    middle = starts[n // 2]
    return {
        **base,
        "interval_label": t(f"interval_{interval}", ui),
        "bars": bars,
        "zoomed": zoomed,
        "width": HIST_W, "height": HIST_H,
        # (the year once, on the last label, unless the bars span years)
        "first_label": i18n.fmt_axis(starts[0], interval, ui, year=starts[0].year != starts[-1].year),
        "middle_label": i18n.fmt_axis(middle, interval, ui, year=middle.year != starts[-1].year) if n >= 5 else "",
        "last_label": i18n.fmt_axis(starts[-1], interval, ui, year=True),
        "max": top,
        "max_text": i18n.fmt_number(top, ui),
        "half_text": i18n.fmt_number(top // 2, ui) if top >= 4 else "",
        "dated_text": i18n.tn("articles", dated, ui),
    }


def context_search(service, params: SearchParams, resp: SearchResponse) -> tuple[SearchResponse, int]:
    """The histogram's own search, and how many matches have no date.

    Without a date filter that is ``resp`` itself. With one, the chart shows the chosen period inside
    a window as long again on each side (so one bar never fills the chart with the same date at both
    ends), at an interval fitting the period (finer as one zooms in) unless the reader chose one; the
    undated count comes from the same search without any date range (they fall outside every range).
    """
    if params.histogram == "none":
        return resp, 0
    if not (params.date_from or params.date_to):
        return resp, max(resp.total - sum(b.count for b in resp.date_histogram), 0)
    base = params.model_copy(update={"page": 1, "cursor": None, "facets": []})
    everything = service.engine.search(service.request_for(
        base.model_copy(update={"date_from": None, "date_to": None, "histogram": "year"}), size=0))
    undated = max(everything.total - sum(b.count for b in everything.date_histogram), 0)
    lo = params.date_from or (everything.date_histogram[0].start if everything.date_histogram else None)
    hi = params.date_to or dt.date.today()
    if lo is None or hi < lo:
        return resp, undated
    span = max((hi - lo).days + 1, 3)
    if span > 366 * 8:  # a period of years already is the context
        span = 0
    try:
        window_from, window_to = lo - dt.timedelta(days=span), hi + dt.timedelta(days=span)
    except OverflowError:  # a period at the ends of the calendar (year 1, year 9999): no window
        window_from, window_to = lo, hi
    # The interval fits the chosen period (zooming in goes finer); the window around it gives context.
    interval = params.histogram if params.histogram not in (None, "auto") else choose_interval(lo, hi)
    around = base.model_copy(update={"date_from": window_from, "date_to": window_to, "histogram": interval})
    return service.engine.search(service.request_for(around, size=0)), undated
