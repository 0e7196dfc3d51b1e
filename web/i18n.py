"""UI strings of the HTML pages, in Arabic and English.

The interface language (``ui``) is chosen with ``?ui=ar|en`` and remembered in a
cookie; it only changes the chrome of the page (labels, headings, dates). Article
text is always shown in its own language with its own ``lang``/``dir``.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from babel import Locale

UI_LANGUAGES = ("ar", "en")
DEFAULT_UI = "ar"
COOKIE = "arshif_ui"

DIRECTION = {"ar": "rtl", "en": "ltr"}

STRINGS: dict[str, dict[str, str]] = {
    "site_name": {"en": "Arshif", "ar": "أرشيف"},
    "tagline": {"en": "Bilingual news archive", "ar": "أرشيف الأخبار بالعربية والإنجليزية"},
    "skip": {"en": "Skip to results", "ar": "انتقل إلى النتائج"},
    "skip_article": {"en": "Skip to article", "ar": "انتقل إلى المقال"},
    "switch_ui": {"en": "العربية", "ar": "English"},
    "switch_ui_label": {"en": "Switch the interface to Arabic", "ar": "Switch the interface to English"},
    # search form
    "search": {"en": "Search", "ar": "بحث"},
    "search_label": {"en": "Search the archive", "ar": "ابحث في الأرشيف"},
    "search_placeholder": {"en": "e.g. Riyadh metro, \"oil prices\" -OPEC",
                           "ar": "مثال: قطار الرياض، \"أسعار النفط\" -أوبك"},
    "syntax_help": {"en": "Search syntax", "ar": "طريقة كتابة البحث"},
    "syntax_words": {"en": "all the words must appear (any form of the word); when too few articles have them "
                           "all, those with most of them are shown",
                     "ar": "يجب أن تظهر كل الكلمات (بأي صيغة من صيغها)؛ وإن قلّت المقالات التي تحتويها كلها "
                           "تُعرض المقالات التي تحتوي أكثرها"},
    "syntax_phrase": {"en": "this exact phrase", "ar": "هذه العبارة بنصها"},
    "syntax_exclude": {"en": "leave out articles with this word", "ar": "استبعد المقالات التي فيها هذه الكلمة"},
    "syntax_or": {"en": "either word", "ar": "إحدى الكلمتين"},
    "syntax_field": {"en": "filter by source, author, lang, tag or site",
                     "ar": "التصفية حسب المصدر (source) أو الكاتب (author) أو اللغة (lang) أو الوسم (tag) أو الموقع (site)"},
    "mode": {"en": "Languages", "ar": "اللغات"},
    "mode_both": {"en": "Both", "ar": "كلتاهما"},
    "mode_ar": {"en": "Arabic only", "ar": "العربية فقط"},
    "mode_en": {"en": "English only", "ar": "الإنجليزية فقط"},
    "mode_cross": {"en": "Cross-language", "ar": "عبر اللغتين"},
    "mode_cross_help": {"en": "also search the query translated into the other language",
                        "ar": "ابحث أيضاً بترجمة عبارة البحث إلى اللغة الأخرى"},
    # results
    "results": {"en": "Results", "ar": "النتائج"},
    "result_range": {"en": "{first}–{last} of {n}", "ar": "{first}–{last} من {n}"},
    # best match (a plain multi-word query that too few articles answer with every word)
    "relaxed_none": {"en": "No article contains all {n} words: showing those with most of them",
                     "ar": "لا توجد مقالة تحتوي الكلمات الـ{n} كلها: نعرض المقالات التي تحتوي أكثرها"},
    "relaxed_few_one": {"en": "Only 1 article contains all {n} words: showing those with most of them too",
                        "ar": "مقالة واحدة فقط تحتوي الكلمات الـ{n} كلها: نعرض معها المقالات التي تحتوي أكثرها"},
    "relaxed_few_two": {"en": "Only 2 articles contain all {n} words: showing those with most of them too",
                        "ar": "مقالتان فقط تحتويان الكلمات الـ{n} كلها: نعرض معهما المقالات التي تحتوي أكثرها"},
    "relaxed_few": {"en": "Only {k} articles contain all {n} words: showing those with most of them too",
                    "ar": "{k} مقالات فقط تحتوي الكلمات الـ{n} كلها: نعرض معها المقالات التي تحتوي أكثرها"},
    "took": {"en": "in {ms} ms", "ar": "خلال {ms} ملّي ثانية"},
    "quote_open": {"en": "“", "ar": "«"},
    "quote_close": {"en": "”", "ar": "»"},
    "all_articles": {"en": "All articles", "ar": "كل المقالات"},
    "for_query": {"en": "for", "ar": "عن"},
    "sort": {"en": "Sort", "ar": "الترتيب"},
    "sort_relevance": {"en": "Relevance", "ar": "الأكثر صلة"},
    "sort_newest": {"en": "Newest", "ar": "الأحدث"},
    "sort_oldest": {"en": "Oldest", "ar": "الأقدم"},
    "snippet_original": {"en": "original", "ar": "النص الأصلي"},
    "snippet_machine": {"en": "machine translation", "ar": "ترجمة آلية"},
    "snippet_human": {"en": "human translation", "ar": "ترجمة بشرية"},
    "snippet_provided": {"en": "translation", "ar": "ترجمة"},
    "matched_translation": {"en": "matched in the translation", "ar": "تطابق في الترجمة"},
    "translated_title": {"en": "Translated title", "ar": "العنوان مترجماً"},
    "pages": {"en": "Pages", "ar": "الصفحات"},
    "prev": {"en": "Previous", "ar": "السابق"},
    "next": {"en": "Next", "ar": "التالي"},
    "page_n": {"en": "Page {n}", "ar": "الصفحة {n}"},
    "no_results": {"en": "No articles match", "ar": "لا توجد مقالات مطابقة"},
    "partial_results": {"en": "Part of the archive did not answer: these results may be incomplete. Try again "
                              "shortly.",
                        "ar": "لم يستجب جزء من الأرشيف: قد تكون هذه النتائج ناقصة. أعد المحاولة بعد قليل."},
    "no_results_try": {"en": "Try:", "ar": "جرّب:"},
    "remove_filter": {"en": "removing the filter {f}", "ar": "إزالة عامل التصفية {f}"},
    "remove_all_filters": {"en": "removing all filters", "ar": "إزالة كل عوامل التصفية"},
    "try_cross": {"en": "searching across languages (the query is also translated)",
                  "ar": "البحث عبر اللغتين (تُترجَم عبارة البحث أيضاً)"},
    "also_searched": {"en": "Also searched for", "ar": "بحثنا أيضاً عن"},
    "expansion_none": {"en": "nothing in the other language (no translation found)",
                       "ar": "لا شيء باللغة الأخرى (لم نجد ترجمة)"},
    "expansion_edit": {"en": "Edit these words", "ar": "عدّل هذه الكلمات"},
    "expansion_edited": {"en": "your words", "ar": "كلماتك"},
    "expansion_reset": {"en": "use the automatic translation", "ar": "استخدم الترجمة التلقائية"},
    "list_sep": {"en": ", ", "ar": "، "},
    "cross_offer": {"en": "Searching across languages finds {n} articles",
                    "ar": "البحث عبر اللغتين يجد {n} مقالاً"},
    "try_both": {"en": "searching articles in both languages", "ar": "البحث في المقالات باللغتين"},
    "try_fewer_words": {"en": "fewer or more general words", "ar": "كلمات أقل أو أعمّ"},
    "query_error": {"en": "The query could not be read", "ar": "تعذّرت قراءة عبارة البحث"},
    # facets
    "filters": {"en": "Refine", "ar": "تضييق النتائج"},
    "active_filters": {"en": "Active filters", "ar": "عوامل التصفية المفعّلة"},
    "remove": {"en": "Remove", "ar": "إزالة"},
    "clear_all": {"en": "Clear all", "ar": "إزالة الكل"},
    "facet_source": {"en": "Source", "ar": "المصدر"},
    "facet_author": {"en": "Author", "ar": "الكاتب"},
    "facet_language": {"en": "Language", "ar": "اللغة"},
    "facet_tag": {"en": "Tag", "ar": "الوسم"},
    "facet_site": {"en": "Site", "ar": "الموقع"},
    "facet_date": {"en": "Date", "ar": "التاريخ"},
    "show_more": {"en": "Show more", "ar": "عرض المزيد"},
    "all_values": {"en": "All values of {f}", "ar": "كل قيم {f}"},
    "filter_values": {"en": "Values starting with", "ar": "القيم التي تبدأ بـ"},
    "filter_go": {"en": "Filter", "ar": "تصفية"},
    "no_values": {"en": "No values", "ar": "لا توجد قيم"},
    "back_to_results": {"en": "Back to the results", "ar": "العودة إلى النتائج"},
    "selected": {"en": "selected", "ar": "محدد"},
    "histogram": {"en": "Articles over time", "ar": "المقالات عبر الزمن"},
    "histogram_help": {"en": "Select a bar to narrow to that period.", "ar": "اختر عموداً لحصر النتائج في تلك الفترة."},
    "per_interval": {"en": "one bar per {i}", "ar": "عمود لكل {i}"},
    "interval_auto": {"en": "auto", "ar": "تلقائي"},
    "interval_choose": {"en": "Bars per", "ar": "عمود لكل"},
    "hist_axis_count": {"en": "articles", "ar": "مقالات"},
    "hist_selected": {"en": "chosen period", "ar": "الفترة المختارة"},
    "interval_day": {"en": "day", "ar": "يوم"},
    "interval_week": {"en": "week", "ar": "أسبوع"},
    "interval_month": {"en": "month", "ar": "شهر"},
    "interval_year": {"en": "year", "ar": "سنة"},
    "date_range": {"en": "{a} – {b}", "ar": "{a} – {b}"},
    "date_from_label": {"en": "From", "ar": "من"},
    "date_to_label": {"en": "To", "ar": "إلى"},
    "apply": {"en": "Apply", "ar": "تطبيق"},
    "lang_ar": {"en": "Arabic", "ar": "العربية"},
    "lang_en": {"en": "English", "ar": "الإنجليزية"},
    "lang_other": {"en": "Other", "ar": "لغة أخرى"},
    "badge_ar": {"en": "AR", "ar": "ع"},
    "badge_en": {"en": "EN", "ar": "En"},
    "badge_other": {"en": "?", "ar": "؟"},
    # article
    "original": {"en": "Original", "ar": "النص الأصلي"},
    "translation": {"en": "Translation", "ar": "الترجمة"},
    "machine_translation": {"en": "Machine translation", "ar": "ترجمة آلية"},
    "machine_translation_note": {"en": "Produced automatically; it may contain errors. The original is authoritative.",
                                 "ar": "أُنتجت آلياً وقد تحتوي على أخطاء، والنص الأصلي هو المرجع."},
    "kind_machine": {"en": "machine", "ar": "آلية"},
    "kind_human": {"en": "human", "ar": "بشرية"},
    "kind_provided": {"en": "provided with the article", "ar": "مرفقة بالمقال"},
    "translation_kind": {"en": "Kind", "ar": "النوع"},
    "translation_provider": {"en": "Provider", "ar": "المزوّد"},
    "translation_model": {"en": "Model", "ar": "النموذج"},
    "translation_date": {"en": "Translated", "ar": "تاريخ الترجمة"},
    "translation_pending": {"en": "Translation pending", "ar": "الترجمة قيد الانتظار"},
    "translation_pending_note": {"en": "This article is queued for translation; check back later.",
                                 "ar": "هذا المقال في قائمة انتظار الترجمة؛ عد لاحقاً."},
    "translation_failed": {"en": "Translation failed", "ar": "تعذّرت الترجمة"},
    "translation_none": {"en": "No translation", "ar": "لا توجد ترجمة"},
    "translation_none_note": {"en": "This article has not been translated.", "ar": "لم يُترجَم هذا المقال."},
    "translation_why_no_provider": {"en": "No translation service is configured on this archive, so none was made.",
                                    "ar": "لم تُضبط خدمة ترجمة في هذا الأرشيف، فلم تُصنع ترجمة."},
    "translation_why_can": {"en": "It was not translated when it was added. You can have it translated now.",
                            "ar": "لم يُترجَم عند إضافته إلى الأرشيف. يمكنك طلب ترجمته الآن."},
    "translation_why_language": {"en": "Its language is neither Arabic nor English, so it is not translated.",
                                 "ar": "لغته ليست العربية ولا الإنجليزية، فلا يُترجَم."},
    "translation_why_unknown": {"en": "The translation service did not say why.",
                                "ar": "لم تذكر خدمة الترجمة السبب."},
    "export": {"en": "Export these results", "ar": "تصدير هذه النتائج"},
    "translate_now": {"en": "Translate now", "ar": "ترجِم الآن"},
    "translate_now_note": {"en": "A machine translation, stored with its provider and date.",
                           "ar": "ترجمة آلية تُحفظ مع اسم مزوّدها وتاريخها."},
    "translation_state": {"en": "Translation", "ar": "الترجمة"},
    "no_translation_badge": {"en": "not translated", "ar": "غير مترجم"},
    "pending_translation_badge": {"en": "translation pending", "ar": "الترجمة قيد الانتظار"},
    "failed_translation_badge": {"en": "translation failed", "ar": "تعذّرت الترجمة"},
    "about_translation": {"en": "About this translation", "ar": "عن هذه الترجمة"},
    "source": {"en": "Source", "ar": "المصدر"},
    "author": {"en": "Author", "ar": "الكاتب"},
    "site": {"en": "Site", "ar": "الموقع"},
    "date": {"en": "Date", "ar": "التاريخ"},
    "tags": {"en": "Tags", "ar": "الوسوم"},
    "language": {"en": "Language", "ar": "اللغة"},
    "url": {"en": "Original URL", "ar": "الرابط الأصلي"},
    "details": {"en": "Details", "ar": "التفاصيل"},
    "related_titles": {"en": "Related titles from the source", "ar": "عناوين ذات صلة من المصدر"},
    "related_titles_help": {"en": "Listed by the source; each searches the archive for that title.",
                            "ar": "كما أوردها المصدر؛ كل عنوان يبحث عنه في الأرشيف."},
    "related_coverage": {"en": "Related coverage in the archive", "ar": "تغطيات ذات صلة في الأرشيف"},
    "related_none": {"en": "No related articles found.", "ar": "لم يُعثر على مقالات ذات صلة."},
    "search_archive": {"en": "Search the archive", "ar": "البحث في الأرشيف"},
    "unknown_date": {"en": "undated", "ar": "دون تاريخ"},
    "not_found": {"en": "Article not found", "ar": "لم يُعثر على المقال"},
    # saved searches
    "saved_searches": {"en": "Saved searches", "ar": "عمليات البحث المحفوظة"},
    "saved_intro": {"en": "Follow a story or a name: the count of new articles is what arrived in the archive "
                          "since you last opened the search here. Each search has an Atom feed for a feed reader.",
                    "ar": "تابع قصة أو اسماً: عدد المقالات الجديدة هو ما وصل إلى الأرشيف منذ آخر مرة فتحت فيها "
                          "البحث هنا. لكل بحث موجز Atom لقارئ الموجزات."},
    "saved_none": {"en": "No saved searches yet: search, then use “Save this search”.",
                   "ar": "لا توجد عمليات بحث محفوظة بعد: ابحث ثم استخدم «احفظ هذا البحث»."},
    "save_search": {"en": "Save this search", "ar": "احفظ هذا البحث"},
    "save_name": {"en": "Name", "ar": "الاسم"},
    "save": {"en": "Save", "ar": "حفظ"},
    "api_key": {"en": "API key", "ar": "مفتاح الواجهة البرمجية"},
    "saved_disabled": {"en": "Saving searches is switched off: the server has no API key (ARSHIF_API_KEY).",
                       "ar": "حفظ عمليات البحث معطّل: لا يوجد مفتاح للواجهة البرمجية على الخادم (ARSHIF_API_KEY)."},
    "saved_wrong_key": {"en": "The API key is missing or wrong.", "ar": "مفتاح الواجهة البرمجية مفقود أو غير صحيح."},
    "saved_name_taken": {"en": "A saved search is already called “{name}”.",
                         "ar": "يوجد بحث محفوظ بالاسم «{name}»."},
    "saved_name_needed": {"en": "Give the search a name (at most 120 characters).",
                          "ar": "أعطِ البحث اسماً (120 حرفاً على الأكثر)."},
    "saved_missing": {"en": "No such saved search (it may have been deleted).",
                      "ar": "لا يوجد بحث محفوظ بهذا الرقم (ربما حُذف)."},
    "saved_done_saved": {"en": "Search saved.", "ar": "حُفظ البحث."},
    "saved_done_renamed": {"en": "Search renamed.", "ar": "غُيّر اسم البحث."},
    "saved_done_deleted": {"en": "Search deleted.", "ar": "حُذف البحث."},
    "saved_new": {"en": "{n} new", "ar": "{n} جديد"},
    "saved_new_label": {"en": "New since you last looked", "ar": "الجديد منذ آخر اطلاع"},
    "saved_matches": {"en": "Matches", "ar": "النتائج"},
    "saved_feed": {"en": "Atom feed", "ar": "موجز Atom"},
    "saved_open": {"en": "Open", "ar": "فتح"},
    "rename": {"en": "Rename", "ar": "إعادة التسمية"},
    "delete": {"en": "Delete", "ar": "حذف"},
    "saved_everything": {"en": "every article", "ar": "كل المقالات"},
    "saved_param_q": {"en": "query", "ar": "عبارة البحث"},
    "saved_param_mode": {"en": "languages", "ar": "اللغات"},
    "saved_param_source": {"en": "source", "ar": "المصدر"},
    "saved_param_author": {"en": "author", "ar": "الكاتب"},
    "saved_param_lang": {"en": "language", "ar": "اللغة"},
    "saved_param_tag": {"en": "tag", "ar": "الوسم"},
    "saved_param_site": {"en": "site", "ar": "الموقع"},
    "saved_param_date_from": {"en": "from", "ar": "من"},
    "saved_param_date_to": {"en": "to", "ar": "إلى"},
    "saved_param_sort": {"en": "sort", "ar": "الترتيب"},
    # errors
    "error_title": {"en": "Something went wrong", "ar": "حدث خطأ"},
    "error_400": {"en": "The request could not be read", "ar": "تعذّرت قراءة الطلب"},
    "error_404": {"en": "Not found", "ar": "غير موجود"},
    "error_422": {"en": "Some parameters are not valid", "ar": "بعض المعاملات غير صالحة"},
    "error_500": {"en": "Internal error", "ar": "خطأ داخلي"},
    "error_503": {"en": "The archive is temporarily unavailable", "ar": "الأرشيف غير متاح مؤقتاً"},
    "error_503_note": {"en": "The search engine cannot be reached. Please try again in a little while.",
                       "ar": "يتعذّر الوصول إلى محرك البحث. يُرجى المحاولة بعد قليل."},
    "error_back": {"en": "Go to the search page", "ar": "الذهاب إلى صفحة البحث"},
    "error_details": {"en": "Details", "ar": "التفاصيل"},
    "json_twin": {"en": "This page as JSON", "ar": "هذه الصفحة بصيغة JSON"},
    "footer": {"en": "Arshif — a searchable Arabic and English news archive.",
               "ar": "أرشيف — أرشيف أخبار عربي وإنجليزي قابل للبحث."},
}

# Counted phrases by CLDR plural category (Babel's rules): Arabic has six (zero, one, two, few for
# 3–10, many for 11–99, other for 100, 101, 102…), English two. "2 نتيجة" is wrong Arabic: it is نتيجتان.
PLURALS: dict[str, dict[str, dict[str, str]]] = {
    "results": {
        "en": {"one": "{n} result", "other": "{n} results"},
        "ar": {"zero": "لا نتائج", "one": "نتيجة واحدة", "two": "نتيجتان", "few": "{n} نتائج",
               "many": "{n} نتيجة", "other": "{n} نتيجة"},
    },
    "articles": {
        "en": {"one": "{n} article", "other": "{n} articles"},
        "ar": {"zero": "لا مقالات", "one": "مقالة واحدة", "two": "مقالتان", "few": "{n} مقالات",
               "many": "{n} مقالة", "other": "{n} مقالة"},
    },
    "undated": {
        "en": {"one": "{n} undated article", "other": "{n} undated articles"},
        "ar": {"zero": "لا مقالات دون تاريخ", "one": "مقالة واحدة دون تاريخ", "two": "مقالتان دون تاريخ",
               "few": "{n} مقالات دون تاريخ", "many": "{n} مقالة دون تاريخ", "other": "{n} مقالة دون تاريخ"},
    },
    "more_values": {
        "en": {"one": "{n} more", "other": "{n} more"},
        "ar": {"zero": "لا مزيد", "one": "قيمة أخرى", "two": "قيمتان أخريان", "few": "{n} قيم أخرى",
               "many": "{n} قيمة أخرى", "other": "{n} قيمة أخرى"},
    },
}


def plural_category(n: int | float, ui: str) -> str:
    """CLDR plural category of ``n`` in ``ui`` ('zero', 'one', 'two', 'few', 'many', 'other')."""
    return _locale(ui).plural_form(n)


@lru_cache(maxsize=4)
def _locale(ui: str) -> Locale:
    return Locale.parse(ui)


def tn(key: str, n: int, ui: str) -> str:
    """The counted phrase ``key`` for ``n`` in ``ui``, in the grammatical number CLDR gives."""
    forms = PLURALS[key].get(ui) or PLURALS[key]["en"]
    text = forms.get(plural_category(n, ui)) or forms["other"]
    return text.format(n=fmt_number(n, ui))


# Query-syntax errors are raised in English by the core (arshif/search/syntax.py) for the API and CLI;
# the Arabic page shows them in Arabic. Each pattern matches one message there; {0}, {1} are its groups.
SYNTAX_ERRORS_AR: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), ar) for p, ar in (
    (r"^'([^']+):' needs a value, e\.g\. \1:something$", "‏«{0}:» يحتاج إلى قيمة، مثل {0}:عكاظ"),
    (r"^unclosed quote", "علامة تنصيص غير مغلقة: أضف \" الختامية أو احذف الافتتاحية"),
    (r"^unbalanced '\)'", "قوس «)» زائد: لا يوجد «(» قبله"),
    (r"^unbalanced '\('", "قوس «(» غير مغلق: أضف «)»"),
    (r"^'OR' needs (?:something|a search term) on both sides", "«OR» تحتاج إلى كلمة بحث على جانبيها"),
    (r"^the query ends too early", "عبارة البحث تنتهي قبل أن تكتمل"),
    (r"^too many terms: at most (\d+)", "كلمات كثيرة جداً: الحد الأقصى {0} بين كلمات وعبارات وعوامل تصفية"),
    (r"^'-' must be followed", "يجب أن تلي «-» الكلمةُ أو العبارة المراد استبعادها"),
    (r"^'-' inside OR", "لا معنى لـ«-» داخل OR: ضع الاستبعاد خارجها"),
    (r"^a group of only exclusions", "مجموعة من الاستبعادات وحدها لا تطابق شيئاً: أضف كلمة للبحث عنها"),
    (r"^'([^']+):' filters cannot stand inside parentheses", "لا يمكن وضع عامل التصفية «{0}:» داخل الأقواس"),
    (r"^unexpected '(.*)'$", "«{0}» في غير موضعه"),
    (r"^cannot exclude on unknown field '(.*)'$", "لا يمكن الاستبعاد حسب حقل غير معروف «{0}»"),
))


def query_error_text(message: str, position: int | None, ui: str) -> str:
    """A query-syntax error in the UI's language, with where it is (1-based character)."""
    text = message
    if ui == "ar":
        for pattern, ar in SYNTAX_ERRORS_AR:
            m = pattern.search(message)
            if m:
                text = ar.format(*m.groups())
                break
    if position is None:
        return text
    where = f"عند الحرف {position + 1}" if ui == "ar" else f"at character {position + 1}"
    return f"{text} ({where})"


