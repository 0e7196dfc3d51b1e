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
   phrases (a one-word name also with an attached و/ب/ل/ف/ك), other terms as
   stemmed words.
3. **Multi-word names as units** (``Adel al-Jubeir``, ``Abu Bakr al-Baghdadi``):
   each word's spellings (name lists, dictionary, transliteration rules; bin →
   بن, Abu → أبو, al- → ال, Abdel → عبد ال), joined into whole names that are
   kept only when the archive holds them as phrases, likeliest first.
4. **The word dictionary** (:mod:`arshif.lexicon.dictionary`) for other words:
   aligned Tatoeba/NTREX pairs, and MUSE when the user built it; translations
   weighted, checked against the archive's stems, too-common ones dropped.
5. **Transliteration** of the names nothing else knows (``Baghouz`` →
   باغوز; ``القحطاني`` → ``qahtani``): rule-generated spellings, of which only
   those that occur in the index's vocabulary are kept.

Function words (question words, auxiliaries) are never translated. One or two
translated parts are all required; from three on (a question) they are OR-ed,
so BM25 ranks the articles holding more and rarer of them first.
:meth:`CrossLingual.expand` also returns the other-language words searched, for
the page, the API (``expanded``) and the CLI to show.

Forms that do not occur in the archive are dropped when the engine can tell
(:meth:`~arshif.engines.base.Engine.vocabulary_counts`), which keeps the
alternatives short. Each returned string parses with the simple syntax (they
are checked); words that cannot be rendered in the other language are left out
of the alternative rather than made to fail it.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from arshif.analysis import get_analyzer
from arshif.engines.base import is_question
from arshif.lexicon import Entry, Lexicon, add_clitic, load_lexicon, script_of, strip_clitic
from arshif.lexicon.dictionary import Dictionary, is_loaded, load_dictionary
from arshif.lexicon.function_words import AR_FUNCTION_NORM, EN_FUNCTION
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
DICT_CANDIDATES = 12     # dictionary translations looked up per word
DICT_FORMS = 3           # …of which at most this many are searched
DICT_MIN_SHARE = 0.3     # …each at least this share of the best one's weight
NAME_MIN_SHARE = 0.2     # spellings of a name kept: at least this share of the best one's weight
NAME_PIECE_FORMS = 4     # spellings kept per word of a multi-word name
NAME_COMBOS = 8          # whole-name spellings whose occurrence in the archive is checked
ENGLISH_COMMON_DF = 20   # an untranslated lower-case word in this many articles is everyday English, not a name
COMMON_SHARE = 0.15      # a translated word in more than this share of the archive is too common to search
BAG_MIN_GROUPS = 3       # from this many translated parts on, they are OR-ed (a question), not AND-ed
QUESTION_MIN_GROUPS = 2  # …and from two on for a question (engines.base.is_question): "What did Lady Gaga sing?"
                         # is answered by the article that has غنت, not the dictionary's الغناء
BAG_MAX_CLAUSES = 60     # words and phrases in one OR-ed alternative (the syntax allows 64)
BAG_DEPTH = 9            # forms taken per part into an OR-ed alternative (the most likely ones)
NAME_PARTICLES = {"bin": "بن", "ibn": "بن", "ben": "بن", "bint": "بنت", "abu": "ابو", "abou": "ابو", "abo": "ابو",
                  "umm": "ام", "um": "ام"}
ABD_PREFIXES = ("abdel", "abdul", "abdal", "abd", "abdol", "abdil")
_LATIN_ARTICLE = re.compile(r"^(?:al|el|ul|ar|as|ash|ad|at|an|az|adh|ath)[-'’]")
_ABD_JOINED = re.compile(r"^(abd[-'’]?(?:e|u|a|o|i)?l[-'’]?)([a-z]{3,})$")
_SYNTAX_CHARS = re.compile(r"[\"“”«»():]")


@lru_cache(maxsize=65536)
def _exact(text: str) -> tuple[str, ...]:
    return tuple(get_analyzer("arshif_exact").terms(text))


def _base_and_article(candidate: str) -> tuple[str, str] | None:
    """A one-word Arabic candidate's exact form and that form with the article ال (None: several words or
    under three letters, too short to look up on its own)."""
    exact = _exact(candidate)
    if len(exact) != 1 or len(exact[0]) < 3:
        return None
    base = exact[0]
    return base, base if base.startswith("ال") else "ال" + base


