"""The Python analyzers must give the terms Elasticsearch/OpenSearch give for mappings/articles.json.

Expected values below were worked out by hand from the Lucene algorithms
(StandardTokenizer/UAX#29, ArabicNormalizer, ArabicStemmer "light10",
EnglishPossessiveFilter, PorterStemmer), not copied from this code's output.
"""

from __future__ import annotations

import json

import pytest

from arshif.analysis import (
    AnalysisConfigError,
    Analyzer,
    Token,
    build_analyzer,
    get_analyzer,
    load_analysis_settings,
    normalize_arabic,
)
from arshif.settings import get_settings


@pytest.fixture(scope="module")
def text() -> Analyzer:
    return get_analyzer("arshif_text")


@pytest.fixture(scope="module")
def exact() -> Analyzer:
    return get_analyzer("arshif_exact")


@pytest.fixture(scope="module")
def analysis_settings() -> dict:
    return load_analysis_settings(get_settings().mappings_dir / "articles.json")


# word -> arshif_text term (None: removed as a stopword)
TEXT_TERMS = [
    # Arabic: prefixes (at most one), then every matching suffix in turn
    ("والباغوز", "باغوز"),  # وال + باغوز
    ("بالباغوز", "باغوز"),  # بال
    ("الباغوز", "باغوز"),  # ال
    ("فالكتاب", "كتاب"),  # فال
    ("كالبرق", "برق"),  # كال
    ("المدرسة", "مدرس"),  # ال, ة→ه then suffix ه
    ("المعلمون", "معلم"),  # ال, ون
    ("المعلمات", "معلم"),  # ال, ات
    ("المسلمين", "مسلم"),  # ال, ين
    ("اللاعبين", "لاعب"),  # ال is tried before لل
    ("للمدينة", "مدين"),  # لل, ه
    ("الانتخابات", "انتخاب"),
    ("الإسلامية", "اسلام"),  # إ→ا, ال, يه (from ية)
    ("السعودية", "سعود"),
    # Known place names are kept whole (arshif_names, stemmer_override): Riyadh is not sport, Oman
    # not "uncle", with or without a prefix; the word beside the name still stems as before.
    ("الرياض", "الرياض"),
    ("بالرياض", "الرياض"),
    ("والرياض", "الرياض"),
    ("للرياض", "الرياض"),
    ("الرياضة", "رياض"),
    ("الرياضي", "رياض"),
    ("عمان", "عمان"),
    ("العم", "عم"),
    ("دبي", "دبي"),
    ("واشنطن", "واشنطن"),
    ("المملكة", "مملك"),
    ("الحكومة", "حكوم"),
    ("كتابها", "كتاب"),  # ها
    ("مهندسون", "مهندس"),
    ("والأمن", "امن"),  # أ→ا, وال
    ("أحمد", "احمد"),
    ("إسلام", "اسلام"),
    ("أمريكا", "امريكا"),
    ("مستشفى", "مستشف"),  # ى→ي, then suffix ي
    ("مَدْرَسَةٌ", "مدرس"),  # harakat dropped
    ("كـــتاب", "كتاب"),  # tatweel dropped
    ("الســعودية", "سعود"),
    ("المسؤولون", "مسوول"),  # char filter ؤ→و, ال, ون
    ("الرئيس", "رييس"),  # char filter ئ→ي (ر ئ ي س → ر ي ي س)
    ("الطائرات", "طاير"),
    ("ٱلكتاب", "كتاب"),  # alef wasla → alef
    ("الرحمٰن", "رحمن"),  # superscript alef removed
    # digits
    ("٢٠١٩", "2019"),
    ("۱۴۰۰", "1400"),
    ("2015", "2015"),
    # English
    ("running", "run"),
    ("countries", "countri"),
    ("Syria's", "syria"),
    ("Obama’s", "obama"),
    ("ministries", "ministri"),
    ("happiness", "happi"),
    ("relational", "relat"),
    ("prices", "price"),
    ("killed", "kill"),
    ("meetings", "meet"),
    ("Riyadh", "riyadh"),
    # stopwords (after normalisation)
    ("في", None),
    ("إلى", None),
    ("على", None),
    ("التي", None),
    ("هذه", None),
    ("The", None),
    ("it's", None),  # possessive first: it's → it, a stopword
]


@pytest.mark.parametrize(("word", "expected"), TEXT_TERMS)
def test_text_analyzer_terms(text: Analyzer, word: str, expected: str | None) -> None:
    assert text.terms(word) == ([] if expected is None else [expected])


