"""The one canonical form of what people type, per kind of field.

The same person, phone or code typed on different keyboards must compare equal: a name
typed with a Japanese IME's middle dot (・ U+30FB) or a bullet (• U+2022) instead of the
interpunct (· U+00B7), a phone in full-width digits (１３７…), a tracking code in full-width
or lower-case letters (ａｂｃ). Every entry point, duplicate key and search of every
service passes input through one of the functions below, and stores and shows the result.

Per kind, and why:

- ``code`` (card codes, tracking codes, region codes): Unicode NFKC (full-width letters and
  digits become ASCII), invisible characters and all spaces and hyphens removed (people read
  codes out in groups: "ABCD EFGH"), upper-cased: our codes use upper-case letters and
  digits only, so case carries nothing and a code is matched case-insensitively.
- ``phone``: NFKC (full-width digits and ＋), dash look-alikes (‐ ‑ ‒ – — ― − ﹣) to "-",
  invisible characters removed, runs of spaces to one, trimmed.
- ``email``: NFKC (full-width ＠ and letters), invisible characters and spaces removed. The
  local part keeps its case (RFC 5321 lets the receiving host tell cases apart).
- ``line`` (one-line text: work unit, position, address, ethnicity, term, district, venue
  names, categories, specialties, search words): NFKC except on full-width CJK punctuation
  (see below), invisible characters removed, any run of white space (the ideographic
  space U+3000 too) to one space, trimmed.
- ``name`` (a person's name): ``line``, then the middle-dot look-alikes folded to U+00B7,
  spaces around it removed, and a full stop between two Han characters (. U+002E, and ．
  U+FF0E which NFKC turns into it) read as the interpunct too.
- ``text`` (free text that may run over lines: an opinion, an answer, notes): NFC only, the
  line breaks made "\\n", the invisible characters that hide or reorder text removed (see
  below), trimmed. No NFKC: on prose it changes what was written (１００㎡ becomes 100m2,
  ① becomes 1, the full-width comma ， becomes ","), and prose is never a key or a filter.

Why not NFKC everywhere: NFKC maps the full-width CJK punctuation (，。：；！？（）【】…) to
ASCII, which changes how a Chinese address or venue name reads ("代表之家（延安路）" would be
shown as "代表之家(延安路)"). ``line`` and ``name`` therefore apply NFKC to everything except
the full-width punctuation block (U+FF01..U+FF0F, U+FF1A..U+FF20, U+FF3B..U+FF40,
U+FF5B..U+FF65 minus U+FF65 itself, which is a middle dot) and the CJK symbols and
punctuation block (U+3001..U+303F). Full-width letters and digits (U+FF10..U+FF19,
U+FF21..U+FF3A, U+FF41..U+FF5A) and the compatibility ideographs and Kangxi radicals that
PDFs and old input methods produce (⼈ U+2F08 for 人) are folded, which is what makes two
spellings of one name one key.

Invisible characters: in keys (codes, phones, e-mails, names, one-line text) every format
character (Unicode category Cf: zero-width space/joiner/non-joiner, word joiner, BOM, soft
hyphen, the bidi marks, embeddings, overrides and isolates) is removed: none of them is a
letter, and each would make a second key that looks like the first. In free text the
zero-width joiner and non-joiner (they shape Uyghur in Arabic script and join emoji
sequences) and the bidi marks LRM/RLM/ALM (they order mixed Uyghur and Chinese text) stay;
zero-width space, word joiner, BOM and soft hyphen go (paste debris), and so do the bidi
embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069), which keyboards do not
produce and which make a clerk read text in another order than it is stored
("Trojan Source", CVE-2021-42574).

Middle dots folded to U+00B7 in names. U+00B7 is the interpunct that the State Ethnic
Affairs Commission's notice 民委发〔2016〕33号 on names in public information systems
requires between the parts of a minority name (GB 18030 A1A4; repeated in JR/T 0253-2022
§6.1.4); W3C "Requirements for Chinese Text Layout" also recommends U+00B7. The look-alikes
people and converters actually produce:

- U+30FB ・ KATAKANA MIDDLE DOT: early GB 2312 and Big5 mapping tables mapped the interpunct
  here; Japanese and some Chinese IMEs type it.
- U+FF65 ･ HALFWIDTH KATAKANA MIDDLE DOT: the half-width form of the same.
- U+2027 ‧ HYPHENATION POINT: Big5 (CP950) maps its interpunct 0xA145 here, so text from
  Traditional Chinese systems carries it.
- U+2022 • BULLET, U+2219 ∙ BULLET OPERATOR, U+22C5 ⋅ DOT OPERATOR, U+25CF ● BLACK CIRCLE
  (input methods' symbol pickers), U+2E31 ⸱ WORD SEPARATOR MIDDLE DOT, U+A78F ꞏ LATIN LETTER
  SINOLOGICAL DOT, U+16EB ᛫ RUNIC SINGLE PUNCTUATION, U+0387 GREEK ANO TELEIA (NFC already
  makes it U+00B7), U+318D ㆍ HANGUL LETTER ARAEA (the dot of Korean IMEs), U+1427 ᐧ
  CANADIAN SYLLABICS FINAL MIDDLE DOT: the characters Unicode's confusables data
  (UTS #39) lists as confusable with U+00B7.
"""
from __future__ import annotations

