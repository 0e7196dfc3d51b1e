"""Cursors for deep paging: their shape is defined (and checked) here, once.

A cursor is the sort key of the last hit of a page plus what pins the walk (the
sort order, the snapshot), as URL-safe base64 JSON. Engines make them; clients
pass them back untouched. Anything else is refused with one message before it
reaches an engine.
"""

from __future__ import annotations

import base64
import json

from arshif.errors import BadRequest

INVALID = "cursor is not valid: pass back next_cursor exactly as a previous response gave it"


def encode_cursor(payload: dict) -> str:
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str | None = None) -> dict:
    """The cursor's payload; BadRequest when it cannot have come from us (or, with ``sort``,
    when it was made for another sort order)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
    except Exception:  # noqa: BLE001 - any garbage is the caller's mistake
        raise BadRequest(INVALID) from None
    if not isinstance(payload, dict) or not _scalar_tree(payload):
        raise BadRequest(INVALID)
    if sort is not None and "sort" in payload and payload["sort"] != sort:
        raise BadRequest(f"cursor was made for another sort order (sort={str(payload['sort'])[:20]}, not "
                         f"sort={sort}): repeat the request that gave it with the same sort")
    return payload


def _scalar_tree(v, depth: int = 0) -> bool:
    """Only what our cursors hold: scalars (64-bit ints), short lists and one level of dict."""
    if isinstance(v, (str, bool, float)) or v is None:
        return True
    if isinstance(v, int):
        return -(2 ** 63) <= v < 2 ** 63
    if isinstance(v, list) and depth < 2:
        return all(_scalar_tree(x, depth + 1) for x in v)
    if isinstance(v, dict) and depth < 2:
        return all(_scalar_tree(x, depth + 1) for x in v.values())
    return False
