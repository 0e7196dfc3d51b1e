"""Language detection for articles: Arabic, English or other.

Script first, `lingua` second. Most articles are settled by their script alone:
Arabic-script text without Persian/Urdu letters is Arabic, whatever Latin
brand names it quotes ("OPEC+"), and that costs microseconds. Only the rest —
Latin-script text, or Arabic script with Persian/Urdu letters — is handed to
`lingua` (accurate on short and mixed text, offline, maintained), restricted to
the languages a Middle-East news archive meets so it stays fast and small.
"""

from __future__ import annotations

from functools import lru_cache

import regex

_ARABIC = regex.compile(r"\p{Script=Arabic}")
_LATIN = regex.compile(r"\p{Script=Latin}")
_PERSIAN_URDU_LETTERS = regex.compile("[\u067e\u0686\u0698\u06af\u06a9\u06cc\u06c0\u06d2\u0679\u0688\u0691\u06ba\u06be]")


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    langs = [Language.ARABIC, Language.ENGLISH, Language.FRENCH, Language.PERSIAN, Language.URDU,
             Language.TURKISH, Language.GERMAN, Language.SPANISH]
    # Low-accuracy mode uses trigram models only: loads in a fraction of the time and is
    # as good as the full models on article-length text (we pass up to 1,500 characters).
    return LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build()


def detect_language(title: str, body: str, sample_chars: int = 1500) -> str:
    """'ar', 'en' or 'other' for an article (a sample of title and body is enough).

    The script is read off the title when it has words: a body can carry scraped code or
    an English quotation that outweighs the article's own language, a headline rarely does.
    """
    text = f"{title}\n{body}"[:sample_chars]
    title_letters = len(_ARABIC.findall(title)) + len(_LATIN.findall(title))
    script_sample = title if title_letters >= 8 else text
    arabic = len(_ARABIC.findall(script_sample))
    latin = len(_LATIN.findall(script_sample))
    if arabic == 0 and latin == 0:
        return "other"
    from lingua import Language

    if arabic > latin:
        if not _PERSIAN_URDU_LETTERS.search(text):
            return "ar"
        detected = _detector().detect_language_of(text)
        return "other" if detected in (Language.PERSIAN, Language.URDU) else "ar"
    body_latin = len(_LATIN.findall(text)) > len(_ARABIC.findall(text))
    # Ask lingua about text in the script just decided: the title alone when the body is in another.
    detected = _detector().detect_language_of(text if script_sample is text or body_latin else title)
    return "en" if detected in (Language.ENGLISH, None) else "other"
