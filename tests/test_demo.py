"""The README's first command: `arshif demo` ingests the shipped demo articles and serves them."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx

from arshif.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_ingests_and_serves_searchable_articles(tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "demo", "--port", str(port),
                             "--data-dir", str(tmp_path / "data")], cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.stdout.read()
            time.sleep(0.3)
        health = httpx.get(f"{base}/api/health").json()
        assert health["documents"] == 16
        arabic = httpx.get(f"{base}/api/search", params={"q": "قطار الرياض"}).json()
        assert arabic["total"] >= 1 and "قطار الرياض" in arabic["hits"][0]["title"]
        english = httpx.get(f"{base}/api/search", params={"q": "Riyadh metro", "lang": "en"}).json()
        assert english["hits"][0]["language"] == "en"
        page = httpx.get(f"{base}/", params={"q": "الرياض"})
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "قطار" in page.text
    finally:
        proc.terminate()
        proc.wait(10)