@lru_cache(maxsize=65536)
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
                 lexicon: Lexicon | None = None, dictionary: Dictionary | None = None, cache_size: int = 512, cache_ttl: float = 300.0):
        self.settings = settings
        self._engine = engine
        self._engine_retry_at = 0.0
        self.translator = translator
        self._lexicon = lexicon
        self._dictionary = dictionary
        self._doc_count: int | None = None
        self._lang_counts: dict[str, int] = {}
        self._cache: OrderedDict[str, tuple[float, Expansion]] = OrderedDict()
        self._cache_size = cache_size
        self._cache_ttl = cache_ttl
        self._lock = threading.Lock()

    # --- resources -----------------------------------------------------------------------

    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = load_lexicon()
        return self._lexicon

    @property
    def dictionary(self) -> Dictionary:
        if self._dictionary is None:
            self._dictionary = load_dictionary(self.settings.lexicon_path if self.settings is not None else None)
        return self._dictionary

    @property
    def ready(self) -> bool:
        """Whether the lexicon and dictionary are loaded, so a translation takes milliseconds (loading
        takes seconds: optional work such as the page's cross-mode offer skips it until then)."""
        lexicon = self._lexicon is not None or load_lexicon.cache_info().currsize > 0
        path = self.settings.lexicon_path if self.settings is not None else None
        return lexicon and (self._dictionary is not None or is_loaded(path))

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
        return list(self.expand(q).alternatives)

    def expand(self, q: str) -> "Expansion":
        """The alternatives of ``q`` and the other-language words they search, for showing to the reader."""
        q = (q or "").strip()
        if not q:
            return Expansion()
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(q)
            if hit and now - hit[0] < self._cache_ttl:
                self._cache.move_to_end(q)
                return hit[1]
        result = self._expand(q)
        with self._lock:
            self._cache[q] = (now, result)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result

    def _expand(self, q: str) -> "Expansion":
        try:
            parsed = parse_query(q)
        except QuerySyntaxError:
            return Expansion()
        node = _positive(parsed.text)
        if node is None:
            return Expansion()
        source = script_of(" ".join(_leaf_texts(node)))
        if source is None:
            return Expansion()
        target = "en" if source == "ar" else "ar"
        out: list[str] = []
        via = []
        if self.translator is not None:
            groups = self._render(node, source, target, self._provider_run)
            if groups:
                out += _strings(groups, flat=False)
                via.append("provider")
        groups = self._render(node, source, target, self._lexicon_run)
        if groups:
            out += _strings(groups, flat=True, bag_from=QUESTION_MIN_GROUPS if is_question(q) else BAG_MIN_GROUPS)
            via.append("lexicon")
        seen = {q}
        valid = []
        for alt in out:
            if alt in seen or not _parses(alt):
                continue
            seen.add(alt)
            valid.append(alt)
        return Expansion(tuple(valid), tuple(shown_words(valid, target)), target if valid else None,
                         tuple(via) if valid else ())

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

    # --- lexicon, dictionary and transliteration -------------------------------------------

    def _lexicon_run(self, words: list[str], source: str, target: str, is_phrase: bool) -> list[list[str]]:
        groups: list[list[str]] = []
        single = len(words) == 1
        if source == "en" and words and not is_phrase and not (len(words) > 1 and _clean_latin(words[1])[:1].isupper()):
            words = [self._sentence_case(words[0]), *words[1:]]  # not "King Abdulaziz": a name's first word
        for kind, span in _name_runs(words, source):
            if kind == "name" and not self.lexicon.lookup(" ".join(span), source):
                frags = self._name_fragments(span)
                if frags:
                    groups.append(frags[:MAX_FRAGMENTS])
                    continue
                if len(span) >= 3 and not any(len(part) > 1 and entries
                                              for part, entries in self.lexicon.segment(span, source)):
                    # "Super Bowl XLIX", "Carolina Panthers Stadium": the name is the run without the word
                    # the archive cannot spell with it (searched as typed / translated on its own), when the
                    # archive holds the rest as a phrase; a run the lexicon knows part of ("King Abdulaziz
                    # University") is segmented by the lexicon instead.
                    for head, tail in ((span[:-1], span[-1:]), (span[1:], span[:1])):
                        frags = self._name_fragments(head, whole_only=True)
                        if frags:
                            groups.append(frags[:MAX_FRAGMENTS])
                            groups += self._segment_groups(tail, source, target, single)
                            break
                    else:
                        groups += self._segment_groups(span, source, target, single)
                    continue
            groups += self._segment_groups(span, source, target, single)
        return groups

    def _sentence_case(self, word: str) -> str:
        """The first word of a query in lower case when its capital is only the sentence's ("Name a common
        disease": name is a word the dictionary translates, not a name to spell in Arabic letters). The
        caller leaves it alone when a capitalised word follows (King Abdulaziz, Carolina Panthers)."""
        clean = _clean_latin(word)
        if not clean[:1].isupper() or clean.isupper() or not clean[1:].islower():
            return word
        if self.lexicon.lookup(clean, "en") or not self.dictionary.translate_word(clean.lower(), "en"):
            return word  # a known term or name (Riyadh, Tesla) keeps its capital
        return word.replace(clean, clean.lower(), 1)

    def _segment_groups(self, words: list[str], source: str, target: str, single: bool) -> list[list[str]]:
        groups: list[list[str]] = []
        segments = []
        for span, entries in self.lexicon.segment(words, source):
            if entries and source == "ar" and len(span) == 1 and _exact(span[0])[:1] and \
                    _exact(span[0])[0] in AR_FUNCTION_NORM:
                continue  # متى كان: "was", not Cannes
            if entries and source == "en":
                entries = [e for e in entries if _english_match_ok(span, e)]
                if not entries and len(span) > 1:
                    segments += [([w], []) for w in span]
                    continue
            segments.append((span, entries))
        for span, entries in segments:
            if entries:
                frags = self._fragments(entries, target)
            else:
                word = span[0]
                script = script_of(word)
                if script is None:
                    frags = [safe_words(_clean_latin(word))] if any(ch.isdigit() for ch in word) else []
                elif script == target:
                    frags = [safe_words(_clean_latin(word))]
                elif source == "en" and _is_acronym(word):
                    frags = [safe_words(_clean_latin(word))]  # NFL, AFC, OPEC: Arabic text writes them in Latin letters or spells them out
                elif source == "en" and _clean_latin(word).lower() in EN_FUNCTION:
                    frags = []
                elif source == "en":
                    frags = self._word_to_arabic(word, single)
                else:
                    frags = self._word_to_english(word)
            frags = [f for f in dict.fromkeys(frags) if f]
            if frags:
                groups.append(frags[:MAX_FRAGMENTS])
        return groups

    # English → Arabic ----------------------------------------------------------------------

    def _word_to_arabic(self, word: str, single: bool) -> list[str]:
        """A word not in the lexicon: its dictionary translations the archive holds, and for a name its spellings."""
        clean = _clean_latin(word)
        if not clean or clean.lower() in EN_FUNCTION or not _stems(clean):
            return []
        capital = clean[:1].isupper()
        frags = self._dictionary_forms(self.dictionary.translate_word(clean, "en"), "ar")
        if not capital and not single and not frags and self._common_english(clean):
            # "shown", "two", "mainly" in a question: plain English the dictionary lacks, not a name; spelt in
            # Arabic letters they match rare unrelated words (شون, توو) whose weight would outrank the rest.
            return []
        if capital or single or not frags:
            names = self._name_spellings(clean)
            if names:
                frags = [f'"{n}"' for n in names] + frags if capital else frags + [f'"{n}"' for n in names]
            elif capital or single or len(clean) >= 6:
                frags += [f for f in self._transliterate_to_arabic(clean) if f not in frags]
        return frags

    def _common_english(self, word: str) -> bool:
        """Whether the archive's English articles use ``word`` often (in at least ENGLISH_COMMON_DF of them),
        so that it is an everyday word rather than a name or a loanword (oxygen, plastome). False when the
        engine cannot tell or the archive holds little English."""
        terms = _stems(word)
        if len(terms) != 1:
            return False
        vocab = self._vocab([terms[0]])
        return bool(vocab) and vocab.get(terms[0], 0) >= ENGLISH_COMMON_DF

    def _dictionary_forms(self, candidates: list[tuple[str, float]], target: str) -> list[str]:
        """Dictionary translations (stemmed words) the archive holds, most likely first, common words left out."""
        candidates = [(f, w) for f, w in candidates if script_of(f) == target][:DICT_CANDIDATES]
        stems = {f: _stems(f) for f, _ in candidates}
        stems = {f: t for f, t in stems.items() if len(t) == 1}
        vocab = self._vocab({t[0] for t in stems.values()})
        limit = self._common_limit(target)
        kept: list[tuple[str, float]] = []
        seen = set()
        for form, weight in candidates:
            terms = stems.get(form)
            if not terms or terms[0] in seen:
                continue
            if vocab is not None:
                df = vocab.get(terms[0], 0)
                if not df or (limit and df > limit):
                    continue
                weight *= 1.0 + 0.1 * math.log10(df)  # a spelling the archive uses more is more likely
            seen.add(terms[0])
            kept.append((form, weight))
        kept.sort(key=lambda kv: -kv[1])
        if not kept:
            return []
        best = kept[0][1]
        return [safe_words(f) for f, w in kept if w >= best * DICT_MIN_SHARE][:DICT_FORMS]

    def _name_spellings(self, word: str, article: bool | None = None) -> list[str]:
        """Arabic spellings of one Latin name word that the archive holds (exact forms), best first."""
        cands = self._name_candidates(word)
        forms: dict[str, float] = {}
        for cand, w in cands:
            forms_of = _base_and_article(cand)
            if forms_of is None:
                continue
            b, with_article = forms_of
            for v, f in ((b, 1.0), (with_article, 0.9)):
                forms[v] = max(forms.get(v, 0.0), w * f)
        vocab = self._vocab(forms, exact=True)
        if not vocab:
            return []
        scored = sorted(((v, w * (1 + 0.15 * math.log10(vocab[v]))) for v, w in forms.items() if v in vocab),
                        key=lambda kv: -kv[1])
        if not scored:
            return []
        best = scored[0][1]
        return [v for v, w in scored if w >= best * NAME_MIN_SHARE][:MAX_TRANSLIT]

    def _name_candidates(self, word: str) -> list[tuple[str, float]]:
        """Arabic spellings of a Latin name word from the name lists, the dictionary and the rules (best = 1)."""
        low = word.lower()
        cands: dict[str, float] = {}
        for form, w in self.dictionary.spell_name(low, "en")[:12]:
            cands[form] = max(cands.get(form, 0.0), w)
        for form, w in self.dictionary.translate_word(low, "en")[:4]:
            if script_of(form) == "ar" and " " not in form:
                cands[form] = max(cands.get(form, 0.0), 0.5 * w)
        ruled = latin_to_arabic(low, limit=40)
        if ruled:
            top = ruled[0][1]
            for form, score in ruled:
                cands[form] = max(cands.get(form, 0.0), 0.6 * score / top)
        singular = _singular(low)
        if singular:  # Normans → Norman → نورمان (Arabic names a people by the singular's form)
            for form, w in self._name_candidates(singular):
                cands[form] = max(cands.get(form, 0.0), 0.8 * w)
        return sorted(cands.items(), key=lambda kv: -kv[1])

    def _name_fragments(self, tokens: list[str], whole_only: bool = False) -> list[str]:
        """A multi-word name as one unit: each word's Arabic spellings the archive holds, joined into phrases
        that occur in the archive (bin → بن, Abu → أبو, al-X → الX, Abdel X → عبد الX / عبدالX)."""
        pieces: list[list[tuple[str, float]]] = []
        article = False
        arabic_style = False
        split: list[str] = []
        for tok in tokens:
            clean = _clean_latin(tok)
            if "-" in clean and not _LATIN_ARTICLE.match(clean.lower()) and not _ABD_JOINED.match(clean.lower()):
                split += [p for p in clean.split("-") if p]  # Ki-moon → Ki moon
            else:
                split.append(tok)
        for tok in split:
            clean = _clean_latin(tok)
            low = clean.lower()
            if not low:
                continue
            if low in NAME_PARTICLES:
                pieces.append([(NAME_PARTICLES[low], 1.0)])
                arabic_style = True
                continue
            if low in ("al", "el", "ul"):
                article = arabic_style = True
                continue
            if low in ABD_PREFIXES:
                pieces.append([("عبد", 1.0)])
                article = arabic_style = True
                continue
            m = _LATIN_ARTICLE.match(low)
            if m:
                article, low, arabic_style = True, low[m.end():], True
            pieces.append(self._name_piece(low, article))
            article = False
        if not pieces or any(not p for p in pieces) or len(pieces) < 2:
            return []
        combos = [("", 1.0)]
        for piece in pieces:
            combos = sorted(((f"{c} {f}".strip(), w * pw) for c, w in combos for f, pw in piece),
                            key=lambda kv: -kv[1])[:NAME_COMBOS]
        counted = [(p, w, self._phrase_count(p)) for p, w in combos]
        found = sorted(((p, w * math.log(1 + n)) for p, w, n in counted if n), key=lambda kv: -kv[1])
        if found:
            best = found[0][1]
            phrases = [p for p, w in found if w >= best * NAME_MIN_SHARE][:3]
            return self._arabic_fragments([(p, "exact") for p in phrases])
        if not arabic_style or whole_only:
            return []  # "Greater Los Angeles Area", "Amazon Basin": translated word by word instead
        # The archive never writes the whole name: its most distinctive word (the family name) alone.
        last = [f for f, _ in pieces[-1] if len(f) >= 5 and f not in NAME_PARTICLES.values()]
        return [f'"{f}"' for f in last[:2]]

    def _name_piece(self, low: str, article: bool) -> list[tuple[str, float]]:
        """Spellings of one word of a name (exact forms the archive holds), with their weights."""
        cands = self._name_candidates(low)
        m = _ABD_JOINED.match(low)
        if m and not any(" " in c or c.startswith("عبدال") for c, _ in cands[:3]):
            # Abdulaziz, Abdelrahman: عبد + ال + the rest, written apart or joined.
            for rest, w in self._name_candidates(m.group(2))[:8]:
                rest = rest if rest.startswith("ال") else "ال" + rest
                cands += [(f"عبد {rest}", w), (f"عبد{rest}", w)]
        forms: dict[str, float] = {}
        for cand, w in cands:
            words = _exact(cand)
            if not words:
                continue
            if article:
                last = words[-1]
                words = (*words[:-1], last if last.startswith("ال") else "ال" + last)
            form = " ".join(words)
            forms[form] = max(forms.get(form, 0.0), w)
        vocab = self._vocab({t for f in forms for t in f.split()}, exact=True)
        if vocab is None:
            return []
        kept = sorted(((f, w) for f, w in forms.items() if all(t in vocab for t in f.split())), key=lambda kv: -kv[1])
        return kept[:NAME_PIECE_FORMS]

    def _phrase_count(self, text: str) -> int:
        """In how many articles the exact phrase occurs (0 when the engine cannot tell)."""
        engine = self._engine_or_none()
        if engine is None:
            return 0
        from arshif.search.contract import SearchRequest

        try:
            return engine.search(SearchRequest(q=f'"{text}"', size=0, highlight=False)).total
        except Exception as exc:  # noqa: BLE001
            log.warning("phrase look-up failed: %s", exc)
            return 0

    def _common_limit(self, target: str) -> int | None:
        """Document frequency above which a translated word is too common to tell articles apart: a share of
        the archive's articles in the target language (an English word in a third of the English articles,
        "year", "made", adds more to an article's score in a long OR than the one rare word it lacks)."""
        if self._doc_count is None:
            self._doc_count = self._count()
        if target not in self._lang_counts:
            self._lang_counts[target] = self._count(target) if self._doc_count > 1000 else 0
        n = self._lang_counts[target]
        return int(n * COMMON_SHARE) if n > 1000 else None

    def _count(self, language: str | None = None) -> int:
        engine = self._engine_or_none()
        if engine is None:
            return 0
        try:
            if language is None:
                return engine.count()
            from arshif.search.contract import Filters, SearchRequest

            return engine.search(SearchRequest(q="", filters=Filters(language=[language]), size=0,
                                               highlight=False)).total
        except Exception:  # noqa: BLE001
            return 0

    # Arabic → English ----------------------------------------------------------------------

    def _word_to_english(self, word: str) -> list[str]:
        exact = _exact(word)
        if len(exact) != 1 or exact[0] in AR_FUNCTION_NORM:
            return []
        forms = [exact[0], *strip_clitic(exact[0])]
        cands: dict[str, float] = {}
        for i, form in enumerate(forms):
            factor = 1.0 if i == 0 else 0.8
            for en, w in self.dictionary.translate_word(form, "ar")[:DICT_CANDIDATES]:
                cands[en] = max(cands.get(en, 0.0), w * factor)
        frags = self._dictionary_forms(sorted(cands.items(), key=lambda kv: -kv[1]), "en")
        names: dict[str, float] = {}
        for i, form in enumerate(forms + [f[2:] for f in forms if f.startswith("ال") and len(f) > 4]):
            for latin, w in self.dictionary.spell_name(form, "ar")[:6]:
                names[latin] = max(names.get(latin, 0.0), w * (1.0 if i == 0 else 0.8))
        if names:
            frags += [f for f in self._dictionary_forms(sorted(names.items(), key=lambda kv: -kv[1]), "en")
                      if f not in frags][:MAX_TRANSLIT]
        if not frags and not cands:  # a word the dictionary translates only into too-common words is no name
            frags = self._transliterate_to_latin(word)
        return frags

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
                # A one-word name also with و/ب/ل… attached (بالباغوز). Not a multi-word one: "لمحمد بن سلمان" is
                # rare, so its high IDF would rank an article holding it above those about the person (a poem
                # above the news); the name as written finds nearly all of them.
                variants = [(form, True)] + ([(" ".join([w, *words[1:]]),
                                               w[0] in "وبل" and len(w) - len(words[0]) == 1)
                                              for w in add_clitic(words[0])] if len(words) == 1 else [])
                base_terms = _exact(form)
                for v, common in variants:
                    terms = _exact(v)
                    frag = phrase(v)
                    if terms and frag:
                        # A form with و/ب/ل attached counts only if the form itself does (فلس is not ف + لس).
                        candidates.append((frag, "exact", terms + base_terms if v != form else terms, common))
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
            forms_of = _base_and_article(cand)
            if forms_of is None:
                continue
            base, with_article = forms_of
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


