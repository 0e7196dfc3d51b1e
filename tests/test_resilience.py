"""What happens when things go wrong mid-way: a killed ingest, a killed node, a reindex under load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from arshif.engines import EngineUnavailable
from arshif.engines.embedded import EmbeddedEngine
from arshif.search import SearchRequest
from arshif.settings import PROJECT_ROOT, Settings
from indexer.pipeline import ingest
from tests.conftest import DEMO, SEED, saudi_sample_file
from tests.test_engine_contract import REMOTES, _remote

ENGINES_SH = PROJECT_ROOT / ".ci" / "engines.sh"
RUN_DIR = Path(os.environ.get("ARSHIF_ENGINE_RUN", "/tmp/arshif-engines"))


def test_killed_ingest_resumes_with_every_article_once(tmp_path):
    """SIGKILL the ingest process part-way, run it again: every article is there exactly once."""
    sample = saudi_sample_file(tmp_path, per_zip=60)
    expected = sum(1 for _ in sample.open(encoding="utf-8"))
    data = tmp_path / "data"
    cmd = [sys.executable, "-m", "cli.main", "ingest", str(sample), "--data-dir", str(data), "--quiet"]
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = data / "index" / "arshif.db"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if db.exists() and EmbeddedEngine(db, readonly=True).count() >= 250:
                break
        except EngineUnavailable:  # the archive file exists but its schema has not committed yet
            pass
        time.sleep(0.2)
    workers = subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True,
                             text=True).stdout.split()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = EmbeddedEngine(db, readonly=True).count()
    assert 0 < partial < expected
    # Its analysis workers do not outlive it (they used to wait on their pipe forever).
    gone_by = time.time() + 15
    while time.time() < gone_by and any(Path(f"/proc/{pid}").exists() for pid in workers):
        time.sleep(0.2)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "analysis workers outlived the ingest"
    done = subprocess.run(cmd + ["--json"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode in (0, 3), done.stderr
    engine = EmbeddedEngine(db)
    ids = [r[0] for r in engine._conn().execute("SELECT id FROM articles")]
    assert len(ids) == len(set(ids)) == engine.count()
    skipped = engine.count() + done.stdout.count('"no title and no body')
    assert engine.count() <= expected and skipped >= expected - 5
    assert engine._conn().execute("PRAGMA integrity_check").fetchall() == [("ok",)]


@pytest.mark.parametrize("kind", ["embedded", "opensearch", "elasticsearch"])
def test_reindex_while_searching_never_fails_or_empties(kind, tmp_path, tmp_path_factory):
    if kind == "embedded":
        engine = EmbeddedEngine(tmp_path / "index.db")
        reader = EmbeddedEngine(tmp_path / "index.db", readonly=True)
    else:
        engine = _remote(kind, tmp_path_factory)
        reader = engine
    ingest([DEMO, SEED, saudi_sample_file(tmp_path, per_zip=20)], engine)
    failures: list[str] = []
    searches = 0
    stop = threading.Event()

    def loop():
        nonlocal searches
        while not stop.is_set():
            try:
                for q in ("الباغوز", "oil", ""):
                    if reader.search(SearchRequest(q=q, size=3)).total == 0:
                        failures.append(f"zero hits for {q!r}")
                searches += 1
            except Exception as exc:  # noqa: BLE001
                failures.append(repr(exc))

    thread = threading.Thread(target=loop)
    thread.start()
    try:
        time.sleep(0.3)
        old, new, copied = engine.reindex()
        time.sleep(0.3)
    finally:
        stop.set()
        thread.join(30)
    assert copied == engine.count() and searches > 3
    assert failures == []
    if kind != "embedded":
        assert engine.current_index() == new != old
        engine.client.indices.delete(index=new)
    engine.close()


def _node_pid(name: str) -> int:
    return int((RUN_DIR / name / "node.pid").read_text().strip())


@pytest.mark.skipif(not os.environ.get(REMOTES["opensearch"]), reason="needs the OpenSearch node ./run test starts")
def test_killed_node_mid_ingest_then_rerun_indexes_everything_once(tmp_path, tmp_path_factory):
    """Kill -9 the OpenSearch node during a bulk ingest, restart it, ingest again: each article once."""
    engine = _remote("opensearch", tmp_path_factory)
    sample = saudi_sample_file(tmp_path, per_zip=80)
    expected = sum(1 for _ in sample.open(encoding="utf-8"))
    outcome: dict = {}

    def run():
        try:
            outcome["summary"] = ingest([sample], engine, batch_size=100)
        except Exception as exc:  # noqa: BLE001 - the node vanishing mid-ingest is the point
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if engine.count() >= 300:
                break
        except Exception:  # noqa: BLE001
            pass
        time.sleep(0.2)
    os.kill(_node_pid("os"), signal.SIGKILL)
    thread.join(300)
    env = dict(os.environ, ARSHIF_ENGINE_KEEP_DATA="1")
    subprocess.run(["bash", str(ENGINES_SH), "start", "os"], check=True, env=env, capture_output=True, timeout=180)
    summary = ingest([sample], engine, batch_size=100)
    engine.refresh()
    total = engine.count()
    assert total == summary.read + 0 and total <= expected
    dupes = engine.client.search(index=engine.alias, body={"size": 0, "aggs": {"d": {"terms": {
        "field": "id", "min_doc_count": 2, "size": 10}}}})["aggregations"]["d"]["buckets"]
    assert dupes == []
    assert summary.indexed + summary.unchanged + summary.updated == summary.read
    engine.client.indices.delete(index=engine.current_index())


def test_a_probe_the_parent_had_under_way_does_not_shut_a_forked_child_out():
    """The breaker lets one caller probe a node that failed, and only that caller's answer closes or reopens
    it. A child forked meanwhile has no such caller: it probes again once the cooldown has passed, instead of
    answering 503 for as long as it lives."""
    from arshif.engines.breaker import CircuitBreaker

    now = [0.0]
    breaker = CircuitBreaker(cooldown=5, clock=lambda: now[0])
    breaker.failure("node gone")
    now[0] = 6.0
    assert breaker.admit() is True  # the parent's probe, under way at the fork
    breaker.forget_inherited()  # what a forked child's remote engine does with its breaker
    with pytest.raises(EngineUnavailable):
        breaker.admit()  # still cooling down: fail fast, as before
    now[0] = 12.0
    assert breaker.admit() is True  # the child's own probe
    breaker.success()
    assert breaker.admit() is False
