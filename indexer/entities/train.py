"""Train the Arabic tagger: ``python -m indexer.entities.train`` (or ``arshif entities train``).

Reads ANERcorp's CAMeL Lab train split and the gazetteers from ``../shared``
(never copied into the project), trains a linear-chain CRF with CRFsuite
(L-BFGS, L1+L2 regularised: the L1 term drops most features, which keeps the
model file small), and writes the model and the gazetteer it was trained with
to ``--out`` (by default the shipped model folder). ``--sentences N`` trains
on the first N sentences only: CI uses it to check that training works
without spending minutes on it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pycrfsuite

from arshif.settings import PROJECT_ROOT

from . import clusters as word_clusters
from .arabic import GAZETTEER_FILE, META_FILE, MODEL_DIR, MODEL_FILE
from .corpus import anercorp
from .features import Featuriser
from .gazetteer import FREE_SOURCES, build

DEFAULT_SHARED = PROJECT_ROOT.parent / "shared"
#: L1 0.05 keeps the model small (2.3 MB); L1 0.02 / L2 0.01 scored within 0.003 F1 of it. 150 L-BFGS
#: iterations: ~13 CPU-minutes here, most of the 2 cores being busy with other work.
PARAMS = {"c1": 0.05, "c2": 0.01, "max_iterations": 150, "feature.possible_transitions": True}


def split_dev(data: list, fraction: float) -> tuple[list, list]:
    """The train split cut in two: the first part to train on, the last ``fraction`` to tune on.

    The cut is at a sentence boundary near the end, so the held-out part is whole stretches of
    articles (ANERcorp's sentences run in article order), as the test split is."""
    cut = int(len(data) * (1 - fraction))
    return data[:cut], data[cut:]


def train(shared: Path = DEFAULT_SHARED, out: Path = MODEL_DIR, *, sentences: int | None = None,
          sources: tuple[str, ...] = FREE_SOURCES, max_iterations: int | None = None,
          clusters: Path | None = None, extended: bool = True, dev: float | None = None,
          c1: float | None = None, c2: float | None = None, log=print) -> dict:
    """Train and save; returns figures (sentences, seconds, model bytes, and dev scores with ``dev``).

    ``clusters``: a word-cluster file (:mod:`.clusters`); by default the one already in ``out``
    or the shipped one, if any. It is copied beside the model, which needs it at run time.
    ``extended``: the extended feature set (:mod:`.features`), recorded beside the model.
    ``dev``: hold out that fraction of the *train* split (never the test split) and score on it.
    """
    started = time.perf_counter()
    gazetteer = build(shared, sources)
    if clusters is None:
        for candidate in (out / word_clusters.FILE, MODEL_DIR / word_clusters.FILE):
            if candidate.exists():
                clusters = candidate
                break
    table = word_clusters.load(clusters) if clusters else None
    options = {"extended": extended}
    featuriser = Featuriser(gazetteer, clusters=table, **options)
    data = anercorp(shared, "train")
    held: list = []
    if dev:
        data, held = split_dev(data, dev)
    if sentences is not None:
        data = data[:sentences]
    trainer = pycrfsuite.Trainer(verbose=False)
    for tokens, tags in data:
        trainer.append(featuriser.sentence(tokens), tags)
    params = dict(PARAMS)
    if max_iterations is not None:
        params["max_iterations"] = max_iterations
    if c1 is not None:
        params["c1"] = c1
    if c2 is not None:
        params["c2"] = c2
    trainer.set_params(params)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / (MODEL_FILE + ".tmp")
    log(f"training on {len(data)} sentences, gazetteers: {', '.join(sources)} …")
    trainer.train(str(tmp))
    tmp.replace(out / MODEL_FILE)
    gazetteer.save(out / GAZETTEER_FILE)
    (out / META_FILE).write_text(json.dumps({"features": options, "params": params, "trained_on": len(data),
                                             "held_out": len(held)}, indent=1) + "\n", encoding="utf-8")
    if clusters and clusters.resolve() != (out / word_clusters.FILE).resolve():
        (out / word_clusters.FILE).write_bytes(clusters.read_bytes())
    figures = {
        "sentences": len(data), "seconds": round(time.perf_counter() - started, 1),
        "model_bytes": (out / MODEL_FILE).stat().st_size, "gazetteer_bytes": (out / GAZETTEER_FILE).stat().st_size,
        "iterations": trainer.logparser.last_iteration.get("num") if trainer.logparser.last_iteration else None,
    }
    log(f"wrote {out / MODEL_FILE}: {figures}")
    if held:
        figures["dev"] = dev_scores(out, held, log)
    return figures


def dev_scores(model: Path, held: list, log=print) -> dict:
    """Scores on held-out train sentences: as CRFsuite decodes, with BIO constraints, and with the
    per-article propagation ingest applies (blocks of 20 sentences stand in for articles)."""
    from .arabic import ArabicTagger, propagate
    from .scoring import score

    gold = [t for _, t in held]
    sentences = [toks for toks, _ in held]
    out = {}
    for name, tagger in (("crfsuite", ArabicTagger(model, constrained=False)), ("bio", ArabicTagger(model))):
        pred = tagger.tag_many(sentences)
        s = score(gold, pred)
        log(s.report(f"dev ({len(held)} held-out train sentences), {name} decoding"))
        out[name] = round(s.micro()[2], 4)
        if name == "bio":
            prop = []
            for i in range(0, len(sentences), 20):
                prop += propagate(sentences[i:i + 20], pred[i:i + 20])
            s = score(gold, prop)
            log(s.report("dev, bio decoding + propagation"))
            out["bio+propagation"] = round(s.micro()[2], 4)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data folder (../shared)")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="where to write the model")
    parser.add_argument("--sentences", type=int, default=None, help="train on the first N sentences only")
    parser.add_argument("--iterations", type=int, default=None, help="L-BFGS iterations (default %d)"
                        % PARAMS["max_iterations"])
    parser.add_argument("--clusters", type=Path, default=None,
                        help="word clusters (python -m indexer.entities.clusters); default: the shipped ones")
    parser.add_argument("--base-features", action="store_true", help="the base feature set (no triggers …)")
    parser.add_argument("--dev", type=float, default=None,
                        help="hold out this fraction of the train split and print scores on it (tuning)")
    parser.add_argument("--c1", type=float, default=None, help="L1 weight (default %s)" % PARAMS["c1"])
    parser.add_argument("--c2", type=float, default=None, help="L2 weight (default %s)" % PARAMS["c2"])
    parser.add_argument("--with-anetac", action="store_true",
                        help="also use ANETAC's typed names (research use only: do not ship the result)")
    args = parser.parse_args(argv)
    if not (args.shared / "ner" / "anercorp").is_dir():
        print(f"no ANERcorp under {args.shared}/ner/anercorp: pass --shared", file=sys.stderr)
        return 2
    sources = FREE_SOURCES + (("anetac",) if args.with_anetac else ())
    train(args.shared, args.out, sentences=args.sentences, sources=sources, max_iterations=args.iterations,
          clusters=args.clusters, extended=not args.base_features, dev=args.dev, c1=args.c1, c2=args.c2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