@dataclass(frozen=True)
class Expansion:
    """What a query became in the other language: the alternatives searched, and the words they hold."""

    alternatives: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    language: str | None = None
    via: tuple[str, ...] = ()


def edited_expansion(alt: str) -> Expansion:
    """The expansion a reader typed (the edited "also searched for"): searched as given when it parses
    as plain query text (no field filters); otherwise it raises QuerySyntaxError like a query would."""
    alt = (alt or "").strip()
    if not alt:
        return Expansion()
    parsed = parse_query(alt)
    if parsed.filters or parsed.excluded:
        raise QuerySyntaxError("the other-language query cannot hold field filters; put them in the main query")
    if parsed.text is None:
        return Expansion()
    target = script_of(alt)
    return Expansion((alt,), tuple(shown_words([alt], target)) if target else (), target, ("reader",))


def shown_words(alternatives: list[str], target: str) -> list[str]:
    """The other-language words and phrases the alternatives search, once each, without the forms that
    only add an attached و/ب/ل (those are spelling variants of a word already listed)."""
    texts: list[str] = []
    for alt in alternatives:
        for m in re.finditer(r'"([^"]+)"|([^\s()"]+)', alt):
            text = m.group(1) or m.group(2)
            if text == "OR" or script_of(text) != target:
                continue
            texts.append(text)
    texts = list(dict.fromkeys(texts))
    present = set(texts)
    out = []
    for text in texts:
        first, _, rest = text.partition(" ")
        bare = [f"{b} {rest}".strip() for b in strip_clitic(first)] if target == "ar" else []
        if any(b in present for b in bare):
            continue
        out.append(text)
    return out


