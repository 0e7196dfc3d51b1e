"""One settings object for the whole project, read from ``ARSHIF_*`` environment variables.

Why one object: the CLI, the indexer, the web app and the tests must agree on
where data lives and which engine to talk to; reading the environment in one
place keeps that agreement in one place.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


#: ``workers=0`` starts one server process per core, but no more than this many (each holds its own
#: connections and caches, a few hundred MB with a large embedded archive).
DEFAULT_MAX_SERVER_PROCESSES = 4


class Settings(BaseSettings):
    """Runtime configuration. Every field can be set as ``ARSHIF_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="ARSHIF_", extra="ignore")

    data_dir: Path = Field(
        default=Path("./data"),
        description="Where the embedded index, the translation cache and ingest state live.",
    )
    engine: str = Field(
        default="embedded",
        description=(
            "Which engine serves the archive: 'embedded' (in-process, under data_dir), "
            "'embedded:/path/to/index.db', 'elasticsearch+http://host:9200' or 'opensearch+http://host:9200'."
        ),
    )
    engine_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a search or read on a remote engine may take before the node "
                                        "counts as down (the circuit breaker opens).")
    engine_health_timeout: float = Field(default=2.0, gt=0, description="Seconds for a health check or ping.")
    engine_write_timeout: float = Field(default=120.0, gt=0, description="Seconds for one bulk write or index "
                                                                           "creation.")
    engine_retry_after: float = Field(
        default=5.0, gt=0, description="Seconds a remote engine that failed is left alone (503 + Retry-After at "
                                       "once) before one request probes it again.")
    index_name: str = Field(default="arshif", description="Index (alias) name on Elasticsearch/OpenSearch.")
    index_shards: int | None = Field(
        default=None, ge=1, le=64, description="Primary shards of a new remote index (default: mappings/articles.json's, "
                                               "1). A cluster spreads them over its nodes.")
    index_replicas: int | None = Field(
        default=None, ge=0, le=8, description="Replicas of each shard of a new remote index (default: the definition's, "
                                              "0). With 1, a cluster survives the loss of any one node.")
    mappings_dir: Path = Field(default=PROJECT_ROOT / "mappings", description="Index definitions (JSON).")

    translator: str = Field(
        default="none",
        description="Translation provider: 'none', 'google', 'libre', 'mymemory', … (deep-translator names) or 'argos'.",
    )
    translator_url: str | None = Field(default=None, description="Custom endpoint for providers that take one.")
    translator_api_key: str | None = Field(default=None, description="API key for providers that need one.")
    translate_targets: str = Field(default="ar:en,en:ar", description="Language pairs to translate at ingest.")
    translate_concurrency: int = Field(default=4, ge=1, le=64)
    translate_rate_per_second: float = Field(default=10.0, gt=0)
    translate_timeout: float = Field(default=20.0, gt=0)
    translate_max_chars: int = Field(default=4500, ge=200, description="Longest text sent in one request.")

    sources_file: Path | None = Field(
        default=None,
        description="A table of source names (same columns as arshif/sources.tsv) that extends the shipped one.")
    stories: bool = Field(default=True, description="Group copies and translations of one report into stories "
                                                    "at ingest (indexer/stories); off skips it.")
    entities: bool = Field(default=True, description="Tag people, places and organisations at ingest.")
    entities_model_dir: Path | None = Field(
        default=None, description="Folder of the Arabic entity model (default: the one shipped in indexer/entities/models).")

    api_key: str | None = Field(default=None, description="Enables write endpoints of the API when set.")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(
        default=0, ge=0, le=64,
        description="Server processes of `arshif serve` sharing one port: more use more cores (each process has "
                    "its own engine connections and memory). 0: one per core, at most "
                    f"{DEFAULT_MAX_SERVER_PROCESSES}.",
    )

    search_timeout: float = Field(
        default=5.0, ge=0,
        description="Time budget of one search, in seconds: past it the search is stopped and the API answers 503 "
                    "saying so (0: no budget).",
    )
    embedded_connections: int = Field(
        default=4, ge=1, le=64,
        description="Read connections the embedded engine keeps open (shared by all server threads).",
    )
    ingest_workers: int = Field(
        default=0, ge=0, le=64,
        description="Worker processes that analyse text for the embedded engine during large writes (0: one per core).",
    )
    write_wait: float = Field(
        default=600.0, ge=0,
        description="How long a write to the embedded archive waits for another writer (e.g. a second ingest).",
    )
    lexicon_dir: Path | None = Field(
        default=None,
        description="Optional lexicon files (MUSE, ANETAC) built by `python -m arshif.lexicon.build optional`; "
                    "default: <data_dir>/lexicon.")

    max_page_size: int = Field(default=100, ge=1, le=1000)
    max_batch_queries: int = Field(default=50, ge=1, le=1000)
    max_batch_cost: int = Field(
        default=2000, ge=1, description="Work one batch may ask for: each query costs (its words, phrases and "
                                        "filters, at least 1) × (1 + size/10); more → 413 before any search.")
    max_request_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body (search batches); more → 413 before it "
                                                "is read.")
    max_write_bytes: int = Field(
        default=16 * 1_048_576, ge=1024, description="Largest body of the write API (POST /api/articles, behind "
                                                     "the API key); more → 413 before it is read.")

    @property
    def embedded_path(self) -> Path:
        """Path of the embedded engine's database file."""
        if self.engine.startswith("embedded:"):
            return Path(self.engine.split(":", 1)[1])
        return self.data_dir / "index" / "arshif.db"

    @property
    def server_processes(self) -> int:
        """How many processes ``serve`` starts: ``workers``, or one per core (capped) when it is 0."""
        return self.workers or max(1, min(os.cpu_count() or 1, DEFAULT_MAX_SERVER_PROCESSES))

    @property
    def lexicon_path(self) -> Path:
        """Where the optional, separately licensed lexicon files live (read when present)."""
        return self.lexicon_dir or self.data_dir / "lexicon"

    @property
    def translation_cache_path(self) -> Path:
        return self.data_dir / "translation-cache.db"

    @property
    def saved_searches_path(self) -> Path:
        """Saved searches and where each reader last looked: beside the index, never inside it."""
        return self.data_dir / "saved-searches.db"

    @property
    def archive_key(self) -> str:
        """Names the archive an ingest mark belongs to (marks of one archive mean nothing on another)."""
        spec = self.engine.strip()
        if spec == "embedded" or spec.startswith("embedded:"):
            return f"embedded:{self.embedded_path.resolve()}"
        kind, _, url = spec.partition("+")
        parts = urlsplit(url)
        host = parts.hostname or ""
        where = f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path.rstrip('/')}"
        return f"{kind}+{where}/{self.index_name}"  # never the URL's user:password


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
