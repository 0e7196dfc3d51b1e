"""Shared fixtures: settings in a temporary data directory, and archives built from real input.

The shared corpora are read from ``../shared`` beside the checkout (never copied
into the project). Session-scoped archives are built once and opened read-only
by the tests that only search them.
"""

from __future__ import annotations

import os
import zipfile
import json
from pathlib import Path

import pytest

# Entity tagging is off for ingests that do not ask for it: most tests ingest to check something else,
# and tagging every one of them (the BBC corpus twice, SaudiNewsNet samples again and again) added minutes.
# The archives whose entities tests read pass ``tagger=EntityTagger()`` (the session archive below).
os.environ.setdefault("ARSHIF_ENTITIES", "0")

from arshif.engines.embedded import EmbeddedEngine
from arshif.settings import PROJECT_ROOT, Settings
from indexer.entities import EntityTagger
from indexer.pipeline import ingest

SHARED = Path(os.environ.get("ARSHIF_SHARED_DIR", PROJECT_ROOT.parent / "shared"))
SEED = SHARED / "seed" / "000_2d331081257e349b.txt"
SAUDI = SHARED / "corpora" / "saudinewsnet"
BBC = SHARED / "corpora" / "bbc" / "bbc-news.jsonl"
DEMO = PROJECT_ROOT / "demo" / "articles.jsonl"


def pytest_configure(config):
    if not SEED.exists():
        raise pytest.UsageError(f"the shared test data is missing: expected {SEED} (../shared beside the checkout)")


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", translator="none")


@pytest.fixture
def engine(settings):
    eng = EmbeddedEngine(settings.embedded_path)
    yield eng
    eng.close()


def saudi_sample_file(directory: Path, per_zip: int = 60) -> Path:
    """A JSONL sample of SaudiNewsNet (first ``per_zip`` records of each daily zip), written to ``directory``."""
    out = directory / "saudinewsnet-sample.jsonl"
    if out.exists():
        return out
    with out.open("w", encoding="utf-8") as fh:
        for z in sorted(SAUDI.glob("*.zip")):
            with zipfile.ZipFile(z) as zf:
                for name in zf.namelist():
                    records = json.loads(zf.read(name))[:per_zip]
                    for rec in records:
                        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return out


@pytest.fixture(scope="session")
def archive_dir(tmp_path_factory) -> Path:
    """An embedded archive holding the demo articles, the seed article and a SaudiNewsNet sample."""
    root = tmp_path_factory.mktemp("archive")
    settings = Settings(data_dir=root / "data", translator="none")
    eng = EmbeddedEngine(settings.embedded_path)
    sample = saudi_sample_file(root)
    summary = ingest([DEMO, SEED, sample], eng, tagger=EntityTagger())
    eng.close()
    assert summary.indexed > 1000, summary.as_dict()
    return root / "data"


@pytest.fixture(scope="session")
def archive_settings(archive_dir) -> Settings:
    return Settings(data_dir=archive_dir, translator="none")


@pytest.fixture
def archive(archive_settings):
    """Read-only engine over the session archive."""
    eng = EmbeddedEngine(archive_settings.embedded_path, readonly=True)
    yield eng
    eng.close()


def pytest_report_header(config):
    """Name the engines this run talks to, with their versions, at the top of the log."""
    import httpx

    lines = []
    for kind, var in (("opensearch", "ARSHIF_TEST_OPENSEARCH_URL"), ("elasticsearch", "ARSHIF_TEST_ELASTICSEARCH_URL")):
        url = os.environ.get(var)
        if not url:
            lines.append(f"{kind}: not configured ({var} unset)")
            continue
        try:
            info = httpx.get(url, timeout=5).json()["version"]
            lines.append(f"{kind}: {info.get('distribution', kind)} {info['number']} "
                         f"(lucene {info.get('lucene_version', '?')}) at {url}")
        except Exception as exc:  # noqa: BLE001
            lines.append(f"{kind}: UNREACHABLE at {url}: {exc}")
    import apsw

    import importlib.metadata

    lines.append(f"embedded: SQLite {apsw.sqlite_lib_version()} via APSW {apsw.apsw_version()} (archive), "
                 f"tantivy {importlib.metadata.version('tantivy')} (text index)")
    return lines
