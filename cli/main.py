"""The ``arshif`` command: ingest, search, serve, demo, stats, saved searches.

Every subcommand reads the same settings (``ARSHIF_*`` environment variables,
see ``arshif/settings.py``); options given here override them for one run.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from arshif.settings import PROJECT_ROOT, Settings

app = typer.Typer(
    help="Arshif (أرشيف): a searchable Arabic/English news archive.\n\n"
         "Start with 'arshif demo' (ingests the shipped demo articles and serves the UI), "
         "or 'arshif ingest PATH…' then 'arshif serve'.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
console = Console(stderr=True)
out = Console()

DEMO_DIR = PROJECT_ROOT / "demo"
EXIT_SKIPPED = 3


def _settings(data_dir: Optional[Path], engine: Optional[str]) -> Settings:
    overrides = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if engine is not None:
        overrides["engine"] = engine
    return Settings(**overrides)


DataDirOpt = typer.Option(None, "--data-dir", help="Where the archive lives [env ARSHIF_DATA_DIR, default ./data].")
EngineOpt = typer.Option(None, "--engine", help="embedded | embedded:PATH | elasticsearch+URL | opensearch+URL "
                                                "[env ARSHIF_ENGINE].")


def _parse_pairs(pairs: list[str], what: str) -> dict[str, str]:
    out_: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{what} takes FIELD=VALUE, got '{pair}'")
        out_[key.strip()] = value.strip()
    return out_


def _open(settings: Settings, readonly: bool = False):
    from arshif.engines import EngineUnavailable, open_engine

    try:
        return open_engine(settings, readonly=readonly)
    except EngineUnavailable as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None


def run_ingest(paths: list[Path], settings: Settings, *, defaults=None, field_map=None, translator_name=None,
               quiet: bool = False):
    """Ingest with a progress bar and print the summary; returns the summary."""
    from indexer.pipeline import ingest
    from indexer.readers import estimate_records
    from indexer.translate import build_translator

    from indexer.translate import ProviderUnavailable

    try:
        translator = build_translator(settings, translator_name)
    except (ProviderUnavailable, ValueError) as exc:
        console.print(f"[red]error:[/red] translation provider: {exc}")
        raise typer.Exit(2) from None
    from indexer.stories import open_assigner

    engine = _open(settings)
    stories = open_assigner(settings)
    total = estimate_records(paths)
    with Progress(TextColumn("[bold]ingest[/bold]"), BarColumn(), MofNCompleteColumn(), TextColumn("records"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=console, disable=quiet,
                  transient=False) as progress:
        task = progress.add_task("ingest", total=total)
        def advance(n: int) -> None:
            progress.advance(task, n)
            t = progress.tasks[0]
            if t.total is not None and t.completed > t.total:  # the estimate missed some records
                progress.update(task, total=t.completed)

        summary = ingest(paths, engine, translator=translator, stories=stories, defaults=defaults,
                         field_map=field_map, on_progress=advance)
    if stories is not None:
        stories.close()
    if summary.indexed + summary.updated > 1000:
        engine.optimize()
    engine.close()
    return summary


def print_summary(summary) -> None:
    table = Table(title="ingest summary", show_header=False)
    for key in ("read", "indexed", "updated", "unchanged"):
        table.add_row(key, str(getattr(summary, key)))
    table.add_row("duplicates in the input", str(len(summary.duplicates)))
    table.add_row("skipped", str(len(summary.skipped)))
    table.add_row("failed", str(len(summary.failed)))
    for reason, n in summary.skipped_reasons().most_common():
        table.add_row(f"  skipped: {reason}", str(n))
    for key, value in (summary.translation or {}).items():
        table.add_row(f"translation {key}", str(value))
    console.print(table)
    for message in summary.warnings[:50]:
        console.print(f"[yellow]warning[/yellow] {message}", markup=True, highlight=False)
    for dup in summary.duplicates[:50]:
        console.print(f"[yellow]duplicate[/yellow] {dup}", markup=True, highlight=False)
    if len(summary.duplicates) > 50:
        console.print(f"… and {len(summary.duplicates) - 50} more duplicates (--json lists them all)")
    for problem in summary.skipped[:50]:
        console.print(f"[yellow]skipped[/yellow] {problem}", markup=True, highlight=False)
    if len(summary.skipped) > 50:
        console.print(f"… and {len(summary.skipped) - 50} more skipped records (see the log)")
    for aid, reason in list(summary.failed.items())[:50]:
        console.print(f"[red]failed[/red] {aid}: {reason}", highlight=False)


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., metavar="PATH...",
                                       help="Files or directories: seed .txt, .json, .jsonl, .zip (any mix).",
                                       exists=True),
    set_: list[str] = typer.Option([], "--set", metavar="FIELD=VALUE", help="Default for records that lack a field, e.g. --set source=BBC."),
    map_: list[str] = typer.Option([], "--map", metavar="KEY=FIELD", help="Map another JSON shape's key onto a field: --map headline=title."),
    translator: Optional[str] = typer.Option(None, help="Translation provider for this run [env ARSHIF_TRANSLATOR]."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    data_dir: Optional[Path] = DataDirOpt,
    engine: Optional[str] = EngineOpt,
):
    """Read articles from PATHS and index them (idempotent: re-running updates, never duplicates).

    Exit status: 0 when every record was indexed, 3 when some were skipped or failed (they are listed).
    """
    settings = _settings(data_dir, engine)
    defaults = _parse_pairs(set_, "--set")
    if "tags" in defaults:
        defaults["tags"] = [t for t in defaults["tags"].split(",") if t]
    field_map = {k: v for k, v in _parse_pairs(map_, "--map").items()}
    from indexer.readers.records import RecordMapper

    try:
        RecordMapper(defaults or None, field_map or None)  # checks the field names before reading anything
    except ValueError as exc:
        message = str(exc).replace("field_map:", "--map", 1).replace("defaults:", "--set", 1)
        console.print(f"[red]error:[/red] {message}", highlight=False)
        raise typer.Exit(2) from None
    summary = run_ingest(paths, settings, defaults=defaults or None, field_map=field_map or None,
                         translator_name=translator, quiet=quiet or json_out)
    if json_out:
        out.print_json(json.dumps(summary.as_dict(), ensure_ascii=False))
    else:
        print_summary(summary)
    raise typer.Exit(0 if summary.ok else EXIT_SKIPPED)


@app.command()
def search(
    query: str = typer.Argument("", help='Query: words, "phrases", -exclude, a OR b, source:… author:… lang:… tag:…'),
    source: list[str] = typer.Option([], help="Only these sources (repeatable)."),
    author: list[str] = typer.Option([], help="Only these authors (repeatable)."),
    lang: list[str] = typer.Option([], help="Only articles in these languages: ar, en, other."),
    tag: list[str] = typer.Option([], help="Only these collection tags."),
    date_from: Optional[str] = typer.Option(None, "--from", help="Earliest date, YYYY-MM-DD."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Latest date, YYYY-MM-DD."),
    sort: str = typer.Option("relevance", help="relevance | newest | oldest."),
    mode: str = typer.Option("both", help="both: all articles; ar / en: only that language; cross: also search "
                                          "the query translated into the other language (offline lexicon, or "
                                          "the configured provider)."),
    size: int = typer.Option(10, min=0, max=1000, help="How many hits."),
    facets: bool = typer.Option(False, "--facets", help="Also show facet counts (source, author, language, tag, "
                                                        "person, place, org)."),
    every_copy: bool = typer.Option(False, "--every-copy", help="List every copy of a story (default: one hit "
                                                                 "per story, with how many more copies match)."),
    json_out: bool = typer.Option(False, "--json", help="Print the full response as JSON."),
    data_dir: Optional[Path] = DataDirOpt,
    engine: Optional[str] = EngineOpt,
):
    """Search the archive from the terminal.

    A query that starts with '-' (an exclusion) goes after '--', e.g. arshif search -- -النفط
    """
    from pydantic import ValidationError

    from arshif.errors import BadRequest
    from arshif.search.params import DEFAULT_FACETS, SearchParams
    from arshif.search.syntax import QuerySyntaxError

    settings = _settings(data_dir, engine)
    try:
        params = SearchParams(q=query, mode=mode, sort=sort, source=source, author=author, lang=lang, tag=tag,
                              date_from=date_from, date_to=date_to,
                              facets=list(DEFAULT_FACETS) if facets else [], histogram="auto" if facets else "none",
                              group="none" if every_copy else "story")
        request = params.to_request(size=size)
    except ValidationError as exc:
        problem = exc.errors()[0]
        name = {"date_from": "--from", "date_to": "--to"}.get(str(problem["loc"][-1]), f"--{problem['loc'][-1]}")
        console.print(f"[red]error:[/red] {name}: {problem['msg']}")
        raise typer.Exit(2) from None
    except (QuerySyntaxError, BadRequest) as exc:
        console.print(f"[red]error:[/red] {str(exc).replace('date_from', '--from').replace('date_to', '--to')}")
        raise typer.Exit(2) from None
    eng = _open(settings, readonly=True)
    translator = None
    expansion = None
    if query.strip():
        from cli.compose import query_translator

        translator = query_translator(settings, eng)
    try:
        if mode == "cross" and translator is not None:
            expansion = translator.expand(query)
            request = request.model_copy(update={"alternatives": list(expansion.alternatives)})
        response = eng.search(request)
        cross_total = None
        if mode != "cross" and translator is not None and response.total < 10:
            # Few hits: say how many the cross-language search would find.
            found = eng.search(request.model_copy(update={
                "alternatives": translator.alternatives(query), "size": 0, "facets": [], "date_histogram": None,
                "highlight": False})).total
            cross_total = found if found > response.total else None
    except (QuerySyntaxError, BadRequest) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if json_out:
        data = json.loads(response.model_dump_json())
        if expansion is not None:
            data["expanded"] = list(expansion.words)
            data["alternatives"] = list(expansion.alternatives)
        data["cross_total"] = cross_total
        out.print_json(json.dumps(data, ensure_ascii=False))
        return
    import re
    strip = lambda s: re.sub(r"</?mark>", "", s)  # noqa: E731
    import html as _html
    stories = f" in {response.stories} stories" if response.stories is not None else ""
    out.print(f"{response.total} articles{stories} ({response.took_ms} ms)")
    if expansion is not None:
        words = ", ".join(expansion.words) or "nothing (no translation found)"
        out.print(f"[dim]also searched for:[/dim] {words}", highlight=False)
    if cross_total is not None:
        out.print(f"[yellow]--mode cross finds {cross_total} articles[/yellow] (the query also searched in the "
                  "other language)", highlight=False)
    for hit in response.hits:
        out.print(f"\n[bold]{_html.unescape(strip(hit.title_highlight or hit.title))}[/bold]  [dim]{hit.id}[/dim]",
                  highlight=False)
        meta = " · ".join(x for x in (hit.source, hit.author, str(hit.date or ""), hit.language) if x)
        out.print(f"[dim]{meta}[/dim]", highlight=False)
        if hit.snippet:
            text = _html.unescape(hit.snippet).replace("<mark>", "[reverse]").replace("</mark>", "[/reverse]")
            where = f"[dim]\\[translation, {hit.snippet_language}][/dim] " if hit.snippet_language != hit.language else ""
            out.print("  " + where + text.replace("\n", " "), highlight=False)
        if hit.story_size > 1:
            sources = f" from {', '.join(hit.story_sources)}" if hit.story_sources else ""
            out.print(f"  [dim]+{hit.story_size - 1} more{sources} (story {hit.story_id})[/dim]", highlight=False)
    if facets:
        for name, values in response.facets.items():
            listed = ", ".join(f"{v.value} ({v.count})" for v in values) or "(none)"
            out.print(f"\n[bold]{name}[/bold]: {listed}")
        if response.date_histogram:
            out.print(f"\n[bold]dates[/bold] (per {response.interval}): " +
                      ", ".join(f"{b.start} ({b.count})" for b in response.date_histogram))


@app.command()
def stats(data_dir: Optional[Path] = DataDirOpt, engine: Optional[str] = EngineOpt,
          json_out: bool = typer.Option(False, "--json", help="Print as JSON.")):
    """How many articles, in which languages, from how many sources, and the index size."""
    eng = _open(_settings(data_dir, engine), readonly=True)
    info = eng.stats()
    if json_out:
        out.print_json(json.dumps(info, ensure_ascii=False, default=str))
        return
    table = Table(show_header=False)
    for k, v in info.items():
        table.add_row(k, json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else str(v))
    out.print(table)


@app.command()
def translate(
    pending: bool = typer.Option(False, "--pending", help="Finish translations that failed at ingest (status pending)."),
    all_: bool = typer.Option(False, "--all", help="Translate every article that lacks a translation "
                                                   "(also those ingested with translation off)."),
    translator: Optional[str] = typer.Option(None, help="Translation provider for this run [env ARSHIF_TRANSLATOR]."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    data_dir: Optional[Path] = DataDirOpt,
    engine: Optional[str] = EngineOpt,
):
    """Translate articles already in the archive and update the index.

    Exit status: 0 when nothing is left pending, 3 when some translations are still pending (the reason is kept).
    """
    from indexer.translate import ProviderUnavailable, build_translator
    from indexer.translate.backfill import translate_archive

    if not (pending or all_):
        console.print("[red]error:[/red] say what to translate: --pending or --all")
        raise typer.Exit(2)
    settings = _settings(data_dir, engine)
    try:
        tr = build_translator(settings, translator)
    except (ProviderUnavailable, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if tr is None:
        console.print("[red]error:[/red] no translation provider: set ARSHIF_TRANSLATOR or pass --translator")
        raise typer.Exit(2)
    eng = _open(settings)
    with Progress(TextColumn("[bold]translate[/bold]"), BarColumn(), MofNCompleteColumn(), TextColumn("articles"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=console, disable=quiet or json_out) as progress:
        task = progress.add_task("translate", total=None)
        summary = translate_archive(eng, tr, include_untranslated=all_,
                                    on_total=lambda n: progress.update(task, total=n),
                                    on_progress=lambda n: progress.advance(task, n))
    eng.close()
    tr.close()
    if json_out:
        out.print_json(json.dumps(summary, ensure_ascii=False))
    else:
        table = Table(title="translate summary", show_header=False)
        for key, value in summary.items():
            if key != "translation":
                table.add_row(key, str(value))
        for key, value in summary["translation"].items():
            table.add_row(f"translation {key}", str(value))
        console.print(table)
    if summary["still_pending"]:
        raise typer.Exit(EXIT_SKIPPED)


@app.command()
def reindex(data_dir: Optional[Path] = DataDirOpt, engine: Optional[str] = EngineOpt):
    """Rebuild the index from the stored articles with the current mappings/ (searches keep working).

    On Elasticsearch/OpenSearch a new versioned index is built and the alias swapped to it atomically;
    on the embedded engine the text index (tantivy) is rebuilt and committed whole.
    """
    settings = _settings(data_dir, engine)
    eng = _open(settings)
    with Progress(TextColumn("[bold]reindex[/bold]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        task = progress.add_task("reindex", total=eng.count())
        old, new, copied = eng.reindex(progress=lambda n: progress.update(task, completed=n))
    console.print(f"reindexed {copied} articles: {old or '(none)'} -> {new}")
    eng.close()


@app.command()
def serve(
    host: Optional[str] = typer.Option(None, help="Interface to listen on [env ARSHIF_HOST, default 127.0.0.1]."),
    port: Optional[int] = typer.Option(None, help="Port [env ARSHIF_PORT, default 8000]."),
    workers: Optional[int] = typer.Option(None, min=1, max=64, help="Server processes sharing the port; more use "
                                          "more cores [env ARSHIF_WORKERS, default: one per core, at most 4]."),
    data_dir: Optional[Path] = DataDirOpt,
    engine: Optional[str] = EngineOpt,
):
    """Serve the web UI and the JSON API (OpenAPI docs at /docs)."""
    from cli.serving import serve as run_server

    settings = _settings(data_dir, engine)
    if workers is not None:
        settings = settings.model_copy(update={"workers": workers})
    if settings.engine.startswith("embedded") and not settings.embedded_path.exists():
        console.print(f"[red]error:[/red] no archive at {settings.embedded_path}: run 'arshif ingest PATH…' or "
                      "'arshif demo' first (or pass the right --data-dir)")
        raise typer.Exit(1)
    host, port = host or settings.host, port or settings.port
    console.print(f"Arshif on http://{host}:{port}/  (API docs: /docs; engine: {settings.engine}"
                  + (f"; {settings.server_processes} server processes" if settings.server_processes > 1 else "") + ")")
    run_server(settings, host, port)


@app.command()
def demo(
    serve_after: bool = typer.Option(True, "--serve/--no-serve", help="Serve the UI after ingesting."),
    host: Optional[str] = typer.Option(None, help="Interface to listen on."),
    port: Optional[int] = typer.Option(None, help="Port to listen on."),
    data_dir: Optional[Path] = DataDirOpt,
    engine: Optional[str] = EngineOpt,
):
    """Ingest the demo articles that ship with Arshif (Arabic and English, with translations), then serve."""
    settings = _settings(data_dir, engine)
    summary = run_ingest([DEMO_DIR / "articles.jsonl"], settings, quiet=True)
    print_summary(summary)
    if serve_after:
        serve(host=host, port=port, workers=None, data_dir=data_dir, engine=engine)


def _add_subcommands() -> None:
    from cli.saved import app as saved_app

    app.add_typer(saved_app, name="saved")


_add_subcommands()


EXIT_DISK_FULL = 4


def _disk_full(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) is the disk or quota running out."""
    import errno

    import apsw

    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, apsw.FullError) or (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC,
                                                                                          errno.EDQUOT)):
            return True
        if "disk is full" in str(exc) or "No space left" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


