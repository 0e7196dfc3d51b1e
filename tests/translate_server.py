"""A local stand-in for a LibreTranslate server, for tests and benchmarks.

It speaks the LibreTranslate API that deep-translator's ``LibreTranslator`` uses
(``POST /translate`` with ``q``, ``source``, ``target``, ``format`` and ``api_key``
as query parameters, form fields or JSON → ``{"translatedText": …}``; ``GET
/languages``), on 127.0.0.1 at a free port, in a background thread.

Its "translation" is deterministic and checkable: every paragraph (line) gets
the marker ``[<target>] `` in front, and the words of a small table (e.g.
الباغوز → Baghuz) are replaced, so paragraph breaks and order can be verified.

Programmable behaviour: ``fail_next(n, status=429, retry_after=…)``,
``fail_always(status=500)``, ``recover()``, ``delay`` (seconds per request);
``requests`` counts translate requests, ``texts`` records what was asked,
``max_in_flight`` the most requests served at once.

Run it by hand with ``python tests/translate_server.py [port]``.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

#: A few words the fake server "really" translates (Arabic → English and back).
WORDS_AR_EN = {
    "الباغوز": "Baghuz",
    "داعش": "ISIS",
    "تنظيم": "organisation",
    "سوريا": "Syria",
    "قسد": "SDF",
    "التحالف": "coalition",
    "الدولي": "international",
    "الرياض": "Riyadh",
    "النفط": "oil",
    "أسعار": "prices",
    "مصادر": "sources",
    "معارك": "battles",
}
WORDS_EN_AR = {v.lower(): k for k, v in WORDS_AR_EN.items()}
LANGUAGES = [
    {"code": "ar", "name": "Arabic", "targets": ["ar", "en"]},
    {"code": "en", "name": "English", "targets": ["ar", "en"]},
]
_WORD = re.compile(r"[\w\u0600-\u06FF]+")


def fake_translate(text: str, source: str, target: str) -> str:
    """The fake translation: marker per paragraph, table words replaced, line breaks kept."""
    table = WORDS_AR_EN if target == "en" else WORDS_EN_AR

    def word(m: re.Match) -> str:
        w = m.group(0)
        if w in table:
            return table[w]
        if w.lower() in table:
            return table[w.lower()]
        # Arabic clitics: و/ف/ب/ل + word in the table (e.g. والباغوز, بالباغوز)
        if len(w) > 2 and w[0] in "وفبل" and w[1:] in table:
            return table[w[1:]]
        return w

    lines = text.split("\n")
    return "\n".join(f"[{target}] {_WORD.sub(word, line)}" if line.strip() else line for line in lines)


class TranslateServer:
    """``with TranslateServer() as server: …`` — ``server.url`` is the base URL (ends with '/')."""

    def __init__(self, port: int = 0, *, delay: float = 0.0, api_key: str | None = None):
        self.delay = delay
        self.api_key = api_key
        self.requests = 0
        self.language_requests = 0
        self.texts: list[str] = []
        self.failures_served = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._fail_next: list[tuple[int, float | None]] = []
        self._fail_always: int | None = None
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in separate writes

            def log_message(self, *args):  # quiet
                pass

            def _send(self, status: int, payload, headers: dict | None = None):
                body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                path = urlsplit(self.path).path.rstrip("/")
                if path == "/languages":
                    with server._lock:
                        server.language_requests += 1
                    self._send(200, LANGUAGES)
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                ctype = self.headers.get("Content-Type", "")
                if raw and "json" in ctype:
                    params.update(json.loads(raw.decode("utf-8")))
                elif raw:
                    params.update({k: v[0] for k, v in parse_qs(raw.decode("utf-8"),
                                                                keep_blank_values=True).items()})
                if parts.path.rstrip("/") != "/translate":
                    self._send(404, {"error": "not found"})
                    return
                server._handle_translate(self, params)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self._thread: threading.Thread | None = None

    # --- behaviour ------------------------------------------------------------------------

    def fail_next(self, n: int, status: int = 429, retry_after: float | None = None) -> None:
        """The next ``n`` translate requests fail with ``status`` (and ``Retry-After`` when given)."""
        with self._lock:
            self._fail_next.extend([(status, retry_after)] * n)

    def fail_always(self, status: int = 500) -> None:
        with self._lock:
            self._fail_always = status

    def recover(self) -> None:
        with self._lock:
            self._fail_always = None
            self._fail_next.clear()

    def reset_counts(self) -> None:
        with self._lock:
            self.max_in_flight = 0
            self.requests = 0
            self.failures_served = 0
            self.texts.clear()

    def _handle_translate(self, handler, params: dict) -> None:
        with self._lock:
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            failure = self._fail_next.pop(0) if self._fail_next else (
                (self._fail_always, None) if self._fail_always else None)
            if failure:
                self.failures_served += 1
        try:
            if self.delay:
                time.sleep(self.delay)
            self._answer(handler, params, failure)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(self, handler, params: dict, failure) -> None:
        if failure:
            status, retry_after = failure
            headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
            handler._send(status, {"error": "Too many requests" if status == 429 else "Server error"}, headers)
            return
        if self.api_key and params.get("api_key") != self.api_key:
            handler._send(403, {"error": "Invalid API key"})
            return
        text, source, target = params.get("q", ""), params.get("source", "auto"), params.get("target", "en")
        if target not in ("ar", "en"):
            handler._send(400, {"error": f"{target} is not supported"})
            return
        with self._lock:
            self.texts.append(text)
        handler._send(200, {"translatedText": fake_translate(text, source, target)})

    # --- life cycle -----------------------------------------------------------------------

    def start(self) -> "TranslateServer":
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="translate-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "TranslateServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


if __name__ == "__main__":  # pragma: no cover - manual use
    srv = TranslateServer(int(sys.argv[1]) if len(sys.argv) > 1 else 5000).start()
    print(f"fake LibreTranslate on {srv.url} (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.stop()
