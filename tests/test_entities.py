"""Entity tagging: the scorer, the shipped Arabic model, training, keys that link spellings and scripts.

The figures against targets (F1 on ANERcorp and AQMAR, ingest cost) are printed by
``bench/bench_entities.py``; here we check behaviour a user notices: the shipped
model finds the people and places of a sentence, one place written three ways is
one facet value, and training from ``../shared`` produces a model that works.
"""

from __future__ import annotations

import pytest

from arshif.entities import entity_key, merge_mentions
from arshif.model import Article
from arshif.search import SearchRequest
from indexer.entities import EntityTagger
from indexer.entities.arabic import ArabicTagger
from indexer.entities.corpus import anercorp
from indexer.entities.scoring import chunks, score
from tests.conftest import SHARED


# -- scoring (conlleval's rules) ------------------------------------------------------------------
def test_conll_chunks_follow_conlleval():
    assert chunks(["B-PER", "I-PER", "O", "B-LOC"]) == {(0, 2, "PER"), (3, 4, "LOC")}
    # An I- after O, or after another type, starts a new entity (conlleval does the same).
    assert chunks(["O", "I-ORG", "I-ORG", "I-LOC"]) == {(1, 3, "ORG"), (3, 4, "LOC")}
    assert chunks(["B-PER", "B-PER"]) == {(0, 1, "PER"), (1, 2, "PER")}


def test_score_counts_only_exact_span_and_type():
    gold = [["B-PER", "I-PER", "O", "B-LOC", "O", "B-ORG"]]
    pred = [["B-PER", "O", "O", "B-LOC", "O", "B-LOC"]]  # PER too short, LOC right, ORG typed as LOC
    s = score(gold, pred)
    assert s.per_type("LOC")[1] == 1.0 and s.per_type("LOC")[0] == 0.5
    assert s.per_type("PER") == (0.0, 0.0, 0.0)
    p, r, f = s.micro()
    assert (p, r) == (1 / 3, 1 / 3) and abs(f - 1 / 3) < 1e-9


# -- keys: one entity, many spellings -----------------------------------------------------------
def test_place_spellings_and_scripts_share_one_key():
    keys = {entity_key("place", t) for t in ("الرياض", "والرياض", "بالرياض", "Riyadh", "riyadh")}
    assert keys == {"Riyadh"}
    assert entity_key("place", "جدة") == entity_key("place", "Jeddah")


def test_person_variants_share_one_key():
    long = entity_key("person", "محمد بن سلمان بن عبدالعزيز")
    assert long == entity_key("person", "محمد بن سلمان") == entity_key("person", "الأمير محمد بن سلمان")
    assert long == entity_key("person", "Mohammed bin Salman")  # linked through the bilingual lexicon
    # Linked through name transliteration pairs, whatever the Latin spelling.
    assert entity_key("person", "دونالد ترامب") == entity_key("person", "Donald Trump") == "Donald Trump"
    assert entity_key("person", "محمد مرسي") == entity_key("person", "Muhammad Morsi") \
        == entity_key("person", "Mohammed Morsi")
    assert entity_key("person", "عمر البشير") == entity_key("person", "Omar al-Bashir")
    assert entity_key("person", "أسامة") == entity_key("person", "اسامه")  # letter variants fold


def test_an_attached_conjunction_or_preposition_is_not_part_of_a_name_the_article_names_bare():
    """The tagger takes و/ب/ل into a mention: the person facet listed وسالم الدوسري beside سالم الدوسري, and the
    organisations والبنك المركزي الاوروبي beside البنك المركزي الاوروبي. Where the article names the rest bare, the
    mention is counted as that; a name that begins with those letters stays whole (وليد, وليام, والمارت)."""
    def keys(*mentions):
        return [(e.key, e.count) for e in merge_mentions([(kind, text, "ar") for kind, text in mentions])]

    assert keys(("person", "سالم الدوسري"), ("person", "وسالم الدوسري")) == [("سالم الدوسري", 2)]
    assert keys(("person", "نايف هزازي"), ("person", "ونايف")) == [("Nayef Hazazi", 2)]
    assert keys(("org", "البنك المركزي الاوروبي"), ("org", "والبنك المركزي الاوروبي")) == \
        [("البنك المركزي الاوروبي", 2)]
    assert keys(("person", "وليد"), ("person", "ليد")) == [("Walid", 1), ("ليد", 1)]
    # a mention the lexicon links is a name of its own: وجدة is Oujda, beside Jeddah
    assert sorted(keys(("place", "وجدة"), ("place", "جدة"))) == [("Jeddah", 1), ("Oujda", 1)]
    # alone, a mention keeps its first word: nothing says whether it is a name's or a conjunction's
    for kind, name in (("person", "وليام هيغ"), ("person", "وندي"), ("org", "والمارت"), ("place", "بالتيمور رافينز")):
        assert entity_key(kind, name) == name
    # ...but no name begins with لل
    assert entity_key("org", "للاتحاد الدولي") == entity_key("org", "الاتحاد الدولي") == "الاتحاد الدولي"