entities_app = typer.Typer(help="The people/places/organisations tagger: train it, or tag a text to see what it finds.",
                            no_args_is_help=True)
app.add_typer(entities_app, name="entities")


@entities_app.command("train")
def entities_train(
    shared: Path = typer.Option(None, "--shared", help="The shared data folder (default: ../shared)."),
    out: Path = typer.Option(None, "--out", help="Where to write the model (default: the shipped model folder)."),
    sentences: Optional[int] = typer.Option(None, "--sentences", help="Train on the first N sentences only."),
    dev: Optional[float] = typer.Option(None, "--dev", help="Hold out this fraction of the train split and "
                                        "print scores on it (for tuning; the test split is never used)."),
):
    """Train the Arabic tagger on ANERcorp (CAMeL train split) with gazetteer and word-cluster features."""
    from indexer.entities.train import main as train_main

    argv = [*(["--shared", str(shared)] if shared else []), *(["--out", str(out)] if out else []),
            *(["--sentences", str(sentences)] if sentences else []), *(["--dev", str(dev)] if dev else [])]
    raise typer.Exit(train_main(argv))


@entities_app.command("tag")
def entities_tag(text: str = typer.Argument(..., help="Arabic or English text"),
                 lang: Optional[str] = typer.Option(None, "--lang", help="ar or en (default: detected)")):
    """Show the people, places and organisations found in TEXT, with the keys they are counted under."""
    from arshif.model import Article
    from indexer.entities import EntityTagger
    from indexer.language import detect_language

    article = Article(body=text, language=lang or detect_language("", text))
    EntityTagger().tag(article)
    for e in article.entities:
        console.print(f"{e.kind:<7} {e.key}  [dim]({e.name}, ×{e.count})[/dim]")
    if not article.entities:
        console.print("[dim](none)[/dim]")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except Exception as exc:
        if not _disk_full(exc):
            raise
        # An 80-line traceback hides the one thing to do. SQLite rolled back the unfinished batch, so the
        # archive holds every article written before, and running the command again resumes.
        print("arshif: the disk is full: free some space and run the same command again (articles written "
              "so far are kept)", file=sys.stderr)
        sys.exit(EXIT_DISK_FULL)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
