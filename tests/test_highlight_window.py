"""A snippet deep into a long article is read from near its window, not from the article's start, and must
be the same snippet: the same words, the same marks (arshif/engines/fts_highlight.window_spans)."""

from __future__ import annotations

import random

import pytest

from arshif.engines import fts_highlight
from arshif.engines.embedded import EmbeddedEngine
from arshif.engines.fts_highlight import Located, phrase_locations, snippet_field, window_spans
from arshif.engines.fts_tokens import EXACT_PREFIX, index_terms, position_terms, token_spans
from arshif.model import Article
from arshif.search.contract import SearchRequest
from arshif.search.highlight import END, START

WORDS = ("قال وزير النفط إن أسعار الخام ارتفعت في الرياض أمس the market's rise U.S.A ٢٠١٩ percent "
         "ـــالرياض و للمدرسة بالقلم").split()


def _text(rng: random.Random, words: int) -> str:
    parts = [rng.choice(WORDS) for _ in range(words)]
    for i in rng.sample(range(words), words // 40):  # line breaks, a long word cut in pieces, a blank
        parts[i] = rng.choice(["\n" + parts[i], "ب" * 300, "\u064e\u064e", parts[i] + ","])
    return " ".join(parts)


@pytest.mark.parametrize("seed", range(6))
def test_a_window_read_from_the_middle_has_the_offsets_of_a_reading_from_the_start(seed: int) -> None:
    rng = random.Random(seed)
    text = _text(rng, rng.randint(400, 4000))
    _stems, exacts = index_terms(text)
    everything = token_spans(text, 10**9)
    read_from_middle = 0
    for first in rng.sample(range(fts_highlight.READ_FROM_MIDDLE_AFTER, len(everything) + 3), 25):
        got = window_spans(text, first, 41, exacts, EXACT_PREFIX)
        if got is not None:
            read_from_middle += 1
            assert got == everything[first:first + 41], first
    assert read_from_middle >= 20  # (a passage that repeats may be read from the start instead)


def test_a_passage_that_occurs_twice_is_not_mistaken_for_its_twin() -> None:
    """The same 30 words twice, far apart: a reading that starts in one of them must not take the other's
    position (which would mark the wrong words): it compares more words, or reads from the start."""
    rng = random.Random(7)
    passage = " ".join(rng.choice(WORDS) for _ in range(30))
    text = " ".join([_text(rng, 600), passage, _text(rng, 600), passage, _text(rng, 300)])
    _stems, exacts = index_terms(text)
    everything = token_spans(text, 10**9)
    for first in range(100, len(everything) - 41, 7):
        got = window_spans(text, first, 41, exacts, EXACT_PREFIX)
        assert got is None or got == everything[first:first + 41], first


def test_a_text_that_must_be_read_whole_is_read_from_the_start() -> None:
    """A character that can move a token boundary (U+200D) anywhere in the text: no reading from the middle."""
    text = "وصلة\u200dهنا " + " ".join(["كلمة أخرى هنا"] * 400)
    _stems, exacts = index_terms(text)
    assert window_spans(text, 500, 41, exacts, EXACT_PREFIX) is None
    located = phrase_locations(text, [["=هنا"]], ("", ""))
    assert located.window(500, 41) == token_spans(text, 541)[500:]


def test_a_deep_match_gets_its_own_words_in_the_snippet_whether_terms_were_stored_or_not() -> None:
    body = " ".join(f"فقرة رقم {i} عن الأسواق" for i in range(900)) + " ثم ارتفعت أسعار النفط في الختام والسلام"
    stored = index_terms(body)
    exacts, _ = position_terms(body)
    phrases = [["=النفط"]]
    from_stored = snippet_field(body, phrase_locations(body, phrases, stored))
    analysed = phrase_locations(body, phrases)
    assert len(body) > fts_highlight.ONE_PASS_CHARS and not analysed._all_spans  # the path read from the middle
    expected = f"…899 عن الأسواق ثم ارتفعت أسعار {START}النفط{END} في الختام والسلام"
    assert from_stored == expected
    assert snippet_field(body, analysed) == expected
    assert snippet_field(body, Located(body, analysed.locations)) == expected  # read from the start


def test_the_search_snippet_of_a_long_article_marks_its_deep_match(tmp_path) -> None:
    engine = EmbeddedEngine(tmp_path / "a.db")
    body = " ".join(f"بند {i} من جدول الأعمال" for i in range(1200)) + " وفي الختام أعلن الوزير خفض إنتاج النفط"
    engine.upsert([Article(title="محضر الاجتماع", body=body, source="t", url="https://example.org/w")])
    (hit,) = engine.search(SearchRequest(q="إنتاج النفط")).hits
    assert hit.snippet == "…الأعمال وفي الختام أعلن الوزير خفض <mark>إنتاج النفط</mark>"
    engine.close()


@pytest.mark.parametrize("seed", range(40))
def test_matches_found_in_stored_terms_are_those_found_in_their_lists(seed: int) -> None:
    """Highlights read a text's stored terms as joined strings (one pass each) instead of splitting them: the
    same matches, also for phrases of several terms, repeated words, and past the cap on locations."""
    rng = random.Random(seed)
    words = ["a", "ab", "abc", "b", "ba", "c", "النفط", "نفط", "x.y", "a+b"]
    n = rng.choice([5, 40, 3000])
    stems = [rng.choice(words + ["\u2205"]) for _ in range(n)]
    exacts = [EXACT_PREFIX + rng.choice(words) for _ in range(n)]
    phrases = []
    for _ in range(rng.randint(1, 8)):
        exact = rng.random() < 0.5
        size = rng.choice([1, 1, 2, 3])
        phrases.append([(EXACT_PREFIX if exact else "") + rng.choice(words) for _ in range(size)])
    if rng.random() < 0.2:
        phrases.append([EXACT_PREFIX + "a", "b"])  # (a phrase mixing exact forms and stems)
    expected = fts_highlight._locate(phrases, exacts, stems, EXACT_PREFIX)
    assert fts_highlight._locate_stored(phrases, " ".join(stems), " ".join(exacts)) == expected
