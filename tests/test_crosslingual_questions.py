"""English questions about Arabic articles, offline (only what ships): plural names and everyday words.

A small archive written for these tests: Arabic articles about a team and a people named in
English by a plural (Panthers → بانثرز, Normans → النورمان), an Arabic article that merely holds
a name spelt like an English word in Arabic letters (شون, Sean), and English reports where
"shown" is an everyday word.
"""

from __future__ import annotations

import json

import pytest

from arshif.crosslingual import CrossLingual
from arshif.engines.embedded import EmbeddedEngine
from arshif.model import stable_id
from arshif.settings import Settings
from indexer.pipeline import ingest
from web.service import SearchParams, SearchService

BASE = "https://fixture.arshif.invalid/questions/"
ARTICLES = [
    ("panthers", "ar", "كارولينا بانثرز يفوز على سياتل",
     "فاز فريق كارولينا بانثرز على سياتل في مباراة كرة القدم الأمريكية، وسجل الظهير هدفين في الشوط الثاني."),
    ("normans", "ar", "تاريخ النورمان في صقلية",
     "وصل النورمان إلى جنوب إيطاليا في القرن الحادي عشر وأسسوا مملكة صقلية بعد حروب طويلة مع العرب."),
    ("sean", "ar", "الممثل شون يزور معرضا",
     "زار الممثل شون معرضا فنيا في دبي والتقى عددا من الفنانين الشباب."),
    ("kau", "ar", "جامعة الملك عبدالعزيز تفتتح كلية جديدة",
     "افتتحت جامعة الملك عبدالعزيز في جدة كلية جديدة للطب تستقبل مئتي طالب."),
    ("slept", "ar", "نصائح للأمهات", "نام الطفل مبكرا بعد يوم طويل في الحديقة."),
    ("football", "ar", "مباراة كرة قدم في جدة",
     "أقيمت مباراة كرة قدم في جدة بين فريقين محليين وانتهت بالتعادل، وأعلن النادي اسم مدربه الجديد."),
] + [(f"report-{i}", "en", f"Council report {i}", f"The council report shown to members on day {i} was about roads.")
     for i in range(24)]


def article_id(key: str) -> str:
    return stable_id(BASE + key, "", "")


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    root = tmp_path_factory.mktemp("questions")
    path = root / "articles.jsonl"
    path.write_text("".join(json.dumps({"url": BASE + key, "title": title, "content": body, "language": lang,
                                        "source": "fixture", "date": "2015-08-01"}, ensure_ascii=False) + "\n"
                            for key, lang, title, body in ARTICLES), encoding="utf-8")
    # No optional (MUSE/ANETAC) files: only what ships with the project.
    settings = Settings(data_dir=root / "data", translator="none", lexicon_dir=root / "no-optional-lexicon")
    eng = EmbeddedEngine(settings.embedded_path)
    assert ingest([path], eng).indexed == len(ARTICLES)
    eng.close()
    return settings


@pytest.fixture
def service(settings):
    eng = EmbeddedEngine(settings.embedded_path, readonly=True)
    yield SearchService(settings, eng, CrossLingual(settings, engine=eng))
    eng.close()


@pytest.mark.parametrize("question,key,arabic", [
    ("Who did the Panthers beat?", "panthers", "بانثرز"),
    ("Where did the Normans found a kingdom?", "normans", "النورمان"),
])
def test_a_plural_english_name_finds_the_arabic_article(service, question, key, arabic):
    params = SearchParams(q=question, mode="cross")
    response = service.search(params)
    assert response.hits and response.hits[0].id == article_id(key), [h.title for h in response.hits]
    assert any(arabic in w for w in service.expansion(params).words), service.expansion(params).words


def test_an_everyday_english_word_is_not_spelt_in_arabic_letters(service):
    """'shown' is no name: spelt شون it would find an article about an actor called Sean."""
    params = SearchParams(q="What was shown at the football match?", mode="cross")
    words = service.expansion(params).words
    assert not any("شون" in w for w in words), words
    ids = [h.id for h in service.search(params).hits]
    assert article_id("football") in ids and article_id("sean") not in ids


def test_a_name_followed_by_a_word_the_archive_cannot_spell_stays_one_name(service):
    """"Carolina Panthers Stadium": the name is searched as the phrase كارولينا بانثرز, not word by word."""
    params = SearchParams(q="Carolina Panthers Stadium", mode="cross")
    assert "كارولينا بانثرز" in service.expansion(params).words, service.expansion(params).words
    assert service.search(params).hits[0].id == article_id("panthers")


def test_a_capital_that_only_starts_the_sentence_is_not_a_name(service):
    """"Name the team…": name is translated (اسم), not spelt نام (slept), which would find a bedtime story."""
    params = SearchParams(q="Name the team the Panthers beat", mode="cross")
    words = service.expansion(params).words
    assert "نام" not in words, words
    ids = [h.id for h in service.search(params).hits]
    assert ids[0] == article_id("panthers") and article_id("slept") not in ids


def test_a_name_that_starts_the_query_keeps_its_capital(service):
    """"King Abdulaziz University": King is a word the dictionary translates, but here it starts a name."""
    params = SearchParams(q="King Abdulaziz University", mode="cross")
    assert any("الملك عبد" in w for w in service.expansion(params).words), service.expansion(params).words
    assert service.search(params).hits[0].id == article_id("kau")