def _clean_latin(word: str) -> str:
    """A typed word without surrounding punctuation or a possessive: "al-Jubeir's?" → "al-Jubeir"."""
    word = word.strip(" \t?!.,;:\"“”«»()[]؟،؛")
    word = re.sub(r"['’]s$", "", word)
    return word.strip("'’-")


def _english_match_ok(span: list[str], entry: Entry) -> bool:
    """Whether typed English words really name a lexicon entry, not just share its stem: a name entry
    ('exact') needs the same words (any case) or capitalised typing ("uses" is not the US, "Who" at the
    start of a question is not the WHO); a single function word never matches unless typed in capitals."""
    typed = [_clean_latin(w) for w in span]
    if len(typed) == 1 and typed[0].lower() in EN_FUNCTION and not _is_acronym(typed[0]):
        return False
    if entry.match != "exact":
        return True
    content = [w for w in typed if w.lower() not in EN_FUNCTION or _is_acronym(w)]
    if content and all(w[:1].isupper() for w in content):  # "Who was" holds no name to be capitalised
        return True
    words = tuple(w.lower() for w in typed)
    return any(tuple(_clean_latin(x).lower() for x in form.split()) == words for form in entry.english)


def _singular(low: str) -> str | None:
    """A lower-cased English plural's singular (normans → norman), or None for words that are not one."""
    if len(low) > 4 and low.endswith("s") and not low.endswith(("ss", "us", "is")):
        return low[:-1]
    return None