def test_short_mentions_join_the_full_name_in_one_article():
    entities = merge_mentions([("person", "دونالد ترامب", "ar"), ("person", "ترامب", "ar"),
                               ("place", "واشنطن", "ar")])
    people = [e for e in entities if e.kind == "person"]
    assert len(people) == 1 and people[0].count == 2


# -- the shipped model -----------------------------------------------------------------------------
# Sentences written for this test (not corpus text).
AR_TEXT = ("التقى الرئيس الأمريكي باراك أوباما في الرياض مع وزير الخارجية سعود الفيصل ، "
           "وقالت وكالة الأنباء السعودية إن اللقاء تناول الأوضاع في سوريا والعراق .")


def test_shipped_arabic_model_finds_people_places_and_organisations():
    found = {(kind, text) for kind, text, _, _ in ArabicTagger().mentions(AR_TEXT)}
    kinds = {k for k, _ in found}
    assert {"PER", "LOC"} <= kinds, found
    assert ("LOC", "الرياض") in found and ("LOC", "سوريا") in found, found
    assert any(k == "PER" and "أوباما" in t for k, t in found), found


def test_ingest_stores_entities_on_arabic_and_english_articles():
    tagger = EntityTagger()
    ar = Article(title="أمطار في الرياض", body=AR_TEXT, language="ar")
    en = Article(title="Rain in Riyadh", language="en",
                 body="Barack Obama met Saudi Foreign Minister Saud al-Faisal in Riyadh on Monday, "
                      "the Saudi Press Agency said.")
    tagger.tag_batch([ar, en])
    for article in (ar, en):
        places = {e.key for e in article.entities if e.kind == "place"}
        assert "Riyadh" in places, article.entities
        assert any(e.kind == "person" for e in article.entities), article.entities
    assert next(e for e in ar.entities if e.key == "Riyadh").count == 2  # title and body, counted once


def test_a_large_batch_is_tagged_in_worker_processes_as_in_process():
    """The ingest sends large batches to the worker pool; the entities stored are the same as in-process."""
    from indexer.entities import POOL_THRESHOLD

    sentences = [s.strip() + " ." for s in AR_TEXT.split("،")]
    articles = [Article(title=f"خبر {i}", body=" ".join(sentences[i % len(sentences):] + sentences[:i % len(sentences)]),
                        language="ar") for i in range(POOL_THRESHOLD + 6)]
    copies = [a.model_copy(deep=True) for a in articles]
    pending = EntityTagger().submit(articles)
    assert pending.jobs and all(future is not None for _, future in pending.jobs)  # really sent to workers
    assert all(not a.entities for a in articles)  # nothing lands before apply()
    pending.apply()
    EntityTagger(workers=False).tag_batch(copies)
    assert [a.entities for a in articles] == [c.entities for c in copies]
    assert all(any(e.key == "Riyadh" for e in a.entities) for a in articles)


@pytest.mark.skipif(not (SHARED / "ner" / "anercorp").is_dir(), reason="needs ../shared/ner/anercorp")
def test_shipped_model_scores_on_the_anercorp_test_split():
    """The committed model still reaches its published figure, 0.70 (the full table and the issue's 0.80
    target, which this CRF does not reach: bench/bench_entities.py)."""
    test = anercorp(SHARED, "test")
    tagger = ArabicTagger()
    s = score([t for _, t in test], [tagger.tag(toks) for toks, _ in test])
    assert s.micro()[2] >= 0.70, s.report("ANERcorp test")