def test_table_is_large_enough() -> None:
    assert len(TEXT_TERMS) >= 35


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("possibly", "possibl"),  # -bli → -ble (Snowball "porter" gives possibli)
        ("archaeology", "archaeolog"),  # -logi → -log
        ("us", "us"),  # one- and two-letter words are left alone
        ("generalizations", "gener"),
        ("U.S.", "u."),  # token u.s (dots join letters), then Porter drops the s
    ],
)
def test_porter_is_lucenes(text: Analyzer, word: str, expected: str) -> None:
    assert text.terms(word) == [expected]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("والباغوز", "والباغوز"),
        ("المدرسة", "المدرسه"),
        ("المعلمون", "المعلمون"),
        ("أحمد", "احمد"),
        ("إلى", "الي"),
        ("مستشفى", "مستشفي"),
        ("مَدْرَسَةٌ", "مدرسه"),
        ("كـــتاب", "كتاب"),
        ("المسؤولون", "المسوولون"),
        ("٢٠١٩", "2019"),
        ("۱۴۰۰", "1400"),
        ("Running", "running"),
        ("Syria's", "syria's"),
        ("في", "في"),
        ("the", "the"),
    ],
)
def test_exact_analyzer_keeps_affixes(exact: Analyzer, word: str, expected: str) -> None:
    assert exact.terms(word) == [expected]


def test_mixed_text_each_language_untouched_by_the_others_filters(text: Analyzer) -> None:
    sentence = "The Saudi ministries والمعلمون running في الرياض countries"
    assert text.terms(sentence) == ["saudi", "ministri", "معلم", "run", "الرياض", "countri"]


def test_offsets_point_at_original_surface(text: Analyzer, exact: Analyzer) -> None:
    sentence = "قالَ وزيرُ الخارجيـــة: إنّ Syria's economy نَمَتْ بنسبة ٣٫٥٪ في ٢٠١٩، the end."
    surfaces = ["قالَ", "وزيرُ", "الخارجيـــة", "إنّ", "Syria's", "economy", "نَمَتْ", "بنسبة", "٣٫٥", "في",
                "٢٠١٩", "the", "end"]
    ex = exact.tokens(sentence)
    assert [sentence[t.start : t.end] for t in ex] == surfaces
    assert [t.position for t in ex] == list(range(len(surfaces)))
    assert [t.term for t in ex] == ["قال", "وزير", "الخارجيه", "ان", "syria's", "economy", "نمت", "بنسبه", "3.5",
                                    "في", "2019", "the", "end"]
    tx = text.tokens(sentence)
    for t in tx:
        assert sentence[t.start : t.end] == surfaces[t.position]
    # إنّ → ان, في and the are stopwords; light10 takes و off any word of 4+ letters (وزير → زير); ٫ is a decimal point
    assert [(t.term, t.position) for t in tx] == [
        ("قال", 0), ("زير", 1), ("خارج", 2), ("syria", 4), ("economi", 5), ("نمت", 6), ("بنسب", 7),
        ("3.5", 8), ("2019", 10), ("end", 12),
    ]


def test_leading_tatweel_is_outside_the_token(exact: Analyzer) -> None:
    # Lucene tokenizes the char-filtered text, where the tatweel is already gone.
    assert exact.tokens("ـكتاب") == [Token("كتاب", 1, 5, 0)]
    assert exact.tokens("ـــ كتاب") == [Token("كتاب", 4, 8, 0)]  # a tatweel-only "word" is no token


def test_positions_keep_gaps_at_stopwords(text: Analyzer) -> None:
    toks = text.tokens("the cat sat on the mat")
    assert [(t.term, t.position) for t in toks] == [("cat", 1), ("sat", 2), ("mat", 5)]
    toks = text.tokens("ذهب الولد إلى المدرسة")
    assert [(t.term, t.position) for t in toks] == [("ذهب", 0), ("ولد", 1), ("مدرس", 3)]