def _is_acronym(word: str) -> bool:
    c = _clean_latin(word)
    return 2 <= len(c) <= 5 and c.isalpha() and c.isupper()


def _name_runs(words: list[str], source: str) -> list[tuple[str, list[str]]]:
    """Split English words into runs of a multi-word name (capitalised words, bin/ibn/abu/al-…) and the rest."""
    if source != "en" or len(words) < 2:
        return [("words", words)]

    def name_like(w: str) -> bool:
        c = _clean_latin(w)
        if not c or not re.match(r"^[A-Za-z][A-Za-z'’-]*$", c):
            return False
        low = c.lower()
        if low in NAME_PARTICLES or low in ABD_PREFIXES or low in ("al", "el"):
            return True
        if _LATIN_ARTICLE.match(low):
            return True
        return c[0].isupper() and low not in EN_FUNCTION

    out: list[tuple[str, list[str]]] = []
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and name_like(words[j]):
            j += 1
            if re.search(r"[?!.,;:]$", words[j - 1]):
                break  # punctuation ends a name
        run = words[i:j]
        # A run must hold at least two words that are not particles to be one name.
        core = [w for w in run if _clean_latin(w).lower() not in NAME_PARTICLES
                and _clean_latin(w).lower() not in ("al", "el")]
        if len(run) >= 2 and len(core) >= 2:
            out.append(("name", run))
            i = j
            continue
        if out and out[-1][0] == "words":
            out[-1][1].append(words[i])
        else:
            out.append(("words", [words[i]]))
        i += 1
    return out


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


