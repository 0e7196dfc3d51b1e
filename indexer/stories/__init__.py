"""Stories: copies of one report, and its telling in the other language, share a ``story_id``.

The write path places every article in a story just before it is stored
(:class:`StoryAssigner`, MinHash LSH over the analysers' shingles and over
language-neutral keys; see :mod:`.assigner` and :mod:`.features`). The
assignments and signatures persist in a sidecar SQLite file beside the archive
(:func:`story_store_path`), from which the LSH index is rebuilt at start, so
stories continue across runs and restarts for every engine; the engine itself
only stores ``story_id`` on each article, which is all the read path needs.
"""

from __future__ import annotations

import re
from pathlib import Path

from arshif.settings import Settings
from indexer.stories.assigner import StoryAssigner

__all__ = ["StoryAssigner", "open_assigner", "story_store_path"]


def story_store_path(settings: Settings) -> Path:
    """Where the story sidecar of the configured archive lives.

    Embedded: beside the index file (``arshif.db`` → ``arshif.stories.db``), so moving the
    archive moves its stories. Elasticsearch/OpenSearch: under the data directory, one file
    per engine URL and index name.
    """
    spec = settings.engine.strip()
    if spec == "embedded" or spec.startswith("embedded:"):
        index = settings.embedded_path
        return index.with_name(index.stem + ".stories.db")
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{spec}-{settings.index_name}").strip("_")
    return settings.data_dir / "stories" / f"{slug}.db"


def open_assigner(settings: Settings) -> StoryAssigner | None:
    """The story assigner for the configured archive, or None when ``ARSHIF_STORIES`` is off."""
    if not settings.stories:
        return None
    return StoryAssigner(story_store_path(settings))
