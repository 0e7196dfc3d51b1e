"""``arshif saved``: what a cron job prints — each saved search's new matches since its previous run, once.

Also: saved searches survive ``arshif reindex`` and a fresh process (the CLI opens everything anew each run),
and the cron reader's runs never clear the web page's "new" counts.
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from arshif.saved_searches import SavedSearchStore
from arshif.settings import Settings
from cli.main import app
from tests.conftest import DEMO


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def write(path, *articles: dict):
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    return str(path)


def test_cron_prints_each_new_match_once_and_survives_reindex(tmp_path):
    d = ["--data-dir", str(tmp_path / "data")]
    run("ingest", str(DEMO), *d)
    assert "saved as 1: Metro" in run("saved", "add", "Metro", "metro", "--mode", "en", *d)
    assert "saved as 2" in run("saved", "add", "Dates", "dates harvest", *d)
    assert run("saved", "new", *d) == ""  # nothing arrived since saving: cron mails nothing

    arrivals = write(tmp_path / "a.jsonl",
                     {"url": "https://x.example/1", "title": "قطار الرياض يفتتح خطاً جديداً", "language": "ar",
                      "body": "افتتح القطار خطاً جديداً.", "source": "wire",
                      "translations": {"en": {"language": "en", "title": "The metro opens a new line",
                                              "body": "The metro opened a new line.", "status": "done"}}},
                     {"url": "https://x.example/2", "title": "Metro fares rise", "language": "en",
                      "body": "Tickets on the metro cost more.", "source": "wire"},
                     {"url": "https://x.example/3", "title": "Fishing season opens", "language": "en",
                      "body": "Boats leave the harbour.", "source": "wire"})
    run("ingest", arrivals, *d)
    printed = run("saved", "new", "--base-url", "http://arshif.local/", *d)
    assert printed.startswith("Metro: 1 new\n")  # mode en: the Arabic article matches in translation only
    assert "  * Metro fares rise\n" in printed and "http://arshif.local/articles/" in printed
    assert "Dates" not in printed and "Fishing" not in printed and "قطار" not in printed
    assert run("saved", "new", *d) == ""  # printed once, never again

    run("reindex", *d)
    assert run("saved", "new", *d) == ""  # reindexing makes nothing new
    listing = run("saved", "list", "--json", *d)
    assert [(s["id"], s["name"]) for s in json.loads(listing)] == [(2, "Dates"), (1, "Metro")]
    run("ingest", write(tmp_path / "b.jsonl", {"url": "https://x.example/4", "title": "Dates harvest begins",
                                               "body": "Farmers pick dates.", "language": "en"}), *d)
    assert run("saved", "new", *d).startswith("Dates: 1 new\n  * Dates harvest begins\n")

    # The page's reader has not looked at anything: both arrivals are still new to it.
    store = SavedSearchStore(Settings(data_dir=tmp_path / "data").saved_searches_path)
    assert [s.name for s in store.list()] == ["Dates", "Metro"]
    page = json.loads(run("saved", "list", "--json", "--reader", "page", *d))
    assert {s["name"]: s["new"] for s in page} == {"Dates": 1, "Metro": 1}

    assert run("saved", "rename", "1", "Metro lines", *d).strip() == "1: Metro lines"
    assert run("saved", "delete", "2", *d).strip() == "deleted 2"
    assert [s["name"] for s in json.loads(run("saved", "list", "--json", *d))] == ["Metro lines"]


def test_cli_refuses_a_broken_query_and_a_taken_name(tmp_path):
    d = ["--data-dir", str(tmp_path / "data")]
    run("ingest", str(DEMO), *d)
    run("saved", "add", "Oil", "oil", *d)
    for args in (["Oil2", '"unclosed'], ["oil", "other"]):
        result = CliRunner().invoke(app, ["saved", "add", *args, *d])
        assert result.exit_code == 2 and "error:" in result.output
    assert len(json.loads(run("saved", "list", "--json", *d))) == 1
