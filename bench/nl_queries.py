"""Natural-language questions as OR-ed word queries, for the benchmarks that need many-term queries.

Best-match ranking of a typed question ORs its words, which makes the match set
large (most of the archive for common words): the hardest case for top-k
ranking. The questions are XQuAD's Arabic questions (CC BY-SA 4.0), read at run
time from ``../shared`` (never copied into the project).
"""

from __future__ import annotations

import json
import re

from arshif.settings import PROJECT_ROOT

XQUAD_AR = PROJECT_ROOT.parent / "shared" / "relevance" / "xquad" / "xquad.ar.json"
_WORD = re.compile(r"\w+")


def nl_questions(n: int = 300) -> list[str]:
    """The first ``n`` XQuAD Arabic questions, each as ``w1 OR w2 OR …`` (words only, no syntax)."""
    with open(XQUAD_AR, encoding="utf-8") as fh:
        data = json.load(fh)["data"]
    out: list[str] = []
    for article in data:
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                words = _WORD.findall(qa["question"])
                if words:
                    out.append(" OR ".join(words))
                if len(out) >= n:
                    return out
    return out