@pytest.mark.skipif(not (SHARED / "ner" / "anercorp").is_dir(), reason="needs ../shared/ner/anercorp")
def test_fast_decoder_labels_exactly_as_crfsuite():
    """The batched decoder used at ingest gives CRFsuite's own labelling, sentence for sentence; with BIO
    constraints (as at ingest) no entity starts with I- and no label continues another type."""
    import pycrfsuite

    tagger = ArabicTagger(constrained=False)
    reference = pycrfsuite.Tagger()
    reference.open(str(tagger.model_path))
    sentences = [toks for toks, _ in anercorp(SHARED, "test")[:400]]
    expected = [reference.tag(tagger.featuriser.sentence(s)) for s in sentences]
    assert tagger.tag_many(sentences) == expected
    ill_formed = sum(1 for tags in expected for prev, tag in zip(["O", *tags], tags)
                     if tag.startswith("I-") and prev[2:] != tag[2:])
    assert ill_formed > 0  # CRFsuite's own decoding does produce them on this slice
    for tags in ArabicTagger().tag_many(sentences):
        for prev, tag in zip(["O", *tags], tags):
            assert not tag.startswith("I-") or prev[2:] == tag[2:], tags


@pytest.mark.skipif(not (SHARED / "ner" / "anercorp").is_dir(), reason="needs ../shared/ner/anercorp")
def test_labels_stay_crfsuites_when_the_word_table_starts_again(monkeypatch):
    """A long ingest starts the decoder's word table again when it grows past its cap, also in the middle of
    a batch: the words already numbered are numbered again, and the labels stay CRFsuite's."""
    import pycrfsuite

    from indexer.entities import decoder

    monkeypatch.setattr(decoder, "MAX_WORDS_CACHED", 700)
    tagger = ArabicTagger(constrained=False)
    reference = pycrfsuite.Tagger()
    reference.open(str(tagger.model_path))
    sentences = [toks for toks, _ in anercorp(SHARED, "test")[:240]]
    for i in range(0, len(sentences), 40):  # ~600 words a batch, so the cap is crossed within batches
        batch = sentences[i:i + 40]
        assert tagger.tag_many(batch) == [reference.tag(tagger.featuriser.sentence(s)) for s in batch]
    assert len(tagger.crf._ids) <= 700


def test_fast_tokeniser_splits_as_the_token_regex():
    """The tagger's tokeniser takes whitespace-separated words of letters and digits as they stand: with this
    Python and this ``regex`` every character str.isalnum accepts is in TOKEN's word class, so its tokens are
    TOKEN's own, across every kind of space; a text holding a separator only str.split knows is read by the
    regex alone, and the mentions' offsets still point at their words."""
    import regex

    from indexer.entities.arabic import TOKEN, WORD_CLASS, split_only_spaces, tokens_of

    odd = split_only_spaces()
    assert odd is not None  # the shortcut is in use here
    assert all(regex.fullmatch(WORD_CLASS, c) for c in map(chr, range(0x110000)) if c.isalnum())
    for line in ["وقال محمّد بن سلمان: «الرياض»، (٢٠١٥) …؟", "Ahmed's co-op_x 3.5% e\u0301t\u00e9 \U0001D400\U0001F600",
                 "x\u200by\u00a0z\u2028w\u3000v\r", "\u0301a", "   ", "", "a\x1cb\x1fc"]:
        assert tokens_of(line, whole=odd.search(line) is not None) == TOKEN.findall(line)
    assert odd.search("a\x1cb") and tokens_of("a\x1cb", whole=True) == ["a", "\x1c", "b"]
    text = "وصل\x1cولي العهد الأمير محمد بن سلمان إلى الرياض\x1fأمس"
    found = ArabicTagger().mentions(text)
    assert ("PER", "محمد بن سلمان") in [m[:2] for m in found]
    assert all(text[start:end] == name for _, name, start, end in found)


