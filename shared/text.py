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
- ``phone``: one form per number, whatever the grouping (see "Phones" below): a mainland
  mobile is its 11 digits (13712345678), a landline its area code, one hyphen and the
  subscriber number (0994-2000006, 010-12345678), a 400/800 number or a local number its
  digits, a number abroad "+" and its digits (+12025550100).
- ``email``: NFKC (full-width ＠ and letters), invisible characters and spaces removed. The
  local part keeps its case (RFC 5321 lets the receiving host tell cases apart).
- ``line`` (one-line text: work unit, position, address, ethnicity, term, district, venue
  names, categories, specialties, search words): NFKC except on full-width CJK punctuation
  (see below), invisible characters removed, any run of white space (the ideographic
  space U+3000 too) to one space, trimmed.
- ``name`` (a person's name): ``line``, then the middle-dot look-alikes folded to U+00B7,
  spaces around it removed, and a full stop between two Han characters (. U+002E, ．
  U+FF0E which NFKC turns into it, the ideographic 。 U+3002) read as the interpunct too.
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

Phones. People write one number as 137 1234 5678, 137-1234-5678, (0994) 200 0006 or
+86 137 1234 5678; it is one phone and one duplicate key. After NFKC (full-width digits and
＋) and with the dash look-alikes (‐ ‑ ‒ – — ― − ﹣) read as "-", the grouping marks (spaces,
hyphens, dots, parentheses) go, and then:

- Country code 86 (+86, 0086, or a bare 86 before a mobile's 11 digits or before a whole
  landline, area code and subscriber number, with or without its trunk 0: 86 0994 2000006,
  86-994-2000006) is dropped: mainland numbers are stored in their domestic form. After it,
  a landline's trunk 0, which international writing leaves out (+86 994 2000006), is put
  back. A bare 86 is read as the country code only there: a landline with its area code is
  at least 10 digits without the 0, so 86 and such a number is 12 digits or more and never
  a local number (7 or 8 digits), a 400/800 number (10) or a mobile (11).
- A mobile (1[3-9] and 9 more digits, the numbering plan of the Ministry of Industry and
  Information Technology) is its 11 digits.
- A landline is 0, an area code and a subscriber number of 7 or 8 digits; area codes are
  010 and 020 to 029 (three digits with the 0, followed by 8 digits) or four digits with the
  0 for every other area (0994 for 昌吉). It is stored with one hyphen after the area code,
  as directories print it: 0994-2000006. The area code is needed to dial it from a mobile,
  so it is kept.
- 400 and 800 numbers and local numbers without area code (7 or 8 digits) are their digits;
  another country's number is + and its digits (E.164).
- Anything else (a landline with an extension, 0994-2000006-801) keeps the groups as typed,
  joined by single hyphens, so the extension stays readable.

Letters and other characters stay (the checks of each service refuse them with a clear
error); a phone is never guessed at beyond the rules above.

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
- U+02D9 ˙ DOT ABOVE (the Bopomofo light-tone mark, offered by Zhuyin input methods), U+2E33
  ⸳ RAISED DOT, U+2E30 ⸰ RING POINT, U+2981 ⦁ Z NOTATION SPOT, U+10101 AEGEAN WORD
  SEPARATOR DOT: symbol pickers' dots, folded wherever they stand.
- Punctuation that is a letter's business in its own script is folded only between two Han
  characters, where it can only stand for the interpunct: the full stop (. U+002E, ．
  U+FF0E, ․ U+2024, ﹒ U+FE52, which NFKC makes "."; the ideographic full stop 。 U+3002,
  which a Chinese input method types for the "." key, so it is what a clerk who cannot find
  · types, and its half-width form ｡ U+FF61; ⸼ U+2E3C STENOGRAPHIC FULL STOP), the Tibetan
  tsheg ་ U+0F0B (and U+0F0C, which NFKC makes U+0F0B; the tsheg separates syllables inside
  a Tibetan name written in Tibetan script, བཀྲ་ཤིས, and must stay there), the Syriac ܁
  U+0701, ˑ U+02D1 MODIFIER LETTER HALF TRIANGULAR COLON (a raised dot in symbol pickers,
  but a length mark after a letter in phonetic transcription) and the degree sign ° U+00B0
  (a raised small circle in the same pickers; after a digit it is a degree, 36.5°, and a
  name has no digit, but between two Han characters it can only be a dot). A name ending in
  one (张三。) keeps it: there it is a sentence's end pasted along, not a separator, and the
  checks of each service judge it.

Combining marks. NFKC writes the spacing accents (˙ U+02D9, ´ U+00B4, ¨ U+00A8, ゛ U+309B and
the rest of the 50 characters whose compatibility decomposition is a space and a combining
mark) as a space followed by a combining mark, which leaves a mark on nothing at the start
of a word (阿依古丽˙测试 would become "阿依古丽 ̇测试"). In ``line`` and ``name`` those
characters are kept as typed (˙ then folds to ·), a space followed by a combining mark (as
stored by a system that applied NFKC) becomes the spacing character it stands for, and a
combining mark that still starts a word (at the start, or after a space, or after the
interpunct in a name) is removed: it marks no letter and would only make a second key.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

MIDDLE_DOT = "\u00b7"
MIDDLE_DOT_VARIANTS = frozenset(
    "\u00b7\u0387\u1427\u16eb\u2022\u2027\u2219\u22c5\u25cf\u2e31\u30fb\u318d\ua78f\uff65"
    "\u02d9\u2e30\u2e33\u2981\U00010101")
# Folded to U+00B7 only between two Han characters (after NFKC: ． ․ ﹒ are "." by then,
# U+0F0C is U+0F0B; 。 and ｡ are kept by NFKC here, see _KEPT_PUNCTUATION).
HAN_ONLY_DOTS = ".\u3002\uff61\u2e3c\u02d1\u00b0\u0f0b\u0701"

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
_DOT_BETWEEN_HAN = re.compile(rf"(?<={_HAN}) ?[{re.escape(HAN_ONLY_DOTS)}\uff0e] ?(?={_HAN})")
# Spaces around the interpunct go, and a run of them is one (˙ after · would make two).
_SPACED_DOT = re.compile(" ?\u00b7(?: ?\u00b7)* ?")


def _trim(value: str) -> str:
    return _EDGES.sub("", value)


def _no_format_chars(value: str) -> str:
    return "".join(c for c in value if unicodedata.category(c) != "Cf")


def _is_mark(c: str) -> bool:
    return unicodedata.category(c).startswith("M")


@functools.cache
def _spacing_marks() -> dict[str, str]:
    """The characters NFKC writes as a space and combining marks (˙ -> " \u0307"), each
    mapped to that decomposition. All of them are in the Basic Multilingual Plane."""
    found: dict[str, str] = {}
    for cp in range(0x80, 0x10000):
        n = unicodedata.normalize("NFKC", chr(cp))
        if len(n) > 1 and n[0] == " " and _is_mark(n[1]):
            found[chr(cp)] = n
    return found


@functools.cache
def _spacing_form() -> dict[str, str]:
    """A space and combining marks -> the spacing character they decompose from (the lowest
    code point where several do: " \u0301" is ´ U+00B4, not U+1FFD)."""
    out: dict[str, str] = {}
    for c, decomposed in sorted(_spacing_marks().items(), reverse=True):
        out[decomposed] = c
    return out


def _nfkc_outside_punctuation(value: str) -> str:
    """NFKC on everything but the full-width and CJK punctuation and the spacing accents
    (kept as typed: see the module doc)."""
    out, start = [], 0
    spacing = _spacing_marks()
    for i, c in enumerate(value):
        if c in spacing or _KEPT_PUNCTUATION.fullmatch(c):
            out.append(unicodedata.normalize("NFKC", value[start:i]))
            out.append(c)
            start = i + 1
    out.append(unicodedata.normalize("NFKC", value[start:]))
    return "".join(out)


def _no_lone_marks(value: str, boundaries: str = "") -> str:
    """Combining marks that start a word (see the module doc): after a space, the spacing
    character the space and marks stand for, if there is one; else removed. ``boundaries``:
    further characters after which a mark is on nothing."""
    if not any(_is_mark(c) for c in value):
        return value
    spacing = _spacing_form()
    out: list[str] = []
    i = 0
    while i < len(value):
        c = value[i]
        if not _is_mark(c) or (out and not out[-1].isspace() and out[-1] not in boundaries):
            out.append(c)
            i += 1
            continue
        end = i
        while end < len(value) and _is_mark(value[end]):
            end += 1
        marks = value[i:end]
        if out and out[-1] == " ":
            # The longest run of these marks that a spacing character decomposes into.
            for cut in range(len(marks), 0, -1):
                if " " + marks[:cut] in spacing:
                    out[-1] = spacing[" " + marks[:cut]]
                    break
        i = end   # the marks not taken into a spacing character mark nothing: dropped
    return "".join(out)


def code(value: str | None) -> str:
    """A card, tracking or region code as stored: "ａｂｃｄ－２３４５" -> "ABCD2345"."""
    value = unicodedata.normalize("NFKC", _no_format_chars(value or ""))
    value = _trim(_SPACES.sub("", _DASHES.sub("", value).replace("-", "")))
    # NFKC again: removing a space may join a combining mark to the letter before it.
    return unicodedata.normalize("NFKC", value.upper())


_PHONE_GROUPING = re.compile(r"[\s\-.()]+")
_PHONE = re.compile(r"\+?[0-9]+", re.ASCII)
_DIGIT_GROUPS = re.compile(r"[0-9]+", re.ASCII)
_COUNTRY_86 = re.compile(r"(?:\+|00)86([0-9]+)|86(1[3-9][0-9]{9})"
                         r"|86(0?(?:10|2[0-9])[0-9]{8}|0?[3-9][0-9]{2}[0-9]{7,8})", re.ASCII)
_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
_LANDLINE = re.compile(r"(0(?:10|2[0-9]))([0-9]{8})|(0[3-9][0-9]{2})([0-9]{7,8})", re.ASCII)
_DIGITS_ONLY = re.compile(r"[48]00[0-9]{7}|[2-9][0-9]{6,7}|[0-9]{3,6}", re.ASCII)


def phone(value: str | None) -> str:
    """A phone number as stored (rules in the module doc): "+86 137 1234 5678", "137-1234-5678"
    and "１３７ １２３４ ５６７８" -> "13712345678"; "(0994) 200 0006" -> "0994-2000006"."""
    value = unicodedata.normalize("NFKC", _no_format_chars(value or ""))
    value = _trim(_SPACES.sub(" ", _DASHES.sub("-", value)))
    compact = _PHONE_GROUPING.sub("", value)
    if not _PHONE.fullmatch(compact):
        return value   # not a phone: left for the caller's check to refuse
    national = compact
    china = _COUNTRY_86.fullmatch(compact)
    if china:
        national = china[1] or china[2] or china[3]
        if (not national.startswith("0") and not _MOBILE.fullmatch(national)
                and not _DIGITS_ONLY.fullmatch(national) and _LANDLINE.fullmatch("0" + national)):
            national = "0" + national   # the trunk 0 that international writing leaves out
    elif compact.startswith("+"):
        return compact
    elif compact.startswith("00"):
        return "+" + compact[2:]   # 00 is the international prefix dialled from China
    if _MOBILE.fullmatch(national) or _DIGITS_ONLY.fullmatch(national):
        return national
    landline = _LANDLINE.fullmatch(national)
    if landline:
        area, number = (landline[1], landline[2]) if landline[1] else (landline[3], landline[4])
        return f"{area}-{number}"
    if china:
        return national
    return "-".join(_DIGIT_GROUPS.findall(value))


def email(value: str | None) -> str:
    """An e-mail address as stored: "ｚｈａｎｇ＠example.cn" -> "zhang@example.cn"."""
    return unicodedata.normalize("NFKC", _SPACES.sub("", unicodedata.normalize("NFKC", _no_format_chars(value or ""))))


def line(value: str | None) -> str:
    """One line of text as stored: "昌吉市　人民医院\\u200b" -> "昌吉市 人民医院"."""
    value = _no_lone_marks(_nfkc_outside_punctuation(_no_format_chars(value or "")))
    return _trim(_SPACES.sub(" ", value))


def name(value: str | None) -> str:
    """A person's name as stored: "阿依古丽 ・ 示例" and "阿依古丽•示例" -> "阿依古丽·示例"."""
    value = _fold_dots(line(_fold_dots(value or "")))   # line may give back a ˙ (module doc)
    value = _no_lone_marks(_DOT_BETWEEN_HAN.sub(MIDDLE_DOT, value), MIDDLE_DOT)
    return _SPACED_DOT.sub(MIDDLE_DOT, value)


def _fold_dots(value: str) -> str:
    return "".join(MIDDLE_DOT if c in MIDDLE_DOT_VARIANTS else c for c in value)


def text(value: str | None) -> str:
    """Free text as stored: NFC, "\\r\\n" and "\\r" made "\\n", paste debris and bidi overrides
    removed, trimmed. Line breaks, tabs and the writer's punctuation stay as written."""
    value = _TEXT_INVISIBLE.sub("", (value or "").replace("\r\n", "\n").replace("\r", "\n"))
    return _trim(unicodedata.normalize("NFC", value))


# Fields of the services' requests by the form their values are stored in: what a request's
# fingerprint compares (shared.idempotency), so a retry typed on another keyboard is the same
# request. Free text keeps its own form; every other string is a line.
_FREE_TEXT_FIELDS = frozenset({"text", "answer", "notes", "reason", "pledge", "title", "reply"})


def form_of_field(field_name: str) -> Callable[[str | None], str]:
    """The canonical form for a request field named ``field_name``: ``code`` for *code,
    ``phone`` for *phone, ``email`` for *email, ``name`` for name/*_name/household_head,
    ``text`` for free text, else ``line``."""
    if field_name.endswith("code"):
        return code
    if field_name.endswith("phone"):
        return phone
    if field_name.endswith("email"):
        return email
    if field_name == "name" or field_name.endswith("_name") or field_name == "household_head":
        return name
    if field_name in _FREE_TEXT_FIELDS:
        return text
    return line


def canonical_strings(message) -> None:
    """Every string field of the protobuf ``message`` and of the messages it holds, in place,
    in its form (``form_of_field``). Map fields are left as they are."""
    for field, value in message.ListFields():
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            continue
        if field.type == field.TYPE_MESSAGE:
            for item in (value if field.is_repeated else [value]):
                canonical_strings(item)
        elif field.type == field.TYPE_STRING:
            form = form_of_field(field.name)
            if field.is_repeated:
                value[:] = [form(v) for v in value]
            else:
                setattr(message, field.name, form(value))
