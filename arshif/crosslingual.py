"""Cross-lingual queries: a query in one language is also run in the other (``mode=cross``).

:meth:`CrossLingual.alternatives` turns a query into phrasings in the other
language, in the simple query syntax; the search service ORs them with the
query itself. Where they come from, in order:

1. **A translation provider**, when one is configured (``ARSHIF_TRANSLATOR`` not
   ``none``): each run of words (and each quoted phrase) is translated through
   the same translator and on-disk cache as ingest, with one short attempt — a
   provider that is down costs one timeout, never an error page.
2. **The bilingual lexicon** (:mod:`arshif.lexicon`): the words are split into
   the longest known terms (``Iran nuclear deal`` is one; ``oil prices`` is
   one), each becoming its forms in the other language — names as exact
   phrases, also with an attached و/ب/ل/ف/ك (``"وزارة الصحة" OR "بوزارة الصحة"
   OR …``), other terms as stemmed words.
3. **Transliteration** of the names the lexicon does not know (``Baghouz`` →
   باغوز; ``القحطاني`` → ``qahtani``): rule-generated spellings, of which only
   those that occur in the index's vocabulary are kept (so it costs nothing
   when it finds nothing).

Forms that do not occur in the archive are dropped when the engine can tell
(:meth:`~arshif.engines.base.Engine.vocabulary_counts`), which keeps the
alternatives short. Each returned string parses with the simple syntax (they
are checked); words that cannot be rendered in the other language are left out
of the alternative rather than made to fail it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict

from arshif.analysis import get_analyzer
from arshif.lexicon import Entry, Lexicon, add_clitic, load_lexicon, script_of, strip_clitic
from arshif.lexicon.translit import arabic_to_latin, latin_to_arabic
from arshif.search.syntax import And, Node, Not, Or, Phrase, QuerySyntaxError, Words, parse_query
from arshif.settings import Settings

log = logging.getLogger("arshif.crosslingual")

MAX_FORMS = 8            # target-language forms taken from the lexicon per term
MAX_FRAGMENTS = 24       # query fragments kept per term (forms as written first, then with prefixes)
MAX_TRANSLIT = 3         # transliterations kept per name
TRANSLIT_CANDIDATES = 150  # spellings generated (and looked up) per name
TRANSLIT_MIN_SHARE = 0.05  # …each at least this share of the best candidate's score
QUERY_TIMEOUT = 5.0      # seconds a provider may take to translate a query
_SYNTAX_CHARS = re.compile(r"[\"“”«»():]")


def _exact(text: str) -> tuple[str, ...]:
    return tuple(get_analyzer("arshif_exact").terms(text))


def _stems(text: str) -> tuple[str, ...]:
    return tuple(get_analyzer("arshif_text").terms(text))


def safe_words(text: str) -> str:
    """``text`` as plain query words: no quotes, brackets, field prefixes, leading '-' or bare OR."""
    text = _SYNTAX_CHARS.sub(" ", text)
    words = [w.lstrip("-") for w in text.split()]
    return " ".join(w if w != "OR" else "or" for w in words if w)


def phrase(text: str) -> str | None:
    words = safe_words(text)
    return f'"{words}"' if words else None


class CrossLingual:
    """Query alternatives in the other language; see the module docstring.

    ``engine`` is used for vocabulary look-ups (opened read-only from ``settings``
    on first use when not given); ``translator`` is an :class:`indexer.translate.Translator`
    or None (lexicon and transliteration only).
    """

    def __init__(self, settings: Settings | None = None, *, engine=None, translator=None,
                 lexicon: Lexicon | None = None, cache_size: int = 512, cache_ttl: float = 300.0):
        self.settings = settings
        self._engine = engine
        self._engine_retry_at = 0.0
        self.translator = translator
        self._lexicon = lexicon
        self._cache: OrderedDict[str, tuple[float, list[str]]] = OrderedDict()
        self._cache_size = cache_size
        self._cache_ttl = cache_ttl
        self._lock = threading.Lock()

    # --- resources -----------------------------------------------------------------------

    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = load_lexicon()
        return self._lexicon

    def _engine_or_none(self):
        if self._engine is None and self.settings is not None and time.monotonic() >= self._engine_retry_at:
            # Opened on first use; retried a minute later when there was no archive yet.
            self._engine_retry_at = time.monotonic() + 60
            try:
                from arshif.engines import open_engine

                embedded = self.settings.engine.startswith("embedded")
                if not embedded or self.settings.embedded_path.exists():
                    self._engine = open_engine(self.settings, readonly=embedded)
            except Exception as exc:  # noqa: BLE001 - no vocabulary: lexicon only
                log.warning("cross-lingual search without vocabulary look-ups: %s", exc)
        return self._engine

    def _vocab(self, terms, exact: bool = False) -> dict[str, int] | None:
        engine = self._engine_or_none()
        if engine is None:
            return None
        try:
            return engine.vocabulary_counts(list(terms), exact=exact)
        except Exception as exc:  # noqa: BLE001
            log.warning("vocabulary look-up failed: %s", exc)
            return None

    # --- the public call -----------------------------------------------------------------

    def alternatives(self, q: str) -> list[str]:
        """Phrasings of ``q`` in the other language (simple syntax), best first; [] when there are none."""
        q = (q or "").strip()
        if not q:
            return []
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(q)
            if hit and now - hit[0] < self._cache_ttl:
                self._cache.move_to_end(q)
                return list(hit[1])
        result = self._alternatives(q)
        with self._lock:
            self._cache[q] = (now, result)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return list(result)

    def _alternatives(self, q: str) -> list[str]:
        try:
            parsed = parse_query(q)
        except QuerySyntaxError:
            return []
        node = _positive(parsed.text)
        if node is None:
            return []
        source = script_of(" ".join(_leaf_texts(node)))
        if source is None:
            return []
        target = "en" if source == "ar" else "ar"
        out: list[str] = []
        if self.translator is not None:
            groups = self._render(node, source, target, self._provider_run)
            if groups:
                out += _strings(groups, flat=False)
        groups = self._render(node, source, target, self._lexicon_run)
        if groups:
            out += _strings(groups, flat=True)
        seen = {q}
        valid = []
        for alt in out:
            if alt in seen or not _parses(alt):
                continue
            seen.add(alt)
            valid.append(alt)
        return valid

    # --- rendering the query tree --------------------------------------------------------

    def _render(self, node: Node, source: str, target: str, run) -> list[list[str]]:
        """The tree as a conjunction of groups (each group: fragments to OR)."""
        if isinstance(node, Words):
            return run([node.text], source, target, False)
        if isinstance(node, Phrase):
            return run(node.text.split(), source, target, True)
        if isinstance(node, Or):
            fragments = []
            for child in node.children:
                s = _join(self._render(child, source, target, run))
                if s:
                    fragments.append(s)
            return [fragments] if fragments else []
        if isinstance(node, And):
            groups: list[list[str]] = []
            words: list[str] = []
            for child in node.children:
                if isinstance(child, Words):
                    words.append(child.text)
                    continue
                if words:
                    groups += run(words, source, target, False)
                    words = []
                if not isinstance(child, Not):
                    groups += self._render(child, source, target, run)
            if words:
                groups += run(words, source, target, False)
            return groups
        return []

    # --- provider ------------------------------------------------------------------------

    def _provider_run(self, words: list[str], source: str, target: str, is_phrase: bool) -> list[list[str]]:
        todo = [w for w in words if script_of(w) == source]
        kept = [safe_words(w) for w in words if script_of(w) != source and safe_words(w)]
        if not todo:
            return [[w] for w in kept]
        try:
            translated = self.translator.translate_text(" ".join(todo), source, target, attempts=1)
        except Exception as exc:  # noqa: BLE001 - the lexicon still answers
            log.warning("query translation failed (%s); using the lexicon only", exc)
            return []
        text = safe_words(translated)
        if not text:
            return []
        if is_phrase:
            frag = phrase(text)
        else:
            frag = text if len(text.split()) == 1 else f"({text})"
        return [[frag]] + [[w] for w in kept] if frag else []

    # --- lexicon and transliteration -----------------------------------------------------

    def _lexicon_run(self, words: list[str], source: str, target: str, is_phrase: bool) -> list[list[str]]:
        groups: list[list[str]] = []
        segments = self.lexicon.segment(words, source)
        single = len(words) == 1
        for span, entries in segments:
            if entries:
                frags = self._fragments(entries, target)
            else:
                word = span[0]
                script = script_of(word)
                if script is None:
                    frags = [safe_words(word)] if any(ch.isdigit() for ch in word) else []
                elif script == target:
                    frags = [safe_words(word)]
                elif source == "en" and (single or word[:1].isupper()):
                    frags = self._transliterate_to_arabic(word)
                elif source == "ar":
                    frags = self._transliterate_to_latin(word)
                else:
                    frags = []
            frags = [f for f in dict.fromkeys(frags) if f]
            if frags:
                groups.append(frags[:MAX_FRAGMENTS])
        return groups

    def _fragments(self, entries: list[Entry], target: str) -> list[str]:
        forms: list[tuple[str, str]] = []
        curated = [e for e in entries if e.source == "news_terms"]
        for entry in curated or entries:  # the hand-written entry wins over generated place names
            for form in entry.forms(target)[: (MAX_FORMS if entry.source == "news_terms" else 4)]:
                if form not in (f for f, _ in forms):
                    forms.append((form, entry.match))
        forms = forms[:MAX_FORMS]
        if target == "ar":
            return self._arabic_fragments(forms)
        return self._english_fragments(forms)

    def _arabic_fragments(self, forms: list[tuple[str, str]]) -> list[str]:
        """Arabic forms as query fragments, keeping those the archive holds (when it can tell)."""
        candidates: list[tuple[str, str, tuple[str, ...], bool]] = []  # fragment, kind, terms, common
        base_forms = [phrase(f) for f, _ in forms] + [safe_words(f) for f, _ in forms] + \
                     [f"({safe_words(f)})" for f, _ in forms]
        for form, match in forms:
            words = form.split()
            if match == "exact":
                variants = [(form, True)] + [(" ".join([w, *words[1:]]), w[0] in "وبل" and len(w) - len(words[0]) == 1)
                                             for w in add_clitic(words[0])]
                for v, common in variants:
                    terms = _exact(v)
                    frag = phrase(v)
                    if terms and frag:
                        candidates.append((frag, "exact", terms, common))
            else:
                terms = _stems(form)
                if not terms:
                    continue
                if len(words) == 1:
                    candidates.append((safe_words(form), "stem", terms, True))
                else:
                    frag = phrase(form)
                    if frag:
                        candidates.append((frag, "exact", _exact(form), True))
                    candidates.append((f"({safe_words(form)})", "stem", terms, True))
        exact_vocab = self._vocab({t for _, k, ts, _ in candidates if k == "exact" for t in ts}, exact=True)
        stem_vocab = self._vocab({t for _, k, ts, _ in candidates if k == "stem" for t in ts})
        out = []
        for frag, kind, terms, common in candidates:
            vocab = exact_vocab if kind == "exact" else stem_vocab
            if vocab is None:
                if common:  # cannot check: the forms as written and with و/ب/ل attached
                    out.append(frag)
            elif all(t in vocab for t in terms):
                out.append(frag)
        # Every form as written before any form with a prefix attached, so a cap keeps all the forms.
        bases = set(base_forms)
        return [f for f in out if f in bases] + [f for f in out if f not in bases]

    def _english_fragments(self, forms: list[tuple[str, str]]) -> list[str]:
        candidates = []
        for form, _ in forms:
            words = safe_words(form)
            if not words:
                continue
            if len(words.split()) == 1:
                candidates.append((words, _stems(words), False))
            else:
                candidates.append((f'"{words}"', _exact(words), True))
        exact_vocab = self._vocab({t for _, ts, e in candidates if e for t in ts}, exact=True)
        stem_vocab = self._vocab({t for _, ts, e in candidates if not e for t in ts})
        out = []
        for frag, terms, is_exact in candidates:
            vocab = exact_vocab if is_exact else stem_vocab
            if not terms:
                continue
            if vocab is None or all(t in vocab for t in terms):
                out.append(frag)
        return out

    def _transliterate_to_arabic(self, word: str) -> list[str]:
        if len(re.sub(r"[^A-Za-z]", "", word)) < 4 or not _stems(word):
            return []
        scored = latin_to_arabic(word, limit=TRANSLIT_CANDIDATES)
        # An Arabic candidate counts when the archive has it as written, with the article ال, or with
        # an attached conjunction/preposition: exact forms, since the stemmer would strip a leading
        # و/ب/ل/ف/ك from any candidate and find unrelated words.
        forms: dict[str, list[str]] = {}
        for cand, _ in scored:
            exact = _exact(cand)
            if len(exact) != 1 or len(exact[0]) < 3:
                continue
            base = exact[0]
            with_article = base if base.startswith("ال") else "ال" + base
            variants = [base, with_article, "و" + base, "ب" + base, "ل" + base, "و" + with_article,
                        "ب" + with_article, "لل" + with_article[2:]]
            forms[cand] = variants
        vocab = self._vocab({v for vs in forms.values() for v in vs}, exact=True)
        best = self._best(scored, lambda c: c in forms and any(v in vocab for v in forms[c]), vocab)
        # Searched as the exact forms found (a stemmed candidate could reach unrelated words).
        found = [v for cand in best for v in forms[cand] if v in vocab]
        return [f'"{v}"' for v in dict.fromkeys(found)][:MAX_FRAGMENTS]

    def _transliterate_to_latin(self, word: str) -> list[str]:
        exact = _exact(word)
        if not exact:
            return []
        sources = [exact[0], *strip_clitic(exact[0])]
        scored: dict[str, float] = {}
        for i, form in enumerate(sources):
            if len(form) < 3:
                continue
            for cand, score in arabic_to_latin(form, limit=TRANSLIT_CANDIDATES):
                score *= 1.0 if i == 0 else 0.8
                if score > scored.get(cand, 0.0):
                    scored[cand] = score
        ranked = sorted(scored.items(), key=lambda kv: -kv[1])
        stems = {c: _stems(c) for c, _ in ranked}
        stems = {c: t for c, t in stems.items() if len(t) == 1 and len(t[0]) >= 3}
        vocab = self._vocab({t[0] for t in stems.values()})
        return self._best(ranked, lambda c: c in stems and stems[c][0] in vocab, vocab)

    @staticmethod
    def _best(scored: list[tuple[str, float]], known, vocab) -> list[str]:
        """The best few candidates the archive knows (none when the engine cannot tell)."""
        if not vocab:
            return []
        kept: list[str] = []
        best = None
        for cand, score in scored:
            if not known(cand):
                continue
            if best is None:
                best = score
            elif score < best * TRANSLIT_MIN_SHARE:
                break
            kept.append(safe_words(cand))
            if len(kept) >= MAX_TRANSLIT:
                break
        return kept


# --- helpers -----------------------------------------------------------------------------------


def _positive(node: Node | None) -> Node | None:
    """The part of a query that says what to find (exclusions are applied to every alternative anyway)."""
    if node is None or isinstance(node, Not):
        return None
    if isinstance(node, And):
        kids = [c for c in node.children if not isinstance(c, Not)]
        if not kids:
            return None
        return kids[0] if len(kids) == 1 else And(tuple(kids))
    return node


def _leaf_texts(node: Node) -> list[str]:
    if isinstance(node, (Words, Phrase)):
        return [node.text]
    if isinstance(node, Not):
        return []
    return [t for c in node.children for t in _leaf_texts(c)]


def _group(fragments: list[str]) -> str:
    return fragments[0] if len(fragments) == 1 else "(" + " OR ".join(fragments) + ")"


def _join(groups: list[list[str]]) -> str:
    return " ".join(_group(g) for g in groups if g)


def _strings(groups: list[list[str]], flat: bool) -> list[str]:
    """Alternatives as query strings: one per fragment when there is a single group, else one combined."""
    groups = [g for g in groups if g]
    if not groups:
        return []
    if flat and len(groups) == 1:
        return [f[1:-1] if f.startswith("(") and f.endswith(")") and " OR " not in f else f for f in groups[0]]
    for cap in (None, 6, 3, 1):
        s = _join([g[:cap] if cap else g for g in groups])
        if _parses(s):
            return [s]
    return []


def _parses(alt: str) -> bool:
    try:
        parsed = parse_query(alt)
    except QuerySyntaxError:
        return False
    return parsed.text is not None and not parsed.filters and not parsed.excluded


def default_query_translator(settings: Settings, engine=None, translator=None) -> CrossLingual:
    """What the web app uses for ``mode=cross``: lexicon and transliteration, plus ``translator`` —
    a provider built by whoever composes the app (the CLI), or None to stay offline.

    ``engine`` (optional) is the engine to ask for vocabulary; by default one is opened
    read-only from ``settings`` on first use. The lexicon loads in the background.
    """
    threading.Thread(target=load_lexicon, name="lexicon-load", daemon=True).start()
    return CrossLingual(settings, engine=engine, translator=translator)
