"""Language detection for articles: Arabic, English or other.

Uses `lingua` (accurate on short and mixed text, offline, maintained), limited
to the languages a Middle-East news archive meets, which keeps it fast. Mixed
Arabic/English text is decided by which script carries most of the letters
before lingua is asked, so an Arabic article quoting "OPEC+" stays Arabic.
"""

from __future__ import annotations

from functools import lru_cache

import regex

_ARABIC = regex.compile(r"\p{Script=Arabic}")
_LATIN = regex.compile(r"\p{Script=Latin}")


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    langs = [Language.ARABIC, Language.ENGLISH, Language.FRENCH, Language.PERSIAN, Language.URDU,
             Language.TURKISH, Language.GERMAN, Language.SPANISH]
    return LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()


def detect_language(title: str, body: str, sample_chars: int = 2000) -> str:
    """'ar', 'en' or 'other' for an article (a sample of title and body is enough)."""
    text = f"{title}\n{body}"[:sample_chars]
    arabic = len(_ARABIC.findall(text))
    latin = len(_LATIN.findall(text))
    if arabic == 0 and latin == 0:
        return "other"
    from lingua import Language

    detected = _detector().detect_language_of(text)
    if arabic > latin:
        # Arabic script is shared by Persian and Urdu: ask lingua only to tell those apart.
        return "other" if detected in (Language.PERSIAN, Language.URDU) else "ar"
    return "en" if detected in (Language.ENGLISH, None) else "other"