def _strings(groups: list[list[str]], flat: bool, bag_from: int = BAG_MIN_GROUPS) -> list[str]:
    """Alternatives as query strings: one per fragment when there is a single group; for two, every part
    required; for more (a question, a long description), the parts OR-ed — an article need not
    hold every translated word, and BM25 ranks the ones holding more (and rarer) of them first."""
    groups = [g for g in groups if g]
    if not groups:
        return []
    if flat and len(groups) >= bag_from:
        return [_bag(groups)]
    if flat and len(groups) == 1:
        return [f[1:-1] if f.startswith("(") and f.endswith(")") and " OR " not in f else f for f in groups[0]]
    for cap in (None, 6, 3, 1):
        s = _join([g[:cap] if cap else g for g in groups])
        if _parses(s):
            return [s]
    return []


def _bag(groups: list[list[str]]) -> str:
    """All parts OR-ed: the first (most likely) forms of every part first, then the next ones, within the cap."""
    chosen: list[str] = []
    clauses = 0
    depth = 0
    while clauses < BAG_MAX_CLAUSES and depth < BAG_DEPTH and any(depth < len(g) for g in groups):
        for g in groups:
            if depth < len(g) and g[depth] not in chosen:
                n = _clauses(g[depth])
                if clauses + n > BAG_MAX_CLAUSES:
                    continue
                chosen.append(g[depth])
                clauses += n
        depth += 1
    return "(" + " OR ".join(chosen) + ")"


def _clauses(fragment: str) -> int:
    phrases = len(re.findall(r'"[^"]*"', fragment))
    rest = re.sub(r'"[^"]*"', " ", fragment).replace("(", " ").replace(")", " ").split()
    return phrases + len([w for w in rest if w != "OR"])


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
    cl = CrossLingual(settings, engine=engine, translator=translator)

    def warm() -> None:
        load_lexicon()
        cl.dictionary  # noqa: B018 - loads it

    threading.Thread(target=warm, name="lexicon-load", daemon=True).start()
    return cl