def query_error_translated(message: str, ui: str) -> bool:
    return ui != "ar" or any(p.search(message) for p, _ in SYNTAX_ERRORS_AR)


MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
    "ar": ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر",
           "ديسمبر"],
}
MONTHS_SHORT = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "ar": MONTHS["ar"],
}


def t(key: str, ui: str, **kw) -> str:
    """The UI string ``key`` in ``ui`` (English when a translation is missing), formatted with ``kw``."""
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(ui) or entry["en"]
    return text.format(**kw) if kw else text


def normalise_ui(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lower()[:2]
    return value if value in UI_LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The first of ar/en the browser prefers, or None."""
    best: tuple[float, str] | None = None
    for part in (header or "").split(","):
        lang, _, q = part.strip().partition(";q=")
        code = normalise_ui(lang.split("-")[0])
        if code is None:
            continue
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        if best is None or weight > best[0]:
            best = (weight, code)
    return best[1] if best else None


def fmt_number(n: int | float, ui: str) -> str:
    if isinstance(n, float) and not n.is_integer():
        return f"{n:,.1f}"
    return f"{int(n):,}"


def fmt_date(d: dt.date | dt.datetime | None, ui: str) -> str:
    if d is None:
        return t("unknown_date", ui)
    return f"{d.day} {MONTHS[ui][d.month - 1]} {d.year}"


def fmt_bucket(d: dt.date, interval: str | None, ui: str) -> str:
    """A histogram bucket's label: the day, the week's first day, the month or the year."""
    if interval == "year":
        return str(d.year)
    if interval == "month":
        return f"{MONTHS[ui][d.month - 1]} {d.year}"
    return fmt_date(d, ui)


def lang_name(code: str, ui: str) -> str:
    return t(f"lang_{code}", ui) if f"lang_{code}" in STRINGS else code


def count_text(n: int, ui: str) -> str:
    return tn("results", n, ui)