def test_analyze_and_analyze_with_agree_with_tokens(text: Analyzer, exact: Analyzer) -> None:
    sentence = "ذهب الولد إلى المدرسة the cat's mat ٢٠١٩"
    assert [Token(*t) for t in text.analyze(sentence)] == text.tokens(sentence)
    pairs = exact.analyze_with(text, sentence)
    assert [(a, b, p, e) for a, b, p, e, _ in pairs] == [(t.start, t.end, t.position, t.term)
                                                         for t in exact.tokens(sentence)]
    assert [(a, b, p, s) for a, b, p, _, s in pairs if s] == [(t.start, t.end, t.position, t.term)
                                                              for t in text.tokens(sentence)]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("U.S.A e.g. it's", ["u.s.a", "e.g", "it's"]),  # letters joined by . and '
        ("1,000.50 and 3.5% 10:30", ["1,000.50", "and", "3.5", "10", "30"]),  # digits joined by , and .
        ("e-mail wi-fi", ["e", "mail", "wi", "fi"]),
        ("covid19 _tag_ a_b", ["covid19", "_tag_", "a_b"]),
        ("john@example.com http://x.org/p", ["john", "example.com", "http", "x.org", "p"]),
        ("١٬٠٠٠ ٣٫٥", ["1,000", "3.5"]),  # Arabic thousands and decimal separators: read as , and .
        ("مرحبا،عالم 1،2", ["مرحبا", "عالم", "1،2"]),  # Arabic comma: MidNum, joins digits only
        ("hi 👍🏽 🇸🇦 ok", ["hi", "👍🏽", "🇸🇦", "ok"]),
        ("東京 ひら カタカナ", ["東", "京", "ひ", "ら", "カタカナ"]),
    ],
)
def test_standard_tokenizer_cases(exact: Analyzer, sentence: str, expected: list[str]) -> None:
    assert exact.terms(sentence) == expected


def test_es_documentation_example(exact: Analyzer) -> None:
    # Elasticsearch reference, standard tokenizer example.
    assert exact.terms("The 2 QUICK Brown-Foxes jumped over the lazy dog's bone.") == [
        "the", "2", "quick", "brown", "foxes", "jumped", "over", "the", "lazy", "dog's", "bone"
    ]


TRICKY = (
    "ـكتاب كـــتاب كتابـ ـــ هٰذا ٱلكتاب مؤتمر رئيس abc.ـdef ١٢ـ٣ Syria's 🇸🇦 ‏الرياض‎ "
    "مَدْرَسَةٌ والمعلمون في the " + "ب" * 300
)


@pytest.mark.parametrize("name", ["arshif_text", "arshif_exact"])
def test_per_token_char_filter_matches_whole_text_reference(analysis_settings: dict, name: str) -> None:
    fast = build_analyzer(name, analysis_settings)
    reference = build_analyzer(name, analysis_settings, whole_text=True)
    assert fast.tokens(TRICKY) == reference.tokens(TRICKY)


@pytest.mark.parametrize("text", [TRICKY, "نص\u200dفيه وصلة 👨\u200d👩\u200d👧 family", "بلا وصلة: " + TRICKY])
def test_texts_with_and_without_a_boundary_moving_character_match_the_reference(analysis_settings: dict,
                                                                                 text: str) -> None:
    # The shipped char filter deletes U+200D (ZWJ), which can move an emoji boundary: a text holding one is
    # analysed whole, any other takes the fast per-token path; both must give the reference's tokens.
    fast_exact, fast_text = (build_analyzer(n, analysis_settings) for n in ("arshif_exact", "arshif_text"))
    ref_exact, ref_text = (build_analyzer(n, analysis_settings, whole_text=True)
                           for n in ("arshif_exact", "arshif_text"))
    assert fast_exact.analyze_with(fast_text, text) == ref_exact.analyze_with(ref_text, text)
    assert fast_text.terms(text) == ref_text.terms(text)


@pytest.mark.parametrize("cache_size", [200_000, 3])
def test_index_strings_are_the_reference_analysis_joined(analysis_settings: dict, cache_size: int) -> None:
    # The text index's two strings per text (stems, ``=`` exact forms) are built from a cache of each word's
    # pieces; what they hold must be the reference analysis word by word: every position, a stopword's gap,
    # an over-long word's pieces, a word the char filter deletes, a boundary-moving character, and the same
    # again once the cache is warm, or cleared mid-text (cache_size 3).
    from arshif.engines.fts_tokens import EXACT_PREFIX, NO_STEM

    fast_exact, fast_text = (build_analyzer(n, analysis_settings) for n in ("arshif_exact", "arshif_text"))
    fast_exact._cache_size = fast_text._cache_size = cache_size
    ref_exact, ref_text = (build_analyzer(n, analysis_settings, whole_text=True)
                           for n in ("arshif_exact", "arshif_text"))
    texts = [TRICKY, "نص\u200dفيه وصلة 👨\u200d👩\u200d👧 family", "في من على the of and في", "ـــ", "",
             "ذهب الولد إلى المدرسة والمدرسة فالمدرسة", "The 2 QUICK Brown-Foxes jumped over the lazy dog's bone."]
    for text in texts * 2:
        pairs = ref_exact.analyze_with(ref_text, text)
        expected = (" ".join(EXACT_PREFIX + e for _a, _b, _p, e, _s in pairs if e is not None),
                    " ".join(NO_STEM if s is None else s for _a, _b, _p, e, s in pairs if e is not None))
        assert fast_exact.joined_pairs(fast_text, text, EXACT_PREFIX, NO_STEM) == expected, text


