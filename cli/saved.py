"""``arshif saved …``: saved searches from the terminal, and ``arshif saved new`` for a cron job.

``new`` prints, for each saved search, what arrived in the archive since its previous run and then moves its
mark on, so a daily cron line mails exactly the new articles (it prints nothing when nothing is new, and
cron mails nothing). Its "last run" is kept per reader (``--reader``, default ``cli``), apart from the web
page's "new since you last looked", so running it never clears the page's counts.

The CLI works on the data directory directly, like ``arshif ingest``: no API key is asked.
Output is plain text (never rich markup), so no article text can be read as formatting.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

# Defined here rather than imported from cli.main, which imports this module to register it: importing
# back would be circular when the CLI runs as ``python -m cli.main``.
DataDirOpt = typer.Option(None, "--data-dir", help="Where the archive lives [env ARSHIF_DATA_DIR, default ./data].")
EngineOpt = typer.Option(None, "--engine", help="embedded | embedded:PATH | elasticsearch+URL | opensearch+URL "
                                                "[env ARSHIF_ENGINE].")

app = typer.Typer(help="Saved searches: list, add, rename, delete, and what is new since the last run.",
                  no_args_is_help=True, rich_markup_mode=None)


def _saved(data_dir: Optional[Path], engine: Optional[str]):
    from arshif.saved_searches import SavedSearchStore
    from cli.compose import query_translator
    from cli.main import _open, _settings
    from web.saved import SavedSearches
    from web.service import SearchService

    settings = _settings(data_dir, engine)
    eng = _open(settings, readonly=settings.engine.startswith("embedded") and settings.embedded_path.exists())
    service = SearchService(settings, eng, query_translator(settings, eng))
    return SavedSearches(service, SavedSearchStore(settings.saved_searches_path), settings.archive_key)


def _fail(message: str, code: int = 2):
    from cli.main import console

    console.print(f"error: {message}", markup=False, highlight=False)
    raise typer.Exit(code)


@app.command("list")
def list_(reader: str = typer.Option("cli", help="Whose 'new since last run' to count."),
          json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
          data_dir: Optional[Path] = DataDirOpt, engine: Optional[str] = EngineOpt):
    """Every saved search with its id, its matches, and how many are new to READER."""
    saved = _saved(data_dir, engine)
    rows = saved.overview(reader)
    if json_out:
        typer.echo(json.dumps([{"id": st.search.id, "name": st.search.name, "search": st.search.params,
                                "total": st.total, "new": st.new} for st in rows], ensure_ascii=False))
        return
    if not rows:
        typer.echo("no saved searches: arshif saved add NAME QUERY")
    for st in rows:
        new = "?" if st.new is None else st.new
        typer.echo(f"{st.search.id:>4}  {st.search.name}  — {st.total} matches, {new} new  "
                   f"{json.dumps(st.search.params, ensure_ascii=False)}")


@app.command()
def add(name: str = typer.Argument(..., help="A name to list it by."),
        query: str = typer.Argument("", help="Query in the search syntax (empty: every article)."),
        mode: str = typer.Option("both", help="both | ar | en | cross."),
        source: list[str] = typer.Option([], help="Only these sources (repeatable)."),
        author: list[str] = typer.Option([], help="Only these authors (repeatable)."),
        lang: list[str] = typer.Option([], help="Only these languages (repeatable)."),
        tag: list[str] = typer.Option([], help="Only these tags (repeatable)."),
        every_copy: bool = typer.Option(False, "--every-copy", help="Count and list every copy of a story (default: "
                                                                     "one item per story, as results are grouped)."),
        data_dir: Optional[Path] = DataDirOpt, engine: Optional[str] = EngineOpt):
    """Save a search: from now on, matching articles that arrive are 'new'."""
    from pydantic import ValidationError

    from arshif.errors import BadRequest
    from arshif.saved_searches import InvalidName, NameTaken
    from arshif.search.syntax import QuerySyntaxError

    saved = _saved(data_dir, engine)
    params = {"q": query, "mode": mode, "source": source, "author": author, "lang": lang, "tag": tag,
              "group": "none" if every_copy else "story"}
    try:
        search = saved.save(name, params)
    except (NameTaken, InvalidName, QuerySyntaxError, BadRequest) as exc:
        _fail(str(exc))
    except ValidationError as exc:
        _fail(f"{exc.errors()[0]['loc'][-1]}: {exc.errors()[0]['msg']}")
    typer.echo(f"saved as {search.id}: {search.name}")


@app.command()
def rename(search_id: int = typer.Argument(..., help="Its id (arshif saved list)."),
           name: str = typer.Argument(..., help="The new name."),
           data_dir: Optional[Path] = DataDirOpt, engine: Optional[str] = EngineOpt):
    """Give a saved search another name."""
    from arshif.saved_searches import InvalidName, NameTaken, SavedSearchStore
    from cli.main import _settings

    store = SavedSearchStore(_settings(data_dir, engine).saved_searches_path)
    try:
        search = store.rename(search_id, name)
    except (NameTaken, InvalidName) as exc:
        _fail(str(exc))
    if search is None:
        _fail(f"no saved search with id {search_id}", 1)
    typer.echo(f"{search.id}: {search.name}")


@app.command()
def delete(search_id: int = typer.Argument(..., help="Its id (arshif saved list)."),
           data_dir: Optional[Path] = DataDirOpt, engine: Optional[str] = EngineOpt):
    """Delete a saved search."""
    from arshif.saved_searches import SavedSearchStore
    from cli.main import _settings

    if not SavedSearchStore(_settings(data_dir, engine).saved_searches_path).delete(search_id):
        _fail(f"no saved search with id {search_id}", 1)
    typer.echo(f"deleted {search_id}")


@app.command()
def new(reader: str = typer.Option("cli", help="Whose last run this is (one per cron job)."),
        size: int = typer.Option(10, min=1, max=100, help="At most this many articles per search."),
        base_url: str = typer.Option("", help="Link articles to this Arshif, e.g. http://127.0.0.1:8000/ "
                                              "(default: the article's own URL)."),
        json_out: bool = typer.Option(False, "--json", help="Print as JSON (one object a search, new ones only)."),
        data_dir: Optional[Path] = DataDirOpt, engine: Optional[str] = EngineOpt):
    """What is new for each saved search since the previous run, then remember this run (for cron).

    Prints nothing when nothing is new. Titles are shown in the article's language, then its translation.
    """
    saved = _saved(data_dir, engine)
    for found in saved.whats_new(reader, size):
        if found.first:
            if not json_out:
                typer.echo(f"{found.search.name}: following from now (first run on this archive)\n")
            continue
        if not found.total:
            continue
        if json_out:
            typer.echo(json.dumps({"id": found.search.id, "name": found.search.name, "new": found.total,
                                   "hits": [h.model_dump(mode="json", include={"id", "title", "translated_title",
                                                                               "language", "source", "date", "url",
                                                                               "indexed_at"}) for h in found.hits]},
                                  ensure_ascii=False))
            continue
        more = f", the newest {len(found.hits)} below" if found.total > len(found.hits) else ""
        typer.echo(f"{found.search.name}: {found.total} new{more}")
        for hit in found.hits:
            typer.echo(f"  * {hit.title or '(untitled)'}")
            if hit.translated_title:
                typer.echo(f"    [{hit.translation_language}] {hit.translated_title}")
            link = f"{base_url.rstrip('/')}/articles/{hit.id}" if base_url else (hit.url or hit.id)
            meta = " · ".join(x for x in (hit.source, str(hit.date or ""), link) if x)
            typer.echo(f"    {meta}")
            if hit.story_size > 1:
                sources = f" from {', '.join(hit.story_sources)}" if hit.story_sources else ""
                typer.echo(f"    +{hit.story_size - 1} more{sources}")
        typer.echo("")
