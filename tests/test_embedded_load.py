"""The embedded engine under concurrent use: bounded connections, writers that wait their turn, reads that
never wait for writers, a time budget on every search, bounded highlighting, and a server that stops on SIGTERM.

These hold behaviour (what a user or an operator would see), never timings: the speed figures come from
``bench/bench_engines.py`` and ``bench/bench_api.py``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import apsw
import httpx
import pytest
from fastapi.testclient import TestClient

from arshif.engines import SearchTimeout
from arshif.engines import fts_tokens
from arshif.engines.embedded import EmbeddedEngine
from arshif.model import Article
from arshif.search import FacetRequest, SearchRequest
from arshif.search.contract import Filters
from arshif.settings import PROJECT_ROOT, Settings
from indexer.pipeline import ingest
from tests.conftest import DEMO, SEED, saudi_sample_file
from web.app import create_app


def _open_handles(db: Path) -> int:
    """File descriptors of this process open on the archive file (Linux /proc)."""
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == str(db):
                n += 1
        except OSError:
            continue
    return n


@pytest.fixture(scope="module")
def sample_archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("load")
    db = root / "data" / "index" / "arshif.db"
    eng = EmbeddedEngine(db)
    ingest([DEMO, SEED, saudi_sample_file(root, per_zip=20)], eng)
    eng.close()
    return db


def _hold_write_lock(db: Path, seconds: float, started: threading.Event, until=None) -> threading.Thread:
    """Another writer (as an ingest batch would be): holds the archive's write lock for ``seconds``, or until
    ``until()`` is true (checked for up to 120 s)."""

    def hold():
        conn = apsw.Connection(str(db))
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE meta SET value = value WHERE key = 'seq'")
        started.set()
        if until is None:
            time.sleep(seconds)
        else:
            deadline = time.monotonic() + 120
            while not until() and time.monotonic() < deadline:
                time.sleep(0.1)
        conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert started.wait(10)
    return thread


def test_connections_stay_bounded_and_are_closed_under_repeated_concurrent_load(sample_archive):
    settings = Settings(embedded_connections=3)
    engine = EmbeddedEngine(sample_archive, readonly=True, settings=settings)
    request = SearchRequest(q="السعودية", facets=[FacetRequest(field="source")], date_histogram="auto")
    handles, errors = [], []

    def work():
        try:
            for _ in range(3):
                assert engine.search(request).total > 0
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    for _ in range(4):  # new threads every round, as a server's worker threads come and go
        threads = [threading.Thread(target=work) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert engine.open_connections <= 3
        handles.append(_open_handles(sample_archive))
    assert not errors
    assert len(set(handles)) == 1 and handles[0] <= 3, handles  # constant, at most one per pooled connection
    engine.close()
    assert engine.open_connections == 0 and _open_handles(sample_archive) == 0


def _forked_articles(tag: str, n: int) -> list[Article]:
    return [Article(id=f"{tag}-{i}", title=f"{tag} article {i}", body=f"كتبته عملية متفرعة رقم {i} " * 20,
                    source="forks", url=f"https://example.org/{tag}/{i}") for i in range(n)]


def _search_then_write_in_a_forked_child(engine: EmbeddedEngine, request: SearchRequest, expected, n: int,
                                         writes: int = 1, timeout: float = 30.0) -> int | None:
    """Fork (multiprocessing's default start method on Linux); the child searches with ``engine``, checks the
    answer, stores ``writes`` articles and exits. Its exit code, or None when it hung past ``timeout``."""
    import multiprocessing

    def child() -> None:
        ok = _summary(engine.search(request)) == expected
        if writes:
            engine.upsert(_forked_articles(f"child{n}", writes))
        os._exit(0 if ok else 3)

    proc = multiprocessing.get_context("fork").Process(target=child)
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return None
    return proc.exitcode


def _summary(resp) -> tuple:
    """What a search's answer must keep while other threads write articles it does not match (their words
    shift every score a little, so near-tied hits may swap places: the order is not compared)."""
    return resp.total, len(resp.hits), [(v.value, v.count) for v in resp.facets["source"]]


def test_a_process_forked_while_other_threads_search_can_search_and_write(sample_archive, tmp_path):
    """A script that searched in threads and then forks workers (multiprocessing's default on Linux) that use
    the same engine: no child may hang. One fork copies one thread, so a lock another thread held at that
    moment (ours, SQLite's or tantivy's) stayed held in the child: 12 of 120 such children hung on their first
    search. Every child here searches (with facets, histogram and ranking in a second thread) and writes,
    while the parent searches and writes in other threads."""
    db = tmp_path / "index" / "arshif.db"
    shutil.copytree(sample_archive.parent, db.parent)
    engine = EmbeddedEngine(db)
    big = fts_tokens.POOL_THRESHOLD + 6  # a write this large is analysed in the worker processes
    engine.upsert(_forked_articles("parent", big))  # the parent's writer and analysis workers are open
    request = SearchRequest(q="السعودية OR الرياض", facets=[FacetRequest(field="source")], date_histogram="auto")
    expected = _summary(engine.search(request))
    # A lock of the engine held by another thread at the fork (a search was starting its ranking).
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with engine._ranking_lock:
            held.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    try:
        # ...and its large write (the parent's analysis workers are the parent's: it waited for them forever)
        assert _search_then_write_in_a_forked_child(engine, request, expected, 0, writes=big) == 0
    finally:
        release.set()
        holder.join()
    # Searches running in three other threads at every fork, and a fourth thread writing (each commit makes
    # the searches reload the text index: tantivy locks its meta file meanwhile).
    stop, errors = threading.Event(), []

    def busy() -> None:
        while not stop.is_set():
            try:
                engine.search(request)
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))

    def writing() -> None:
        n = 0
        while not stop.is_set():
            try:
                engine.upsert([Article(id=f"busy-{n}", title=f"note {n}", body="a note written beside the forks",
                                       source="busy", url=f"https://example.org/busy/{n}")])
                n += 1
                time.sleep(0.05)  # (as API writes come: a writer that never pauses would starve the children's)
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))

    searchers = [threading.Thread(target=busy) for _ in range(3)] + [threading.Thread(target=writing)]
    for t in searchers:
        t.start()
    try:
        codes = [_search_then_write_in_a_forked_child(engine, request, expected, n) for n in range(1, 16)]
    finally:
        stop.set()
        for t in searchers:
            t.join()
    assert codes == [0] * 15, codes  # None: the child hung
    assert not errors
    landed = engine.search(SearchRequest(filters=Filters(source=["forks"]), size=0))
    assert landed.total == 2 * big + 15  # every child's write landed
    assert engine.search(request).total == expected[0]  # the parent's engine still answers as before
    engine.close()


def test_a_forked_child_keeps_the_archive_whole_after_its_parent_closes_the_engine(sample_archive, tmp_path):
    """SQLite keeps a table of the process's file locks, and a child inherits its parent's: until the child
    drops the inherited connections, its own take no file lock, and a parent closing its last connection
    deleted the write-ahead log under it (the archive was then corrupt, or the child's writes lost). Here one
    connection is even being opened by another thread at the fork (a review found 14 of 60 children hung
    when forked in that moment)."""
    import multiprocessing

    db = tmp_path / "index" / "arshif.db"
    shutil.copytree(sample_archive.parent, db.parent)
    engine = EmbeddedEngine(db)
    before = engine.count()
    engine.upsert(_forked_articles("parent", 5))
    assert engine.search(SearchRequest(q="article", size=0)).total >= 5  # read connections open, and idle
    ready, go = multiprocessing.get_context("fork").Event(), multiprocessing.get_context("fork").Event()
    # Another thread is opening a read connection at the fork (the first search on a connection, or the one
    # after a timeout): the opening is widened to a second here, so that the fork lands in it.
    engine._pool.close_idle()
    opener = engine._pool._open

    def slow_open():
        conn = opener()
        time.sleep(1.0)
        return conn

    engine._pool._open = slow_open
    reader = threading.Thread(target=lambda: engine.search(SearchRequest(q="article", size=0)))
    reader.start()
    time.sleep(0.3)

    def child() -> None:
        engine.search(SearchRequest(q="article", size=0))  # the child's own connections, open
        ready.set()
        go.wait(30)
        for k in range(3):
            engine.upsert(_forked_articles(f"child{k}", 5))
            time.sleep(0.05)
        found = engine.search(SearchRequest(filters=Filters(source=["forks"]), size=0)).total
        os._exit(0 if found == 20 else 3)

    proc = multiprocessing.get_context("fork").Process(target=child)
    proc.start()
    reader.join()
    engine._pool._open = opener
    assert ready.wait(30)
    engine.close()  # the parent's last connection: SQLite checkpoints and deletes the log if it can
    go.set()
    proc.join(60)
    assert proc.exitcode == 0
    check = ("import apsw, sys; c = apsw.Connection(sys.argv[1]); "
             "print(c.execute('pragma integrity_check').fetchall()[0][0], "
             "c.execute('select count(*) from articles').fetchall()[0][0])")
    out = subprocess.run([sys.executable, "-c", check, str(db)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["ok", str(before + 20)]


def test_a_fork_does_not_wait_for_a_thread_waiting_for_another_process_to_write(sample_archive, tmp_path, caplog):
    """A thread waiting for another process's write lock (an ingest) is not at work in the archive: a fork
    must not wait for it (it did, for the whole 10-s bound, holding every new search back meanwhile)."""
    db = tmp_path / "index" / "arshif.db"
    shutil.copytree(sample_archive.parent, db.parent)
    engine = EmbeddedEngine(db)
    request = SearchRequest(q="السعودية", facets=[FacetRequest(field="source")])
    expected = _summary(engine.search(request))
    holder = subprocess.Popen([sys.executable, "-c", (
        "import apsw, sys; c = apsw.Connection(sys.argv[1]); c.execute('BEGIN IMMEDIATE'); "
        "c.execute(\"UPDATE meta SET value = value WHERE key = 'seq'\"); print('held', flush=True); "
        "sys.stdin.read(); c.execute('COMMIT')"), str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    waiting = threading.Thread(target=lambda: engine.upsert(_forked_articles("waiting", 1)))
    try:
        with caplog.at_level("WARNING"):
            waiting.start()
            time.sleep(0.5)  # the write now waits for the other process
            assert _search_then_write_in_a_forked_child(engine, request, expected, 0, writes=0) == 0
            assert waiting.is_alive()  # still waiting: the child did not wait for it
    finally:
        holder.communicate("", timeout=30)
        waiting.join(60)
    assert not [r for r in caplog.records if "forking while" in r.getMessage()]
    assert engine.search(SearchRequest(filters=Filters(source=["forks"]), size=0)).total == 1
    engine.close()


def test_a_child_forked_while_the_text_index_reloads_can_search(tmp_path):
    """tantivy holds a lock file (an flock on an open file) while it reads or writes the index's meta.json: a
    child forked meanwhile shares that open file, and its own first search waited for the lock it held itself
    (15 of 20 children hung without the child closing the lock files it inherits). The reload runs in a thread
    here as tantivy's does when a writer commits (HeldWriter.commit), outside the engine's fork gate."""
    engine = EmbeddedEngine(tmp_path / "index" / "arshif.db")
    for k in range(6):
        engine.upsert(_forked_articles(f"part{k}", 10))  # a few segments to read
    request = SearchRequest(q="متفرعة", facets=[FacetRequest(field="source")])
    expected = _summary(engine.search(request))
    stop = threading.Event()

    def reloading() -> None:
        index = engine._text.index()
        while not stop.is_set():
            index.reload()

    reloader = threading.Thread(target=reloading)
    reloader.start()
    try:
        codes = [_search_then_write_in_a_forked_child(engine, request, expected, n, writes=0, timeout=10)
                 for n in range(20)]
    finally:
        stop.set()
        reloader.join(30)
    assert codes == [0] * 20, codes  # None: hung
    engine.close()


def test_a_write_waits_for_another_writer_and_says_so(tmp_path, caplog):
    db = tmp_path / "index.db"
    engine = EmbeddedEngine(db)
    engine.upsert([Article(title="first", body="one", source="t", url="https://example.org/1")])
    holder = _hold_write_lock(db, 1.5, threading.Event())
    with caplog.at_level("WARNING", logger="arshif.engines.embedded"):
        result = engine.upsert([Article(title="second", body="two", source="t", url="https://example.org/2")])
    holder.join()
    assert len(result.created) == 1 and engine.count() == 2
    assert any("waiting for it" in r.getMessage() for r in caplog.records)


def test_two_ingests_into_one_archive_both_finish(tmp_path):
    sample = saudi_sample_file(tmp_path, per_zip=25)
    other = tmp_path / "demo-and-seed"
    other.mkdir()
    data = tmp_path / "data"
    db = data / "index" / "arshif.db"
    EmbeddedEngine(db).close()  # the archive exists; both runs write into it
    errs = [tmp_path / "err-sample.txt", tmp_path / "err-demo.txt"]

    def a_run_says_it_waits() -> bool:
        return any(e.exists() and "waiting for it" in e.read_text(encoding="utf-8") for e in errs)

    # A third writer holds the lock until one of the runs says it is waiting for it, so the runs must queue.
    holder = _hold_write_lock(db, 0, threading.Event(), until=a_run_says_it_waits)
    runs = [subprocess.Popen([sys.executable, "-m", "cli.main", "ingest", str(path), "--data-dir", str(data),
                              "--quiet", "--json"], cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                             stderr=err.open("w", encoding="utf-8"))
            for path, err in zip((sample, DEMO), errs)]
    for r in runs:
        r.wait(timeout=600)
    holder.join()
    assert a_run_says_it_waits()
    for run, err in zip(runs, errs):
        text = err.read_text(encoding="utf-8")
        assert run.returncode in (0, 3), text
        assert "Traceback" not in text and "BusyError" not in text, text
    expected = sum(1 for _ in sample.open(encoding="utf-8")) + sum(1 for _ in DEMO.open(encoding="utf-8"))
    engine = EmbeddedEngine(db, readonly=True)
    assert expected - 10 <= engine.count() <= expected  # a few sample records have neither title nor body
    assert engine.search(SearchRequest(q="الباغوز OR Zanzibar OR السعودية")).total > 0


def test_api_writes_during_a_write_wait_and_succeed_and_reads_are_not_blocked(sample_archive, tmp_path):
    data = tmp_path / "data"
    db = data / "index" / "arshif.db"
    db.parent.mkdir(parents=True)
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(sample_archive) + suffix)
        if src.exists():
            Path(str(db) + suffix).write_bytes(src.read_bytes())
    shutil.copytree(str(sample_archive) + ".text", str(db) + ".text")  # the archive's text index
    settings = Settings(data_dir=data, api_key="k", translator="none")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        before = client.get("/api/search", params={"q": "السعودية"}).json()["total"]
        started = threading.Event()
        holder = _hold_write_lock(db, 2.0, started)
        # A read while the lock is held: answered from the last committed state, without waiting for the writer.
        t0 = time.monotonic()
        read = client.get("/api/search", params={"q": "السعودية"})
        read_secs = time.monotonic() - t0
        write = client.post("/api/articles", headers={"X-API-Key": "k"},
                            json={"title": "Zanzibar cloves", "body": "A record clove harvest in Zanzibar.",
                                  "source": "api-test", "url": "https://example.org/cloves"})
        holder.join()
        assert read.status_code == 200 and read.json()["total"] == before
        assert read_secs < 1.5  # the writer held its lock for 2 s: the read did not wait for it
        assert write.status_code == 200, write.text
        assert write.json()["created"]
        assert client.get("/api/search", params={"q": "zanzibar"}).json()["total"] == 1


def test_a_search_past_its_time_budget_is_stopped_and_the_api_says_so(sample_archive):
    words = " OR ".join(["السعودية", "الرياض", "المملكة", "وزارة", "الملك", "عام", "يوم", "مدينة", "جدة", "مكة"])
    slow = Settings(search_timeout=0.0005)
    engine = EmbeddedEngine(sample_archive, readonly=True, settings=slow)
    request = SearchRequest(q=words, size=50, facets=[FacetRequest(field="source"), FacetRequest(field="author")],
                            date_histogram="day")
    with pytest.raises(SearchTimeout, match="time budget"):
        for _ in range(20):  # the clock is read every few thousand SQLite steps: one of these runs past it
            engine.search(request)
    # The connection it ran on is usable again, and with the default budget the same search answers.
    assert EmbeddedEngine(sample_archive, readonly=True).search(request).total > 0

    settings = Settings(data_dir=sample_archive.parent.parent, engine=f"embedded:{sample_archive}",
                        search_timeout=0.0005, translator="none")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        statuses = set()
        for _ in range(20):
            r = client.get("/api/search", params={"q": words, "size": 50, "histogram": "day"})
            statuses.add(r.status_code)
            if r.status_code == 503:
                assert "time budget" in r.json()["error"]["message"]
                assert "Traceback" not in r.text
                break
        assert 503 in statuses, statuses


def test_a_very_long_article_gets_a_short_highlighted_snippet(tmp_path):
    engine = EmbeddedEngine(tmp_path / "index.db")
    filler = "كلمة عادية في نص طويل جدا عن الاقتصاد والطقس. " * 22_000  # ~1 MB of Arabic
    body = "مقدمة. " + filler + " وفي الختام تحدث عن زنجبار وجزرها. " + filler
    engine.upsert([Article(title="تقرير طويل", body=body, source="t", url="https://example.org/long"),
                   Article(title="زنجبار", body="خبر قصير عن زنجبار.", source="t", url="https://example.org/s")])
    hits = engine.search(SearchRequest(q="زنجبار", highlight=True)).hits
    assert {h.title for h in hits} == {"تقرير طويل", "زنجبار"}
    long_hit = next(h for h in hits if h.title == "تقرير طويل")
    assert long_hit.matched_in == "original"
    assert len(long_hit.snippet) < 1000  # a window of the body, never the megabyte
    short_hit = next(h for h in hits if h.title == "زنجبار")
    assert "<mark>زنجبار</mark>" in short_hit.title_highlight and "<mark>زنجبار</mark>" in short_hit.snippet


def test_a_phrase_is_marked_only_where_it_occurs_as_a_phrase(tmp_path):
    engine = EmbeddedEngine(tmp_path / "index.db")
    engine.upsert([Article(title="t", body="وزارة الصحة أعلنت. ثم قالت وزارة أخرى إن الصحة بخير.", source="t",
                           url="https://example.org/p")])
    (hit,) = engine.search(SearchRequest(q='"وزارة الصحة"', highlight=True)).hits
    assert hit.snippet.count("<mark>") == 1 and "<mark>وزارة الصحة</mark>" in hit.snippet


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listens(pid: int) -> bool:
    """Does the process hold a listening TCP socket (a server worker, not a helper process)?"""
    try:
        fds = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
    except OSError:
        return False
    inodes = {f.split("[")[1].rstrip("]") for f in fds if f.startswith("socket:[")}
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as fh:
            for line in list(fh)[1:]:
                parts = line.split()
                if parts[3] == "0A":  # LISTEN
                    listening.add(parts[9])
    return bool(inodes & listening)


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


@pytest.mark.parametrize("workers", [1, 2, None])
def test_serve_stops_within_five_seconds_of_sigterm_while_answering(sample_archive, workers):
    """One server process, or several sharing the port (ARSHIF_WORKERS; by default one per core, up to
    four): each answers searches and is gone, every process of it, within 5 s of SIGTERM while searches run."""
    port = _free_port()
    env = {**os.environ, "ARSHIF_ENGINE": f"embedded:{sample_archive}"}
    env.pop("ARSHIF_WORKERS", None)
    if workers is None:
        workers = min(os.cpu_count() or 1, 4)  # what a server started with no setting uses: every core
    else:
        env["ARSHIF_WORKERS"] = str(workers)
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--port", str(port)], cwd=PROJECT_ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        stop = threading.Event()

        def load():
            with httpx.Client(base_url=base, timeout=10) as c:
                while not stop.is_set():
                    try:
                        c.get("/api/search", params={"q": "السعودية OR الرياض"})
                    except httpx.HTTPError:
                        return

        assert httpx.get(f"{base}/api/search", params={"q": "الرياض"}, timeout=30).json()["total"] > 0
        workers_seen = [p for p in _children(proc.pid) if _listens(p)] if workers > 1 else [proc.pid]
        assert len(workers_seen) == workers, f"{workers} server processes expected, found {workers_seen}"
        clients = [threading.Thread(target=load) for _ in range(4)]
        for t in clients:
            t.start()
        time.sleep(1.0)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        took = time.monotonic() - t0
        stop.set()
        for t in clients:
            t.join()
        assert took <= 5.0, f"serve took {took:.1f} s to stop"
        assert not [p for p in workers_seen if p != proc.pid and Path(f"/proc/{p}").exists()], "a worker outlived serve"
    finally:
        if proc.poll() is None:
            proc.kill()


def test_writes_commit_without_waiting_for_a_disk_flush_each(tmp_path):
    """The writer runs WAL with synchronous=NORMAL, as intended (a multi-statement PRAGMA string once
    left it at FULL: every API write and every story placement waited for an fsync); the page cache
    setting after it applies too."""
    engine = EmbeddedEngine(tmp_path / "arshif.db")
    engine.upsert([Article(title="خبر", body="نص قصير", source="t", url="https://example.org/1")])
    conn = engine._writer_conn()
    assert conn.execute("PRAGMA journal_mode").fetchall()[0][0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchall()[0][0] == 1  # NORMAL
    assert conn.execute("PRAGMA cache_size").fetchall()[0][0] == -32768
    engine.close()
