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

# The catalogue of UI strings (it grows with every feature) lives apart from the rules that use it.
from web.messages import PLURALS, STRINGS  # noqa: F401 - part of this module's interface

UI_LANGUAGES = ("ar", "en")
DEFAULT_UI = "ar"
COOKIE = "arshif_ui"

DIRECTION = {"ar": "rtl", "en": "ltr"}




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
    # (not the query's syntax: the page's own parameters)
    (r"^size: at most (\d+) hits per page \(got (\d+)\)", "‏{1} نتيجة في الصفحة أكثر من المسموح به: الحد الأقصى {0}"),
    (r"^page (\d+) of (\d+) reaches past result ([\d,]+)",
     "الصفحة {0} تقع بعد أول {2} نتيجة: ضيّق البحث بعوامل التصفية أو بالتاريخ"),
    (r"^page: page=(\d+) cannot go with cursor", "لا يجتمع رقم الصفحة ({0}) ورابط الصفحة التالية: احذف أحدهما"),
    (r"^cursor is not valid", "رابط الصفحة التالية غير صالح: ابدأ البحث من صفحته الأولى"),
    (r"^cursor was made for another search", "رابط الصفحة التالية يخص بحثاً آخر: ابدأ هذا البحث من صفحته الأولى"),
    (r"^cursor was made for another sort order", "رابط الصفحة التالية يخص ترتيباً آخر: ابدأ من الصفحة الأولى"),
))

# A request's parameters refused by their type (FastAPI's validation, in pydantic's English) on an Arabic page:
# the parameter by what the page calls it, the rule in Arabic. Anything else keeps pydantic's own words.
PARAMETER_NAMES_AR = {
    "q": "عبارة البحث", "size": "عدد النتائج في الصفحة", "page": "رقم الصفحة", "date_from": "من تاريخ",
    "date_to": "إلى تاريخ", "sort": "الترتيب", "mode": "طريقة البحث", "lang": "اللغة", "source": "المصدر",
    "author": "الكاتب", "site": "الموقع", "tag": "الوسم", "group": "عرض النسخ", "cursor": "رابط الصفحة التالية",
    "histogram": "المدرج الزمني", "prefix": "بداية الاسم", "format": "الصيغة", "fields": "الأعمدة",
}
_DATE_RULE_AR = "تاريخ غير صالح: اكتب يوماً موجوداً بالصيغة سنة-شهر-يوم، مثل 2015-08-01"
PROBLEMS_AR = {
    "string_too_long": "أطول من المسموح به ({max_length} حرف): اختصرها وأعد المحاولة",
    "string_too_short": "أقصر من المسموح به ({min_length} حرف على الأقل)",
    "int_parsing": "يجب أن يكون عدداً صحيحاً",
    "int_from_float": "يجب أن يكون عدداً صحيحاً",
    "less_than_equal": "يجب ألا يزيد على {le}",
    "less_than": "يجب أن يكون أقل من {lt}",
    "greater_than_equal": "يجب ألا يقل عن {ge}",
    "greater_than": "يجب أن يكون أكبر من {gt}",
    "date_parsing": _DATE_RULE_AR,
    "date_from_datetime_parsing": _DATE_RULE_AR,
    "date_from_datetime_inexact": "يوم بلا ساعة: اكتبه سنة-شهر-يوم فقط، مثل 2015-08-01",
    "literal_error": "قيمة غير معروفة: المقبول {expected}",
    "enum": "قيمة غير معروفة: المقبول {expected}",
    "bool_parsing": "يجب أن يكون true أو false",
    "missing": "مطلوب",
    "extra_forbidden": "معامل غير معروف",
}


def problem_text(problem: dict, ui: str) -> str:
    """One refused parameter (``parameter``, ``type``, ``ctx``, ``message``) as the page's language says it."""
    name, message = str(problem.get("parameter", "")), str(problem.get("message", ""))
    template = PROBLEMS_AR.get(str(problem.get("type", ""))) if ui == "ar" else None
    if template is None:
        return f"{name}: {message}" if name else message
    try:
        # (pydantic lists a choice's values with English commas and "or")
        rule = template.format(**{k: str(v).replace(" or ", " أو ").replace(", ", "، ")
                                  for k, v in (problem.get("ctx") or {}).items()})
    except (KeyError, IndexError):
        return f"{name}: {message}"
    return f"{PARAMETER_NAMES_AR.get(name.split('.')[0], name)}: {rule}"


_CHOICES = ("literal_error", "enum")


def problem_lines(problems: list[dict], ui: str) -> list[str]:
    """:func:`problem_text` of each refused parameter, once. A parameter of several accepted forms is refused
    once per form (the histogram's interval, or ``none``): their choices are said together, else the first."""
    grouped: dict[str, list[dict]] = {}
    for problem in problems:
        grouped.setdefault(str(problem.get("parameter", "")), []).append(problem)
    lines = []
    for group in grouped.values():
        problem = group[0]
        if len(group) > 1 and all(p.get("type") in _CHOICES for p in group):
            values = [v for p in group for v in re.split(r", | or ", str((p.get("ctx") or {}).get("expected", "")))
                      if v]
            expected = ", ".join(values[:-1]) + " or " + values[-1] if len(values) > 1 else "".join(values)
            problem = {**problem, "ctx": {**(problem.get("ctx") or {}), "expected": expected}}
        lines.append(problem_text(problem, ui))
    return lines


#: Errors about a page's parameters (its size, its position, its cursor), not about what the query says.
_REQUEST_ERRORS = re.compile(r"^(?:size|page|cursor)\b")


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


def error_label(message: str) -> str:
    """The message key of the heading over an error the search page shows: the query's, or the page's."""
    return "request_error" if _REQUEST_ERRORS.search(message) else "query_error"


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


def fmt_axis(d: dt.date, interval: str | None, ui: str, year: bool) -> str:
    """A histogram axis label: as :func:`fmt_bucket`, months shortened and, for days and weeks, the year only
    where ``year`` (the last label, or where the year changes): three labels of a narrow sidebar ran into
    one another ("21 July 20151 August 201511 August 2015")."""
    if interval == "year":
        return fmt_bucket(d, interval, ui)
    if interval == "month":
        return f"{MONTHS_SHORT[ui][d.month - 1]} {d.year}"
    return f"{d.day} {MONTHS_SHORT[ui][d.month - 1]}" + (f" {d.year}" if year else "")


def lang_name(code: str, ui: str) -> str:
    return t(f"lang_{code}", ui) if f"lang_{code}" in STRINGS else code


def count_text(n: int, ui: str) -> str:
    return tn("results", n, ui)
