"""Machine translation at ingest, driven through the real deep-translator LibreTranslator.

Every test talks HTTP to a local LibreTranslate stand-in (``tests/translate_server.py``)
whose "translation" is deterministic, so order, paragraph breaks, retries, the
cache and the pending → done path can all be checked by counting real requests.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arshif.crosslingual import CrossLingual
from arshif.engines.embedded import EmbeddedEngine
from arshif.model import Article, Translation
from arshif.search.contract import Filters, SearchRequest
from arshif.settings import Settings
from indexer.pipeline import ingest
from indexer.translate import ProviderUnavailable, TranslationCache, build_translator
from indexer.translate.chunking import chunk_text
from indexer.translate.providers import parse_spec
from indexer.translate.ratelimit import TokenBucket
from conftest import SEED
from translate_server import TranslateServer, fake_translate

FAST = {"backoff_base": 0.01, "breaker_cooldown": 0.5}


@pytest.fixture
def server():
    with TranslateServer() as srv:
        yield srv


@pytest.fixture
def tr_settings(tmp_path, server) -> Settings:
    return Settings(data_dir=tmp_path / "data", translator="libre", translator_url=server.url,
                    translate_concurrency=4, translate_rate_per_second=500, translate_timeout=5)


def _translator(settings: Settings, **kw):
    return build_translator(settings, **{**FAST, **kw})


def _arabic(title: str, body: str, **kw) -> Article:
    return Article(title=title, body=body, language="ar", **kw).with_id()


def _write_jsonl(path: Path, articles: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in articles) + "\n", encoding="utf-8")
    return path


# --- chunking -----------------------------------------------------------------------------------


def _long_body() -> str:
    paragraphs = []
    for i in range(40):
        n = 3 if i % 7 else 60  # every seventh paragraph is longer than one request may be
        sentences = [f"الجملة S{i}.{j} عن الباغوز والتحالف الدولي في سوريا." for j in range(n)]
        paragraphs.append(" ".join(sentences))
    body = "\n\n".join(paragraphs)
    while len(body) < 20_000:
        body += "\n\n" + " ".join(f"خاتمة S99.{k} للخبر." for k in range(20))
    return body


def test_long_article_is_chunked_in_order_keeping_paragraph_breaks(tr_settings, server):
    settings = tr_settings.model_copy(update={"translate_max_chars": 1000})
    translator = _translator(settings)
    body = _long_body()
    assert len(body) >= 20_000
    article = _arabic("مصادر تكشف خفايا الباغوز", body)
    translator.translate_batch([article])

    tr = article.translations["en"]
    assert tr.status == "done", tr.reason
    assert tr.kind == "machine" and tr.provider == "libre" and "LibreTranslator" in tr.model
    assert tr.translated_at is not None
    assert tr.title == "[en] sources تكشف خفايا Baghuz"
    # More than one request, none longer than the limit, and every chunk asked once.
    assert server.requests == len(server.texts) > 20
    assert max(len(t) for t in server.texts) <= 1000
    # Same paragraphs, same sentence order, nothing lost or doubled.
    assert tr.body.count("\n\n") == body.count("\n\n")
    assert re.findall(r"S\d+\.\d+", tr.body) == re.findall(r"S\d+\.\d+", body)
    for original, translated in zip(body.split("\n\n"), tr.body.split("\n\n")):
        assert translated.startswith("[en] ")
        assert re.findall(r"S\d+\.\d+", translated) == re.findall(r"S\d+\.\d+", original)
    assert "Baghuz" in tr.body and "الباغوز" not in tr.body
    stats = translator.stats()
    assert stats["translated"] == 1 and stats["failures"] == 0 and stats["chars_translated"] >= 20_000


def test_chunk_text_cuts_paragraphs_then_sentences_then_words():
    text = "أ" * 50 + "\n" + "جملة أولى. جملة ثانية؟ جملة ثالثة!" + "\n\n" + "كلمة " * 30 + "\n" + "x" * 130
    chunked = chunk_text(text, 40)
    assert all(len(c) <= 40 for c in chunked.chunks)
    assert chunked.join(chunked.chunks) == text
    assert chunk_text("  قصير  ", 40).join(["short"]) == "  short  "
    assert chunk_text("", 40).chunks == []


# --- cache --------------------------------------------------------------------------------------


def test_cache_means_a_text_is_paid_for_once(tr_settings, server, tmp_path):
    a = _arabic("أسعار النفط في الرياض", "فقرة أولى عن النفط.\n\nفقرة ثانية عن الرياض.")
    first = _translator(tr_settings)
    first.translate_batch([a])
    paid = server.requests
    assert paid == 2 and first.stats()["cache_hits"] == 0

    # A new process (new translator, same cache file) translating the same text asks nothing.
    second = _translator(tr_settings)
    b = _arabic(a.title, a.body, url="https://example.org/another-copy")
    second.translate_batch([b])
    assert server.requests == paid
    assert b.translations["en"].body == a.translations["en"].body
    stats = second.stats()
    assert stats["cache_hits"] == 2 and stats["requests"] == 0 and stats["cache_hit_rate"] == 1.0

    # Re-ingest into a second engine (another index, same data directory): still no request.
    jsonl = _write_jsonl(tmp_path / "two.jsonl", [
        {"title": a.title, "body": a.body, "language": "ar", "url": "https://example.org/a"},
        {"title": "عنوان جديد", "body": "نص لم يترجم قبل", "language": "ar", "url": "https://example.org/b"}])
    for index in ("one.db", "two.db"):
        eng = EmbeddedEngine(tmp_path / index)
        summary = ingest([jsonl], eng, translator=_translator(tr_settings))
        eng.close()
        assert summary.indexed == 2
    assert server.requests == paid + 2  # only the new article's title and body, once
    assert len(TranslationCache(tr_settings.translation_cache_path)) == 4


# --- retries and failures -----------------------------------------------------------------------


def test_429_is_retried_honouring_retry_after(tr_settings, server):
    translator = _translator(tr_settings, backoff_base=0.001)
    server.fail_next(2, status=429, retry_after=0.25)
    article = _arabic("عنوان", "")
    started = time.monotonic()
    translator.translate_batch([article])
    elapsed = time.monotonic() - started
    assert article.translations["en"].status == "done"
    assert article.translations["en"].title == "[en] عنوان"
    assert server.requests == 3 and server.failures_served == 2
    assert elapsed >= 0.45  # waited as the server asked, not the 1 ms backoff
    stats = translator.stats()
    assert stats["retries"] == 2 and stats["failures"] == 0


def test_5xx_retries_are_bounded(tr_settings, server):
    translator = _translator(tr_settings, max_attempts=3)
    server.fail_always(503)
    article = _arabic("عنوان", "نص")
    started = time.monotonic()
    translator.translate_batch([article])
    assert time.monotonic() - started < 5
    tr = article.translations["en"]
    assert tr.status == "pending" and "503" in tr.reason and "3 attempts" in tr.reason
    assert tr.title == "" and tr.body == ""


def test_a_hung_provider_times_out(tr_settings, server):
    server.delay = 1.5
    translator = _translator(tr_settings.model_copy(update={"translate_timeout": 0.2}), max_attempts=2)
    article = _arabic("عنوان", "")
    started = time.monotonic()
    translator.translate_batch([article])
    assert time.monotonic() - started < 1.2
    tr = article.translations["en"]
    assert tr.status == "pending" and "timed out" in tr.reason


def test_permanent_failure_keeps_article_searchable_and_translate_pending_finishes_it(tr_settings, server, tmp_path):
    from cli.main import app

    jsonl = _write_jsonl(tmp_path / "news.jsonl", [
        {"title": "معارك الباغوز الأخيرة", "body": "سيطرت قسد على الباغوز.\nانتهى تنظيم داعش في سوريا.",
         "language": "ar", "url": "https://example.org/1"},
        {"title": "أسعار النفط ترتفع", "body": "ارتفعت أسعار النفط في الأسواق.", "language": "ar",
         "url": "https://example.org/2"},
        {"title": "Riyadh metro opens", "body": "The Riyadh metro opened today.", "language": "en",
         "url": "https://example.org/3"},
    ])
    engine = EmbeddedEngine(tr_settings.embedded_path)
    server.fail_always(500)
    summary = ingest([jsonl], engine, translator=_translator(tr_settings, max_attempts=2))
    assert summary.indexed == 3 and summary.ok
    assert summary.translation["pending"] == 3 and summary.translation["translated"] == 0
    ids = {a: engine.search(SearchRequest(q=q)).hits[0].id for a, q in
           (("baghuz", "الباغوز"), ("oil", "النفط"), ("metro", "metro"))}
    for aid in ids.values():
        article = engine.get(aid)
        tr = next(iter(article.translations.values()))
        assert tr.status == "pending" and "500" in tr.reason and tr.provider == "libre"
        assert article.translation_status == "pending"
    assert engine.stats()["translations"] == {"pending": 3}
    assert engine.search(SearchRequest(q="Baghuz")).total == 0  # no English yet
    assert sorted(engine.pending_ids()) == sorted(ids.values())

    server.recover()
    requests_before = server.requests
    result = CliRunner().invoke(app, ["translate", "--pending", "--quiet", "--json",
                                      "--data-dir", str(tr_settings.data_dir)],
                                env={"ARSHIF_TRANSLATOR": "libre", "ARSHIF_TRANSLATOR_URL": server.url})
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["considered"] == 3 and report["translated"] == 3 and report["still_pending"] == 0
    assert server.requests > requests_before

    assert engine.count() == 3 and engine.pending_ids() == []
    assert engine.stats()["translations"] == {"done": 3}
    hit = engine.search(SearchRequest(q="Baghuz")).hits[0]
    assert hit.id == ids["baghuz"] and hit.matched_in == "translation"
    assert engine.search(SearchRequest(q="الباغوز")).hits[0].id == ids["baghuz"]  # still found in Arabic
    english = engine.get(ids["metro"]).translations["ar"]
    assert english.status == "done" and english.body == fake_translate("The Riyadh metro opened today.", "en", "ar")
    engine.close()

    # Nothing left: a second run asks for nothing and says so.
    again = CliRunner().invoke(app, ["translate", "--pending", "--quiet", "--json",
                                     "--data-dir", str(tr_settings.data_dir)],
                               env={"ARSHIF_TRANSLATOR": "libre", "ARSHIF_TRANSLATOR_URL": server.url})
    assert again.exit_code == 0 and json.loads(again.stdout)["considered"] == 0


def test_circuit_breaker_stops_hammering_a_dead_provider(tr_settings, server):
    translator = _translator(tr_settings, max_attempts=2, breaker_threshold=2, breaker_cooldown=60)
    server.fail_always(500)
    articles = [_arabic(f"عنوان {i}", f"نص {i}") for i in range(20)]
    translator.translate_batch(articles)
    assert all(a.translations["en"].status == "pending" for a in articles)
    assert server.requests < 20  # 40 chunks, but the provider was paused after the first failures
    assert any("paused" in a.translations["en"].reason for a in articles)


def test_translate_all_fills_articles_ingested_without_translation(tr_settings, server, tmp_path):
    from cli.main import app

    jsonl = _write_jsonl(tmp_path / "plain.jsonl", [
        {"title": "الرياض", "body": "خبر عن الرياض", "language": "ar", "url": "https://example.org/r"},
        {"title": "Weather", "body": "Rain in Jeddah", "language": "en", "url": "https://example.org/w"},
        {"title": "Bonjour", "body": "Un article en français", "language": "other", "url": "https://example.org/f"},
    ])
    engine = EmbeddedEngine(tr_settings.embedded_path)
    ingest([jsonl], engine)  # translation off
    assert engine.stats()["translations"] == {"none": 3}
    result = CliRunner().invoke(app, ["translate", "--all", "--quiet", "--json", "--translator", "libre",
                                      "--data-dir", str(tr_settings.data_dir)],
                                env={"ARSHIF_TRANSLATOR_URL": server.url})
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["translated"] == 2 and report["not_applicable"] == 1
    assert engine.stats()["translations"] == {"done": 2, "none": 1}
    assert engine.search(SearchRequest(q="Riyadh", filters=Filters(language=["ar"]))).total == 1
    engine.close()


def test_translate_command_needs_a_provider_and_a_scope(tmp_path):
    from cli.main import app

    runner = CliRunner()
    no_scope = runner.invoke(app, ["translate", "--data-dir", str(tmp_path)], env={"ARSHIF_TRANSLATOR": "libre"})
    assert no_scope.exit_code == 2 and "--pending or --all" in no_scope.output
    none = runner.invoke(app, ["translate", "--pending", "--data-dir", str(tmp_path)],
                         env={"ARSHIF_TRANSLATOR": "none"})
    assert none.exit_code == 2 and "no translation provider" in none.output


# --- what is translated, and what is not --------------------------------------------------------


def test_skips_provided_translations_and_other_languages(tr_settings, server):
    translator = _translator(tr_settings)
    provided = _arabic("عنوان", "نص", translations={
        "en": Translation(language="en", title="Title", body="Text", kind="provided")})
    other = Article(title="Bonjour", body="Le texte", language="other").with_id()
    translator.translate_batch([provided, other])
    assert server.requests == 0
    assert provided.translations["en"].title == "Title" and provided.translations["en"].kind == "provided"
    assert other.translations == {}
    assert translator.stats()["skipped"] == 1


def test_concurrency_limit_and_rate_limit(tr_settings, server):
    server.delay = 0.05
    settings = tr_settings.model_copy(update={"translate_concurrency": 3, "translate_rate_per_second": 1000})
    translator = _translator(settings)
    articles = [_arabic(f"عنوان رقم {i}", f"نص رقم {i}") for i in range(12)]
    translator.translate_batch(articles)
    assert server.requests == 24
    assert server.max_in_flight == 3  # used the concurrency, never more

    server.reset_counts()
    slow = _translator(tr_settings.model_copy(update={"translate_rate_per_second": 20}))
    started = time.monotonic()
    slow.translate_batch([_arabic(f"خبر {i}", "") for i in range(12)])
    assert time.monotonic() - started >= (12 - 4) / 20 * 0.9


def test_token_bucket_rate():
    now = [0.0]
    waited = []

    def sleep(s):
        waited.append(s)
        now[0] += s

    bucket = TokenBucket(rate=5, capacity=2, clock=lambda: now[0], sleep=sleep)
    for _ in range(12):
        bucket.acquire()
    assert now[0] == pytest.approx((12 - 2) / 5)


# --- providers ----------------------------------------------------------------------------------


def test_provider_names_and_options(tmp_path):
    settings = Settings(data_dir=tmp_path)
    assert build_translator(settings) is None  # 'none' by default
    assert parse_spec("deepl?use_free_api=true&api_key=K") == ("deepl", {"use_free_api": True, "api_key": "K"})
    google = build_translator(settings, "google")
    assert google.name == "google" and "GoogleTranslator" in google.provider.model
    with pytest.raises(ProviderUnavailable, match="unknown translation provider 'babel'"):
        build_translator(settings, "babel")
    libre = build_translator(settings.model_copy(update={"translator_url": "http://127.0.0.1:9/lt"}),
                             "libre?api_key=K")
    options = libre.provider._config.options
    assert options == {"api_key": "K", "custom_url": "http://127.0.0.1:9/lt/", "use_free_api": False}


def test_argos_without_models_says_so(tmp_path):
    with pytest.raises(ProviderUnavailable, match="argostranslate is not installed|no argos models installed"):
        build_translator(Settings(data_dir=tmp_path), "argos")


# --- the seed article, end to end ----------------------------------------------------------------


def test_seed_article_found_by_english_query_with_translation_beside_original(tr_settings, server):
    from fastapi.testclient import TestClient

    from web.app import create_app

    engine = EmbeddedEngine(tr_settings.embedded_path)
    summary = ingest([SEED], engine, translator=_translator(tr_settings))
    assert summary.indexed == 1 and summary.translation["translated"] == 1
    seed_id = engine.search(SearchRequest(q="الباغوز")).hits[0].id

    hit = engine.search(SearchRequest(q="Baghuz")).hits[0]
    assert hit.id == seed_id and hit.matched_in == "translation" and hit.translation_language == "en"

    app = create_app(tr_settings, engine=engine, query_translator=CrossLingual(engine=engine))
    with TestClient(app) as client:
        for q in ("Baghuz", "Baghouz"):
            resp = client.get("/api/search", params={"q": q, "mode": "cross"})
            assert resp.status_code == 200, resp.text
            assert [h["id"] for h in resp.json()["hits"]] == [seed_id], q
        article = client.get(f"/api/articles/{seed_id}").json()
    assert article["language"] == "ar" and "الباغوز" in article["body"]
    english = article["translations"]["en"]
    assert english["status"] == "done" and english["kind"] == "machine" and english["provider"] == "libre"
    assert english["model"].startswith("deep-translator") and english["translated_at"]
    assert "Baghuz" in english["body"] and "Baghuz" in english["title"]
    assert english["body"].count("\n") == article["body"].count("\n")
    engine.close()