def test_long_tokens_are_cut_at_255(exact: Analyzer) -> None:
    word = "a" * 600
    toks = exact.tokens(f"x {word} y")
    assert [(t.start, t.end, t.position) for t in toks] == [
        (0, 1, 0), (2, 257, 1), (257, 512, 2), (512, 602, 3), (603, 604, 4)
    ]


@pytest.mark.parametrize("sentence", [
    "ذهب الولد إلى المدرسة the cat's mat ٢٠١٩",  # Arabic and English words, a possessive, Arabic-Indic digits
    "ـــالرياض و في " + "ب" * 600 + " جدة",  # a leading tatweel; a word cut into pieces at 255
    "hi 👍🏽 \u200d\u200d x\u200dy U.S.A",  # a boundary-moving character: the whole-text path
    "",
])
def test_spans_of_gives_the_offsets_of_the_first_tokens_analyze_gives(exact: Analyzer, sentence: str) -> None:
    """The highlighter finds matches without offsets and reads the offsets of the first tokens it shows
    afterwards: they are analyze()'s, in order, however many are asked for."""
    everything = [(a, b) for _, a, b, _ in exact.analyze(sentence)]
    for limit in range(len(everything) + 2):
        assert exact.spans_of(sentence, limit) == everything[:limit]


def _spans_as_lucene_cuts_them(analyzer: Analyzer, text: str, base: int = 0) -> list[tuple[int, int]]:
    """The reference: a piece of max_token_length, what is left of the token tokenized again (recursively)."""
    spans = []
    for m in analyzer._pattern.finditer(text):
        a, b = m.span()
        if b - a > analyzer.max_token_length:
            cut = a + analyzer.max_token_length
            spans.append((base + a, base + cut))
            spans += _spans_as_lucene_cuts_them(analyzer, text[cut:b], base + cut)
        else:
            spans.append((base + a, base + b))
    return spans


@pytest.mark.parametrize("token", [
    "QاQ9" * 200,  # letters and digits: cut in one go
    "a.b" * 300,  # joined by a MidNumLet: what is left is tokenized again after each cut
    "ب" * 300 + "\u064e" + "ج" * 400,  # a mark inside
    "x_" * 400,  # ExtendNumLet
    "12,345" * 120,  # MidNum between digits
])
def test_over_long_tokens_are_cut_as_lucene_does(exact: Analyzer, token: str) -> None:
    text = f"قبل {token} بعد"
    assert exact._spans(text) == _spans_as_lucene_cuts_them(exact, text)


