"""Lucene's ``StandardTokenizer`` (UAX#29 word boundaries) as one ``regex`` pattern.

What Lucene's JFlex grammar emits, and so what this pattern matches:

* words: runs of ALetter/Hebrew_Letter/Numeric/Katakana chars, glued by
  ExtendNumLet (``_``), with Extend/Format/ZWJ chars (harakat, ZWNJ, RLM …)
  attached to whatever precedes them; a MidLetter/MidNumLet/Single_Quote char
  (``. ' ’ :`` …) joins two letters (``it's``, ``U.S``, ``e.g``), a
  MidNum/MidNumLet/Single_Quote char (``, . ٬ ،`` …) joins two digits
  (``1,000``, ``3.5``); letters and digits join directly (``covid19``);
* emoji sequences (ZWJ sequences, modifiers, flags, keycaps);
* runs of South-East-Asian (Line_Break=SA) characters;
* single Han ideographs and single Hiragana characters.

Everything else separates tokens. Tokens longer than ``max_token_length``
(default 255) are cut into pieces of that length, as Lucene does.
"""

from __future__ import annotations

import regex

__all__ = ["build_token_pattern", "build_plain_run_pattern"]

_XC = r"\p{WB=Format}\p{WB=Extend}\p{WB=ZWJ}"
_X = rf"[{_XC}]*"
_ALC = r"\p{WB=ALetter}\p{WB=Hebrew_Letter}"
_NUC = r"\p{WB=Numeric}\uFF10-\uFF19"
_KAC = r"\p{WB=Katakana}"
_ENC = r"\p{WB=ExtendNumLet}"
_MLC = r"\p{WB=MidLetter}\p{WB=MidNumLet}\p{WB=Single_Quote}"
_MNC = r"\p{WB=MidNum}\p{WB=MidNumLet}\p{WB=Single_Quote}"
_MIDC = rf"{_MLC}{_MNC}\p{{WB=Double_Quote}}"
_HL = r"\p{WB=Hebrew_Letter}"

# Emoji (Lucene's EMOJI rule, built on UTS#51 emoji_sequence).
_EMOJI_CHAR = (
    r"[\p{Extended_Pictographic}"
    r"[\p{Emoji}--[\p{WB=Regional_Indicator}0-9#*\u00a9\u00ae\u2122\u3030\u303d\p{Emoji_Modifier}]]]"
)
_EMB = r"\p{Emoji_Modifier_Base}"
_EM = r"\p{Emoji_Modifier}"
# Extend/Format without the presentation selectors; a ZWJ only when it does not start a ZWJ sequence.
_XS = (
    rf"(?:[[\p{{WB=Format}}\p{{WB=Extend}}]--[\uFE0E\uFE0F]]"
    rf"|\u200D(?!\u200D*(?:{_EMOJI_CHAR}|{_EMB}|{_EM})))*"
)
_ECPM = rf"(?:\u200D*{_EMOJI_CHAR}{_XS}\uFE0F?|(?:\u200D*{_EMB}{_XS})?{_EM}{_XS})"
_EMOJI = (
    rf"{_ECPM}(?:(?:\u200D{_ECPM})+|[\U000E0020-\U000E007E]+\U000E007F)?"
    rf"|[0-9#*]{_XS}\uFE0F?\u20E3{_XS}"
    rf"|\p{{WB=Regional_Indicator}}{_X}\p{{WB=Regional_Indicator}}{_X}"
)


def build_token_pattern(no_start: str = "") -> regex.Pattern[str]:
    """Compile the tokenizer pattern.

    ``no_start``: letters that may not begin a token. The analyzer passes the
    letters its char filter deletes (tatweel), because Lucene tokenizes the
    char-filtered text, where such a letter is already gone: a token then starts
    after it, never on it.
    """
    start = rf"[{_ALC}{_NUC}{_KAC}]"
    if no_start:
        start = rf"[[{_ALC}{_NUC}{_KAC}]--[{regex.escape(no_start, special_only=True)}]]"
    body = rf"[{_ALC}{_NUC}{_KAC}{_ENC}{_XC}]"
    # A join char is taken only when the base chars on both sides allow it (UAX#29 WB6/7, WB11/12,
    # WB7a-c). The char class test comes first so ordinary token ends fail fast.
    mid = (
        rf"[{_MIDC}]"
        rf"(?:(?<=[{_ALC}]{_X}[{_MLC}])(?=[{_XC}]*[{_ALC}])"
        rf"|(?<=[{_NUC}]{_X}[{_MNC}])(?=[{_XC}]*[{_NUC}])"
        rf"|(?<={_HL}{_X}\p{{WB=Single_Quote}})"
        rf"|(?<={_HL}{_X}\p{{WB=Double_Quote}})(?={_X}{_HL}))"
    )
    tail = rf"{body}*(?:{mid}{body}*)*"
    word = rf"{start}{tail}|(?:[{_ENC}]{_X})+{start}{tail}"
    other = (
        rf"|{_EMOJI}"
        rf"|(?:\p{{LB=SA}}{_X})+"
        rf"|[\p{{Script=Han}}\p{{Script=Hiragana}}]{_X}"
    )
    return regex.compile(word + other, regex.V1)


def build_plain_run_pattern() -> regex.Pattern[str]:
    """Letters and digits only (ALetter, Hebrew_Letter, Numeric): a run of them is one token from wherever it
    starts (UAX#29 WB5, WB8-10 join them all), so an over-long one is cut into ``max_token_length`` pieces
    directly, without matching what is left of it again after each cut."""
    return regex.compile(rf"[{_ALC}{_NUC}]+", regex.V1)