@pytest.mark.skipif(not (SHARED / "ner" / "anercorp").is_dir(), reason="needs ../shared/ner/anercorp")
def test_ingest_path_finds_what_the_sentence_tagger_and_propagation_find():
    """mentions_many (the flat, batched path ingest uses) reads a text as the sentence-by-sentence tagger
    plus per-text propagation do: same spans, same types, in 3 texts of 60 corpus sentences each."""
    from indexer.entities.arabic import SENTENCE_END, TOKEN, propagate, spans

    tagger = ArabicTagger()
    ok = [toks for toks, _ in anercorp(SHARED, "test")  # sentences the tokeniser splits as ANERcorp does
          if len(toks) < 80 and not any(t in SENTENCE_END for t in toks[:-1]) and all(map(TOKEN.fullmatch, toks))]
    texts = [ok[i:i + 60] for i in (0, 60, 120)]
    found = tagger.mentions_many(["\n".join(" ".join(toks) for toks in text) for text in texts])
    for text, mentions in zip(texts, found):
        tags = propagate(text, tagger.tag_many(text))
        expected = [(kind, " ".join(toks[a:b])) for toks, labels in zip(text, tags) for a, b, kind in spans(labels)]
        assert [(kind, t) for kind, t, _, _ in mentions] == expected
    assert sum(map(len, found)) > 50
    joined = ["\n".join(" ".join(toks) for toks in text) for text in texts]
    assert all(text[start:end] == name and start >= 0 for text, ms in zip(joined, found) for _, name, start, end in ms)
    plain = tagger.mentions_many(joined, offsets=False)
    assert [[m[:2] for m in ms] for ms in plain] == [[m[:2] for m in ms] for ms in found]


@pytest.mark.skipif(not (SHARED / "ner" / "anercorp").is_dir(), reason="needs ../shared/ner/anercorp")
def test_training_command_writes_a_model_that_tags(tmp_path):
    """``python -m indexer.entities.train`` end to end, on a slice of the corpus so CI stays quick."""
    from indexer.entities.train import main

    assert main(["--shared", str(SHARED), "--out", str(tmp_path), "--sentences", "600", "--iterations", "30"]) == 0
    tagger = ArabicTagger(tmp_path)
    assert any(kind == "LOC" for kind, *_ in tagger.mentions(AR_TEXT))


@pytest.mark.parametrize("switch", ["1", "0"])
def test_default_ingest_tags_in_the_one_analysis_pool_unless_switched_off(tmp_path, monkeypatch, switch):
    """``arshif ingest`` tags by default (``ARSHIF_ENTITIES=0`` turns it off): a batch large enough for the
    worker pool is tagged there, in the pool FTS analysis and story features use (no second pool), while
    stories are placed, and every article lands with its entities."""
    import json

    import indexer.entities as entities
    from arshif.analysis import workers
    from arshif.engines.embedded import EmbeddedEngine
    from arshif.settings import get_settings
    from indexer.pipeline import ingest
    from indexer.stories import StoryAssigner

    monkeypatch.setenv("ARSHIF_ENTITIES", switch)
    get_settings.cache_clear()
    monkeypatch.setattr(entities, "_DEFAULT", [])
    sent: list[str] = []
    submit = workers.submit
    monkeypatch.setattr(workers, "submit", lambda fn, *args: (sent.append(fn.__name__), submit(fn, *args))[1])
    sentences = [s.strip() for s in AR_TEXT.split("،")]
    path = tmp_path / "news.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(entities.POOL_THRESHOLD + 10):
            body = " ، ".join(sentences[i % len(sentences):] + sentences[:i % len(sentences)]) + f" ({i})"
            fh.write(json.dumps({"title": f"خبر رقم {i}", "body": body, "language": "ar",
                                 "url": f"https://example.org/{i}"}, ensure_ascii=False) + "\n")
    engine = EmbeddedEngine(tmp_path / "index.db")
    stories = StoryAssigner(tmp_path / "stories.db")
    try:
        summary = ingest([path], engine, stories=stories, batch_size=500)
        stored = [engine.get(h.id) for h in engine.search(SearchRequest(size=100)).hits]
    finally:
        stories.close()
        engine.close()
        get_settings.cache_clear()
    assert summary.indexed == entities.POOL_THRESHOLD + 10 and len(stored) == summary.indexed
    if switch == "0":
        assert "entity_rows" not in sent and not any(a.entities for a in stored)
        return
    assert "entity_rows" in sent  # tagged in the shared pool, beside the other analysis sent there
    assert all(any(e.key == "Riyadh" for e in a.entities) for a in stored), stored[0].entities
