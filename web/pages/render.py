"""Rendering pages: the Jinja environment, the UI language, security headers, the error page.

Every template is autoescaped. Only two fields are ever rendered unescaped:
``Hit.title_highlight`` and ``Hit.snippet``, which the engine already escaped
(matches wrapped in ``<mark>``).
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from arshif.search.contract import MAX_QUERY_LENGTH
from web import i18n
from web.errors import wants_json
from web.i18n import t

log = logging.getLogger("arshif.web.pages")

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,  # every template is HTML: everything is escaped unless marked |safe
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
#: The search box takes no more than a search does: a longer paste is cut where it is typed, not refused
#: on a page without the box.
env.globals["max_query_length"] = MAX_QUERY_LENGTH


SECURITY_HEADERS = {
    # Defence in depth: even if some markup slipped through escaping, no inline script could run
    # and nothing could be loaded from another host.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


#: What a page's answer depends on besides its URL: JSON or HTML, the remembered interface language, and the
#: browser's languages when none was chosen (a cache keyed on the URL alone served an Arabic page to an
#: English browser).
VARY = "Accept, Accept-Language, Cookie"


def ui_of(request: Request) -> tuple[str, bool]:
    """The interface language and whether it was chosen explicitly in this URL (then it is remembered)."""
    explicit = i18n.normalise_ui(request.query_params.get("ui"))
    if explicit:
        return explicit, explicit != i18n.normalise_ui(request.cookies.get(i18n.COOKIE))
    remembered = i18n.normalise_ui(request.cookies.get(i18n.COOKIE))
    if remembered:
        return remembered, False
    return i18n.from_accept_language(request.headers.get("accept-language")) or i18n.DEFAULT_UI, False


def text_dir(lang: str) -> str:
    return {"ar": "rtl", "en": "ltr"}.get(lang, "auto")


def safe_url(url: str) -> str | None:
    """The URL if it is a plain http(s) link (never ``javascript:`` and the like)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split("\n") if p.strip()]


def twin(request: Request, segment: str) -> tuple[str, bool, "Render"]:
    """A path segment that may end in ``.json`` (the page's JSON twin): (segment, wants JSON, renderer)."""
    ui, remember = ui_of(request)
    as_json = segment.endswith(".json") or wants_json(request)
    return segment.removesuffix(".json"), as_json, Render(request, ui, remember)


class Render:
    """Per-request rendering context: the UI language and its helpers."""

    def __init__(self, request: Request, ui: str, remember: bool, path: str | None = None):
        """``path``: the page the links (language switch, JSON twin) are about, when the request was a form
        post to another path that shows this page again (a refused "Translate now" shows the article)."""
        self.request = request
        self.ui = ui
        self.remember = remember
        self.path = path

    def base(self, **extra) -> dict[str, Any]:
        ui = self.ui
        other = "en" if ui == "ar" else "ar"
        qp = [(k, v) for k, v in self.request.query_params.multi_items() if k != "ui"]
        # '//evil.example/x' (or '/\\evil…') would be a link to another site: keep every link on this one.
        path = "/" + (self.path or self.request.url.path).lstrip("/\\")
        if path.endswith(".json"):
            path = path[:-5]
        switch = path + "?" + urlencode(qp + [("ui", other)])
        json_qp = urlencode(qp + [("ui", ui)])
        json_path = "/search.json" if path == "/" else path + ".json"
        return {
            "ui": ui, "ui_dir": i18n.DIRECTION[ui], "other_ui": other, "switch_ui_href": switch,
            "json_href": json_path + ("?" + json_qp if json_qp else ""),
            "T": lambda key, **kw: t(key, ui, **kw),
            "fmt_date": lambda d: i18n.fmt_date(d, ui), "fmt_number": lambda n: i18n.fmt_number(n, ui),
            "lang_name": lambda code: i18n.lang_name(code, ui), "text_dir": text_dir,
            "count_text": lambda n: i18n.count_text(n, ui),
            "tn": lambda key, n: i18n.tn(key, n, ui),
            **extra,
        }

    def html(self, template: str, status: int = 200, headers: dict | None = None, **context) -> HTMLResponse:
        body = env.get_template(template).render(**self.base(**context))
        response = HTMLResponse(body, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})
        self._cookie(response)
        response.headers["Vary"] = VARY
        return response

    def json(self, data: dict, status: int = 200) -> JSONResponse:
        response = JSONResponse(data, status_code=status)
        response.headers["Vary"] = VARY
        return response

    def _cookie(self, response: Response) -> None:
        if self.remember:
            response.set_cookie(i18n.COOKIE, self.ui, max_age=365 * 24 * 3600, samesite="lax", httponly=True)


def json_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)


def render_error(request: Request, status: int, message: str, headers: dict | None = None,
                 problems: list[dict] | None = None) -> HTMLResponse:
    """The HTML error page (web.app calls it for every error a page request meets): never a stack trace.

    ``problems``: the parameters a request was refused for, each said in the reader's language above the
    original (English) message."""
    try:
        ui, _ = ui_of(request)
    except Exception:  # noqa: BLE001
        ui = i18n.DEFAULT_UI
    title_key = f"error_{status}" if f"error_{status}" in i18n.STRINGS else "error_title"
    try:
        r = Render(request, ui, False)
        return r.html("error.html", status=status, headers=headers, status_code=status,
                      title=t(title_key, ui), message=message,
                      problems=i18n.problem_lines(problems or [], ui),
                      note=t("error_503_note", ui) if status == 503 else "")
    except Exception:  # noqa: BLE001 - the error page itself must not fail
        log.exception("error page failed")
        return HTMLResponse(f"<!doctype html><html lang='en'><meta charset='utf-8'><title>Error {status}</title>"
                            f"<h1>Error {status}</h1><p>{html.escape(message)}</p></html>",
                            status_code=status, headers=headers)