def test_a_huge_token_of_joined_words_is_cut_in_time_linear_in_its_length(exact: Analyzer) -> None:
    """300,000 characters of ``a.b.a.b…`` (one token: the dots join letters) took 99 s when what was left after
    each cut was tokenized again; past RECUT_PIECES pieces it is cut by length alone."""
    import time

    from arshif.analysis import RECUT_PIECES

    token = "a.b" * 100_000
    started = time.process_time()
    spans = exact._spans(f"x {token} y")
    assert time.process_time() - started < 10  # (about 0.1 s; quadratic, it was 99 s)
    assert spans[0] == (0, 1) and spans[-1] == (len(token) + 3, len(token) + 4)
    assert spans[1:-1] == [(2 + s, 2 + min(s + 255, len(token))) for s in range(0, len(token), 255)]
    shorter = "a.b" * (RECUT_PIECES * 255 // 3 - 1)  # under the cut-off: Lucene's way, what is left tokenized again
    assert exact._spans(shorter) == _spans_as_lucene_cuts_them(exact, shorter)


def test_a_token_of_a_few_hundred_thousand_characters_is_cut_not_refused(tmp_path) -> None:
    """An image pasted into a body as base64 (one 330,000-character token): it used to go one recursion
    deeper per 255 characters and the article could not be ingested."""
    from arshif.engines.embedded import EmbeddedEngine
    from arshif.model import Article
    from arshif.search.contract import SearchRequest

    blob = "iVBORw0KGgo" * 30_000
    engine = EmbeddedEngine(tmp_path / "a.db")
    engine.upsert([Article(title="صورة الخبر", body=f"قبل الصورة {blob} وبعدها كلام عن الأسواق", source="t",
                           url="https://example.org/b64")])
    (hit,) = engine.search(SearchRequest(q="الأسواق")).hits
    assert hit.title == "صورة الخبر" and "<mark>الأسواق</mark>" not in hit.title_highlight
    engine.close()


@pytest.mark.parametrize("sentence", [
    "ذهب الولد إلى المدرسة the cat's mat ٢٠١٩\nثم عاد U.S.A ـــالرياض",
    "ـــالرياض و في " + "ب" * 600 + " جدة \u064e\u064e كتب",  # a word cut at 255; a blank of diacritics
])
def test_spans_of_from_after_whitespace_gives_the_whole_texts_tokens(exact: Analyzer, sentence: str) -> None:
    """A highlighter reads a long text from the middle, just after a whitespace character: it must get the
    same tokens, offsets and terms as a reading from the start."""
    everything = exact.analyze(sentence)
    for pos in [i + 1 for i, c in enumerate(sentence) if c in " \n"]:
        tail = [(t, a, b) for t, a, b, _ in everything if a >= pos]
        terms: list[str] = []
        assert exact.spans_of(sentence, len(tail), pos, terms) == [(a, b) for _, a, b in tail]
        assert terms == [t for t, _, _ in tail]


def test_unknown_filter_name_raises_clear_error() -> None:
    settings = {"analyzer": {"a": {"type": "custom", "tokenizer": "standard",
                                   "filter": ["lowercase", "no_such_filter"]}}}
    with pytest.raises(AnalysisConfigError, match="no_such_filter"):
        build_analyzer("a", settings)


@pytest.mark.parametrize(
    "settings",
    [
        {"analyzer": {"a": {"type": "custom", "tokenizer": "whitespace"}}},
        {"analyzer": {"a": {"type": "custom", "tokenizer": "standard", "char_filter": ["html_strip"]}}},
        {"analyzer": {"a": {"type": "custom", "tokenizer": "standard", "filter": ["f"]}},
         "filter": {"f": {"type": "stemmer", "language": "german"}}},
        {"analyzer": {"a": {"type": "custom", "tokenizer": "standard", "filter": ["f"]}},
         "filter": {"f": {"type": "shingle"}}},
        {"analyzer": {"a": {"type": "arabic"}}},
        {"analyzer": {}},
    ],
)
def test_unsupported_definitions_raise(settings: dict) -> None:
    with pytest.raises(AnalysisConfigError):
        build_analyzer("a", settings)


def test_small_definition_builds() -> None:
    settings = {
        "char_filter": {"cf": {"type": "mapping", "mappings": ["\\u0640 => ", "ى => ي"]}},
        "filter": {"s": {"type": "stop", "stopwords": ["x"]}},
        "analyzer": {"a": {"type": "custom", "char_filter": ["cf"], "tokenizer": "standard",
                           "filter": ["lowercase", "s"]}},
    }
    an = build_analyzer("a", settings)
    assert an.terms("X Yـes مستشفى") == ["yes", "مستشفي"]


def test_char_filter_that_moves_boundaries_is_applied_to_the_whole_text() -> None:
    # '-' → '_' turns two tokens into one; 'ph' → 'f' is a multi-char key.
    settings = {
        "char_filter": {"cf": {"type": "mapping", "mappings": ["- => _", "ph => f"]}},
        "analyzer": {"a": {"char_filter": "cf", "tokenizer": "standard", "filter": ["lowercase"]}},
    }
    an = build_analyzer("a", settings)
    sentence = "e-mail Phone phone"
    toks = an.tokens(sentence)
    assert [t.term for t in toks] == ["e_mail", "Phone".lower(), "fone"]
    assert [sentence[t.start : t.end] for t in toks] == ["e-mail", "Phone", "phone"]


def test_json_stopwords_are_stored_normalised(analysis_settings: dict, exact: Analyzer, text: Analyzer) -> None:
    arabic = analysis_settings["filter"]["arshif_arabic_stop"]["stopwords"]
    english = analysis_settings["filter"]["arshif_english_stop"]["stopwords"]
    assert len(arabic) >= 120
    assert len(set(arabic)) == len(arabic)
    for word in arabic:
        assert exact.terms(word) == [word], word  # already a fixed point of char filter + normalisation
        assert text.terms(word) == [], word
    assert set(english) == set(
        "a an and are as at be but by for if in into is it no not of on or such that the their then there "
        "these they this to was will with".split()
    )


def test_analyzers_follow_the_json(analysis_settings: dict, text: Analyzer, exact: Analyzer) -> None:
    assert text.filter_names == tuple(analysis_settings["analyzer"]["arshif_text"]["filter"])
    assert exact.filter_names == tuple(analysis_settings["analyzer"]["arshif_exact"]["filter"])
    assert get_analyzer("arshif_text") is text  # cached


def test_normalize_arabic() -> None:
    assert normalize_arabic("إلى آخر الـمدرسة ٱلكبرى مؤتمر") == "الي اخر المدرسه الكبري موتمر"
    assert normalize_arabic("Riyadh") == "Riyadh"


def test_mapping_file_is_valid_json() -> None:
    json.loads((get_settings().mappings_dir / "articles.json").read_text(encoding="utf-8"))


def test_pattern_replace_filter_reads_javas_groups_and_refuses_what_java_reads_otherwise() -> None:
    from arshif.analysis.filters import KeywordTerm, build_filter

    era = build_filter("era", {"era": {"type": "pattern_replace", "pattern": "^([0-9]+)[مه]$", "replacement": "$1"}})
    assert (era("2015م"), era("1436ه"), era("م2015"), era("2015مم")) == ("2015", "1436", "م2015", "2015مم")
    first = build_filter("f", {"f": {"type": "pattern_replace", "pattern": "(a)n", "replacement": "<$1>", "all": False}})
    assert first("banana") == "b<a>ana"
    # Java's . and $ know \r, \u0085, \u2028 and \u2029 as line ends; Python's only \n: spelt out as Java's.
    dot, end = (build_filter("f", {"f": {"type": "pattern_replace", "pattern": p, "replacement": "-"}})
                for p in ("a.", "a$"))
    assert (dot("a\r"), dot("a\u2028"), end("a\r\n"), end("a\u2029")) == ("a\r", "a\u2028", "-\r\n", "-\u2029")
    assert type(era(KeywordTerm("2015م"))) is KeywordTerm  # Lucene's filter leaves the keyword mark alone
    for bad in ({"pattern": "\\p{L}+", "replacement": ""}, {"pattern": "(", "replacement": ""},
                {"pattern": "a", "replacement": "", "flags": "CASE_INSENSITIVE"}, {"pattern": "a", "replacement": "$x"},
                {"pattern": "(a)", "replacement": "$2"}, {"pattern": "[a-z&&[^b]]", "replacement": ""},
                {"pattern": "a", "replacement": "", "all": "no"}, {"pattern": "[a[bc]]", "replacement": ""},
                {"pattern": "a??", "replacement": ""}, {"pattern": "x*", "replacement": ""},
                {"pattern": "\\bab", "replacement": ""}, {"pattern": "(?u)a", "replacement": ""},
                {"pattern": "(a)", "replacement": "${n}"}, {"pattern": "a{,2}", "replacement": ""}):
        with pytest.raises(AnalysisConfigError):
            build_filter("x", {"x": {"type": "pattern_replace", **bad}})


def test_index_strings_stay_whole_when_another_thread_starts_the_cache_again(analysis_settings: dict) -> None:
    # The server analyses small writes in its request threads. A cache cleared in place while another thread
    # joined a text from it failed that write with a KeyError; a full cache is now replaced, never emptied.
    import sys
    import threading

    from arshif.engines.fts_tokens import EXACT_PREFIX, NO_STEM

    exact, text = (build_analyzer(n, analysis_settings) for n in ("arshif_exact", "arshif_text"))
    exact._cache_size = 8
    texts = [" ".join(f"كلمة{i}{j} word{j}{i}" for j in range(6)) for i in range(50)]
    expected = {t: exact._joined_slowly(text, t, EXACT_PREFIX, NO_STEM) for t in texts}
    failures: list[str] = []

    def write(k: int) -> None:
        try:
            for r in range(300):
                t = texts[(r * 7 + k) % len(texts)]
                assert exact.joined_pairs(text, t, EXACT_PREFIX, NO_STEM) == expected[t]
        except Exception as exc:  # noqa: BLE001 - collected for the assertion below
            failures.append(repr(exc))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch between nearly every bytecode, as under load
    try:
        threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
