"""Cross-lingual search with no translation service: lexicon + transliteration over the real archive.

The session archive (conftest) holds ~1,000 Arabic SaudiNewsNet articles, the
seed article and the bilingual demo articles. English queries must find Arabic
articles (and the top Arabic hit must be about the query), Arabic queries the
English demo articles — through ``mode=cross`` of the real search service.
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from arshif.crosslingual import CrossLingual, default_query_translator
from arshif.lexicon import load_lexicon
from arshif.lexicon.translit import arabic_to_latin, latin_to_arabic
from arshif.search.syntax import parse_query
from arshif.settings import Settings
from web.service import SearchParams, SearchService

#: English query → what the top Arabic hit must contain (normalised: no diacritics, ا for أإآ, ه for ة, ي for ى).
QUERIES = {
    "Baghouz": r"الباغوز",
    "Baghuz": r"الباغوز",
    "Islamic State": r"داعش|الدوله الاسلاميه|تنظيم الدوله",
    "oil prices": r"النفط|البترول",
    "Riyadh": r"الرياض",
    "Saudi Aramco": r"ارامكو",
    "Ministry of Health": r"وزاره الصحه",
    "Mecca": r"مكه",
    "Hajj": r"الحج|حجاج",
    "Yemen": r"اليمن",
    "Houthi": r"الحوثي",
    "OPEC": r"اوبك",
    "football": r"كره القدم|الكره",
    "weather": r"الطقس|الارصاد|طقس",
    "Jeddah": r"جده",
    "Iran nuclear deal": r"النووي",
    "King Salman": r"الملك سلمان|خادم الحرمين",
    "Ramadan": r"رمضان",
    "unemployment": r"البطاله|العاطلين",
    "real estate": r"العقار|عقاري",
}


def normalise(text: str) -> str:
    text = "".join(ch for ch in unicodedata.normalize("NFC", text) if not "\u064B" <= ch <= "\u0652")
    return text.translate(str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", "\u0640": None}))


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon()


@pytest.fixture
def service(archive_settings, archive):
    return SearchService(archive_settings, archive, CrossLingual(archive_settings, engine=archive))


@pytest.mark.parametrize("query", list(QUERIES))
def test_english_query_finds_arabic_articles_offline(service, archive, query):
    response = service.search(SearchParams(q=query, mode="cross", lang=["ar"], size=5))
    assert response.total >= 1, (query, service.query_translator.alternatives(query))
    top = archive.get(response.hits[0].id)
    assert top.language == "ar"
    text = normalise(f"{top.title}\n{top.body}")
    assert re.search(QUERIES[query], text), (query, top.title)
    # Without cross-lingual search the English words only reach the few Arabic demo articles that
    # carry an English translation (or write a name in Latin letters).
    plain = service.search(SearchParams(q=query, mode="both", lang=["ar"], size=1)).total
    assert response.total > plain, (query, plain)
    # …and articles with no English at all (SaudiNewsNet, the seed) are found across languages.
    untranslated = [a for a in (archive.get(h.id) for h in response.hits) if not a.translations]
    assert untranslated and re.search(QUERIES[query], normalise(untranslated[0].title + untranslated[0].body))


@pytest.mark.parametrize("query,english_word", [("أوبك", "OPEC"), ("الرياض", "Riyadh")])
def test_arabic_query_finds_english_demo_articles(service, archive, query, english_word):
    alternatives = service.query_translator.alternatives(query)
    assert english_word in alternatives
    response = service.search(SearchParams(q=query, mode="cross", lang=["en"], size=5))
    assert response.total >= 1
    top = response.hits[0]
    assert top.language == "en" and english_word in top.title and top.matched_in == "original"


def test_transliteration_keeps_only_spellings_the_archive_has(archive):
    cl = CrossLingual(engine=archive)
    assert latin_to_arabic("Baghouz")[0][0] == "باغوز"
    assert "riyadh" in [c for c, _ in arabic_to_latin("الرياض")]
    for spelling in ("Baghouz", "Baghuz", "al-Baghouz"):
        alternatives = cl.alternatives(spelling)
        assert alternatives and all("باغوز" in a for a in alternatives), (spelling, alternatives)
    assert cl.alternatives("Xqzvwplk") == []  # nothing like it in the archive: no guesses
    # Arabic names unknown to the lexicon come out in Latin letters when English articles use them.
    assert "qahtani" in [a.lower() for a in cl.alternatives("القحطاني")]


def test_alternatives_always_parse(archive):
    cl = CrossLingual(engine=archive)
    tricky = ['"oil prices" -opec', "Riyadh OR Jeddah", "(King Salman) Yemen", "source:okaz Riyadh",
              'lang:ar "Ministry of Health"', "-Yemen", "OR", '"', "Riyadh (", "oil:prices", "---",
              "الرياض OR جدة", '"وزارة الصحة" -كورونا', "Houthi Aden Sanaa Taiz Marib", "2015 budget",
              "Iran nuclear deal Obama Congress vote"]
    for q in tricky:
        for alt in cl.alternatives(q):
            parsed = parse_query(alt)
            assert parsed.text is not None and not parsed.filters, (q, alt)
    assert not any("اوبك" in a or "أوبك" in a for a in cl.alternatives('"oil prices" -opec'))
    assert cl.alternatives("-Yemen") == []


def test_multi_word_queries_combine_terms(archive, service):
    cl = service.query_translator
    [combined] = cl.alternatives("Yemen Houthi")
    parsed = parse_query(combined)
    assert parsed.text is not None and "اليمن" in combined and "الحوثي" in combined
    response = service.search(SearchParams(q="Yemen Houthi", mode="cross", lang=["ar"], size=3))
    top = archive.get(response.hits[0].id)
    text = normalise(top.title + top.body)
    assert "اليمن" in text and "الحوثي" in text


def test_lexicon_without_engine_still_translates(lexicon):
    cl = CrossLingual(engine=None, lexicon=lexicon)
    alts = cl.alternatives("Ministry of Health")
    assert '"وزارة الصحة"' in alts
    assert cl.alternatives("Baghouz") == []  # transliteration needs the vocabulary to pick spellings
    assert "OPEC" in cl.alternatives("أوبك")
    assert len(lexicon) > 1000


def test_default_query_translator_uses_configured_provider(tmp_path, archive_settings):
    """The app's composition root (cli.compose) hands the configured provider to cross-lingual search."""
    from cli.compose import query_translator as default_query_translator
    from translate_server import TranslateServer

    assert default_query_translator(archive_settings, None).translator is None
    with TranslateServer() as server:
        settings = Settings(data_dir=tmp_path / "data", translator="libre", translator_url=server.url)
        cl = default_query_translator(settings, None)
        assert cl.translator is not None
        alts = cl.alternatives("Riyadh oil")
        assert server.requests == 1
        assert "الرياض" in alts[0] and "النفط" in alts[0]
        cl._cache.clear()
        cl.alternatives("Riyadh oil")
        assert server.requests == 1  # the translation cache answered
        server.fail_always(500)
        broken = default_query_translator(settings.model_copy(update={"data_dir": tmp_path / "other"}), None)
        assert '"الرياض"' in broken.alternatives("Riyadh")  # provider down: the lexicon still answers
