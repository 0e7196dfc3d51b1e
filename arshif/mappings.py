"""The index definition in ``mappings/articles.json``, read once and fingerprinted once.

Elasticsearch/OpenSearch get it as index settings and mappings; the embedded engine
builds its analyzers from its ``settings.analysis``. Both engines record the same
fingerprint with what they index, so either can tell when the definition changed
since (and ``arshif reindex`` is due).
"""

from __future__ import annotations

import copy
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from arshif.settings import Settings, get_settings

FILE_NAME = "articles.json"


@lru_cache(maxsize=8)
def read_definition(path: str) -> dict:
    """The definition in the file at ``path`` (read once per process; treat it as read-only)."""
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    return {"settings": doc["settings"], "mappings": doc["mappings"]}


def definition_path(settings: Settings | None = None) -> Path:
    return (Path((settings or get_settings()).mappings_dir) / FILE_NAME).resolve()


def index_definition(settings: Settings | None = None) -> dict:
    """``{"settings": …, "mappings": …}`` of the index (a copy: callers may adapt it)."""
    return copy.deepcopy(read_definition(str(definition_path(settings))))


def fingerprint(definition: dict) -> str:
    """A short hash of a definition: equal definitions, equal fingerprints, whatever the key order."""
    return hashlib.sha1(json.dumps(definition, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]


def definition_fingerprint(settings: Settings | None = None) -> str:
    return fingerprint(read_definition(str(definition_path(settings))))