import re
import unicodedata

MIDDLE_DOT = "\u00b7"
MIDDLE_DOT_VARIANTS = frozenset(
    "\u00b7\u0387\u1427\u16eb\u2022\u2027\u2219\u22c5\u25cf\u2e31\u30fb\u318d\ua78f\uff65")

# Full-width and CJK punctuation that keeps its form in one-line text: NFKC would turn it
# into ASCII punctuation and change how Chinese text reads. U+FF65 is a middle dot (folded
# in names), not kept here.
_KEPT_PUNCTUATION = re.compile(
    "[\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff64]+")

# Invisible characters free text may lose; see the module doc for what it keeps.
_TEXT_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
# White space that is not a control character: control characters stay, so that the checks
# in shared.validation refuse them with a clear error instead of their vanishing.
_SPACES = re.compile(r"[^\S\x00-\x1f\x7f-\x9f]+")
# At the ends, line breaks and tabs go too (a code pasted from a message ends in one).
_EDGES = re.compile(r"^[^\S\x00-\x08\x0e-\x1f\x7f-\x9f]+|[^\S\x00-\x08\x0e-\x1f\x7f-\x9f]+$")
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
_DOT_BETWEEN_HAN = re.compile(rf"(?<={_HAN}) ?[.\uff0e] ?(?={_HAN})")
_SPACED_DOT = re.compile(" ?\u00b7 ?")


def _trim(value: str) -> str:
    return _EDGES.sub("", value)


def _no_format_chars(value: str) -> str:
    return "".join(c for c in value if unicodedata.category(c) != "Cf")


def _nfkc_outside_punctuation(value: str) -> str:
    """NFKC on everything but the full-width and CJK punctuation (kept as typed)."""
    out, start = [], 0
    for m in _KEPT_PUNCTUATION.finditer(value):
        out.append(unicodedata.normalize("NFKC", value[start:m.start()]))
        out.append(m.group())
        start = m.end()
    out.append(unicodedata.normalize("NFKC", value[start:]))
    return "".join(out)


def code(value: str | None) -> str:
    """A card, tracking or region code as stored: "ａｂｃｄ－２３４５" -> "ABCD2345"."""
    value = unicodedata.normalize("NFKC", _no_format_chars(value or ""))
    value = _trim(_SPACES.sub("", _DASHES.sub("", value).replace("-", "")))
    # NFKC again: removing a space may join a combining mark to the letter before it.
    return unicodedata.normalize("NFKC", value.upper())


def phone(value: str | None) -> str:
    """A phone number as stored: "＋８６ １３７–0000 0000" -> "+86 137-0000 0000"."""
    value = unicodedata.normalize("NFKC", _no_format_chars(value or ""))
    return _trim(_SPACES.sub(" ", _DASHES.sub("-", value)))


def email(value: str | None) -> str:
    """An e-mail address as stored: "ｚｈａｎｇ＠example.cn" -> "zhang@example.cn"."""
    return unicodedata.normalize("NFKC", _SPACES.sub("", unicodedata.normalize("NFKC", _no_format_chars(value or ""))))


def line(value: str | None) -> str:
    """One line of text as stored: "昌吉市　人民医院\\u200b" -> "昌吉市 人民医院"."""
    value = _nfkc_outside_punctuation(_no_format_chars(value or ""))
    return _trim(_SPACES.sub(" ", value))


def name(value: str | None) -> str:
    """A person's name as stored: "阿依古丽 ・ 示例" and "阿依古丽•示例" -> "阿依古丽·示例"."""
    value = line("".join(MIDDLE_DOT if c in MIDDLE_DOT_VARIANTS else c for c in (value or "")))
    value = _DOT_BETWEEN_HAN.sub(MIDDLE_DOT, value)
    return _SPACED_DOT.sub(MIDDLE_DOT, value)


def text(value: str | None) -> str:
    """Free text as stored: NFC, "\\r\\n" and "\\r" made "\\n", paste debris and bidi overrides
    removed, trimmed. Line breaks, tabs and the writer's punctuation stay as written."""
    value = _TEXT_INVISIBLE.sub("", (value or "").replace("\r\n", "\n").replace("\r", "\n"))
    return _trim(unicodedata.normalize("NFC", value))
