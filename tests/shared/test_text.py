"""The one canonical form of typed text (shared.text), per kind of field."""
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import text
from shared.errors import InvalidArgument
from shared.validation import region_code
from shared.validation import text as checked

AYGUL = "阿依古丽·示例"


@pytest.mark.parametrize("typed", [
    AYGUL, "阿依古丽・示例", "阿依古丽•示例", "阿依古丽･示例", "阿依古丽‧示例", "阿依古丽⋅示例", "阿依古丽∙示例",
    "阿依古丽·示例", "阿依古丽⸱示例", "阿依古丽ꞏ示例", "阿依古丽᛫示例", "阿依古丽ㆍ示例", "阿依古丽●示例",
    "阿依古丽.示例", "阿依古丽．示例", " 阿依古丽 · 示例 ", "阿依古丽\u200b·示例\ufeff", "\u202e阿依古丽·示例",
    "阿依古丽\u00ad·示例", "阿依古丽\u3000・\u3000示例",
])
def test_every_middle_dot_variant_of_a_minority_name_is_one_name(typed):
    assert text.name(typed) == AYGUL


def test_names_fold_width_and_radicals_but_keep_latin_full_stops():
    assert text.name("Ａｌｉｍ") == "Alim"
    assert text.name("⼈民") == "人民"              # U+2F08 KANGXI RADICAL MAN, as PDFs paste it
    assert text.name("J. Smith") == "J. Smith"
    assert text.name("马  玉兰") == "马 玉兰"


@pytest.mark.parametrize("typed, stored", [
    ("１３７００００００００", "13700000000"),
    ("＋８６ １３７－００００－００００", "13700000000"),
    ("0994–2345678", "0994-2345678"),               # en dash
    ("0994\u22122345678", "0994-2345678"),         # minus sign
    (" 138\u200b0000\u30000000 ", "13800000000"),  # a zero-width space is no space
])
def test_phones_are_stored_in_ascii(typed, stored):
    assert text.phone(typed) == stored


@pytest.mark.parametrize("typed", ["ＡＢＣＤ２３４５６７８９", "abcd23456789", "ABCD 2345 6789", "abcd-2345-6789",
                                   "\u200bＡbcd２３４５６７８９\n"])
def test_codes_are_upper_case_ascii_without_spaces(typed):
    assert text.code(typed) == "ABCD23456789"


def test_email_folds_width_and_keeps_case_of_the_local_part():
    assert text.email(" Ｚhang＠ｅｘａｍｐｌｅ.cn ") == "Zhang@example.cn"


def test_one_line_text_keeps_chinese_punctuation_and_folds_digits_and_spaces():
    assert text.line("代表之家（延安路）\u3000１号，东门") == "代表之家（延安路） 1号，东门"
    assert text.line("昌吉市  人民医院\u200b") == "昌吉市 人民医院"


def test_free_text_is_kept_as_written_without_debris_or_bidi_overrides():
    written = "１００㎡的广场，①号楼门口\r\n　　路灯坏了 😀\u200d"
    assert text.text(written) == "１００㎡的广场，①号楼门口\n　　路灯坏了 😀\u200d"
    assert text.text("\ufeff看\u202e这\u2066里\u200b") == "看这里"
    assert text.text("ئۇيغۇر\u200cچە\u200f") == "ئۇيغۇر\u200cچە\u200f"   # ZWNJ and RLM shape Uyghur


def test_control_characters_are_refused_not_dropped():
    for value in ("张\n三", "张\x00三", "张\x85三"):
        with pytest.raises(InvalidArgument, match="control characters"):
            checked(value, "name", max_len=50, form=text.name)


def test_region_codes_in_full_width_digits_are_the_same_region():
    assert region_code("６５２３０１", "region_code") == "652301"
    with pytest.raises(InvalidArgument):
        region_code("٦٥٢٣٠١", "region_code")   # Arabic-Indic digits are not GB/T 2260 codes


TRICKY = st.sampled_from("阿A·・•.．\u0301\u00b4 \u3000\u200b\r\n\x1f-－=（）,，¨a")


@settings(max_examples=500)
@given(st.text(max_size=30) | st.text(alphabet=TRICKY, max_size=10))
def test_every_form_is_idempotent(value):
    for form in (text.name, text.line, text.code, text.phone, text.email, text.text):
        once = form(value)
        assert form(once) == once, form.__name__


ONE_MOBILE = ["13712345678", "137 1234 5678", "137-1234-5678", "137.1234.5678", "(137) 1234 5678",
              "+86 137 1234 5678", "+86-137-1234-5678", "+8613712345678", "0086 137 1234 5678", "86 13712345678",
              "＋８６ １３７ １２３４ ５６７８", "１３７\u3000１２３４\u3000５６７８", "137\u20131234\u20135678"]


@pytest.mark.parametrize("typed", ONE_MOBILE)
def test_a_mobile_is_its_eleven_digits_whatever_the_grouping_or_country_code(typed):
    assert text.phone(typed) == "13712345678"


@pytest.mark.parametrize("typed, stored", [
    ("0994-2000006", "0994-2000006"), ("0994 2000006", "0994-2000006"), ("(0994)2000006", "0994-2000006"),
    ("09942000006", "0994-2000006"), ("+86 994 2000006", "0994-2000006"), ("+86 (0)994-2000006", "0994-2000006"),
    ("0086 994 200 0006", "0994-2000006"), ("010 8888 6666", "010-88886666"), ("+86 10 8888 6666", "010-88886666"),
    ("0991-12345678", "0991-12345678"), ("400-800-1234", "4008001234"), ("+86 400 800 1234", "4008001234"),
    ("200 0006", "2000006"), ("12345", "12345"), ("+1 (202) 555-0100", "+12025550100"),
    ("001 202 555 0100", "+12025550100"), ("0994-2000006-801", "0994-2000006-801"),
    ("0994 2000006 801", "0994-2000006-801"),
])
def test_landlines_keep_the_area_code_with_one_hyphen_and_others_their_digits(typed, stored):
    assert text.phone(typed) == stored


# A bare 86 before a landline, its trunk 0 written or not, is the country code: one landline,
# one form (the tester stored these five ways).
@pytest.mark.parametrize("typed", ["86 0994 2000006", "86 994 2000006", "8609942000006", "86-994-2000006",
                                   "86 (0994) 200 0006", "86 994 200 0006", "86-0994-200-0006", "８６ ０９９４ ２０００００６",
                                   "869942000006"])
def test_a_bare_86_before_a_landline_is_dropped(typed):
    assert text.phone(typed) == "0994-2000006"


def test_a_bare_86_is_the_country_code_only_before_a_whole_number():
    assert text.phone("86 10 8888 6666") == "010-88886666"
    assert text.phone("8612345") == "8612345"            # a short number that starts with 86
    assert text.phone("86123456") == "86123456"          # a local number
    assert text.phone("86 2000006") == "86-2000006"      # no area code: not a landline after 86


def test_what_is_not_a_phone_is_left_for_the_check_to_refuse():
    assert text.phone("137 1234 5678 转 801") == "137 1234 5678 转 801"
    assert text.phone("") == ""


# The dot look-alikes the tester found unfolded, and U+02D9, which NFKC made a space and U+0307.
@pytest.mark.parametrize("dot", ["\u02d9", "\u2e33", "\u2e30", "\u2981", "\U00010101", "\u0f0b", "\u0f0c", "\u0701",
                                 " \u0307", "\u2024", "\ufe52"])
def test_more_dot_look_alikes_between_name_parts_are_the_interpunct(dot):
    assert text.name(f"阿依古丽{dot}测试") == "阿依古丽·测试"


# The ideographic full stop is what a Chinese input method types for the "." key.
@pytest.mark.parametrize("dot", ["\u3002", "\uff61", "\u2e3c", "\u02d1", "\u00b0", " \u3002 "])
def test_a_chinese_full_stop_and_raised_dots_between_han_characters_are_the_interpunct(dot):
    assert text.name(f"买买提{dot}艾力") == "买买提·艾力"
    assert text.name(f"阿依古丽{dot}测试") == "阿依古丽·测试"


def test_full_stops_and_degree_signs_elsewhere_stay():
    assert text.name("张三。") == "张三。"
    assert text.name("Ali 36°") == "Ali 36°"
    assert text.name("aˑb") == "aˑb"
    assert text.line("代表之家。一") == "代表之家。一"   # only names fold it


def test_script_punctuation_folds_only_between_han_characters():
    tibetan = "བཀྲ་ཤིས་བདེ་ལེགས"   # tsheg between Tibetan syllables: part of the name
    assert text.name(tibetan) == tibetan
    assert text.name("扎西་顿珠") == "扎西·顿珠"
    assert text.name("J. Smith") == "J. Smith"


def _starts_a_word_with_a_mark(value: str, form=text.line) -> bool:
    """A mark at the start, after a space, or (in a name) after the interpunct."""
    starts = " \u3000\u00b7" if form is text.name else " \u3000"
    return any(unicodedata.category(c).startswith("M") and (i == 0 or value[i - 1] in starts)
               for i, c in enumerate(value))


# NFKC writes these as a space and a combining mark (˙ ´ ¨ ゛ ﹉ ...): all 50 of them.
SPACING_ACCENTS = [chr(cp) for cp in range(0x80, 0x10000)
                   if (n := unicodedata.normalize("NFKC", chr(cp)))[:1] == " " and len(n) > 1
                   and unicodedata.category(n[1]).startswith("M")]
DOTS = sorted(text.MIDDLE_DOT_VARIANTS | set(text.HAN_ONLY_DOTS) | {"\u0f0c", "\u2024", "\ufe52", "\uff0e"})


def test_the_spacing_accents_are_all_found():
    assert len(SPACING_ACCENTS) == 50 and "\u02d9" in SPACING_ACCENTS and "\u00b4" in SPACING_ACCENTS


@pytest.mark.parametrize("c", DOTS + SPACING_ACCENTS + ["\u0307", "\u0301", "\u0f71", "\u064b", "\u3099"])
def test_no_form_leaves_a_combining_mark_at_the_start_of_a_word(c):
    for typed in (f"阿依古丽{c}测试", f"{c}测试", f"测试 {c}", f"A {c}B", f"阿 {c} 测", f"{c}{c}", f"阿·{c}测"):
        for form in (text.name, text.line):
            stored = form(typed)
            assert not _starts_a_word_with_a_mark(stored, form), (form.__name__, typed, stored)
            assert form(stored) == stored


MARKED = st.text(alphabet=st.sampled_from(["阿", "a", " ", "\u3000", "·", "\u0307", "\u0301", "\u0308", "\u3099",
                                           "\u064b", *SPACING_ACCENTS[:12], *DOTS[:8]]), max_size=12)


@settings(max_examples=400)
@given(MARKED | st.text(max_size=20))
def test_names_and_lines_never_start_a_word_with_a_combining_mark(value):
    for form in (text.name, text.line):
        stored = form(value)
        assert not _starts_a_word_with_a_mark(stored, form), (form.__name__, value, stored)
        assert form(stored) == stored


def test_request_fields_are_compared_in_the_form_they_are_stored_in():
    assert text.form_of_field("card_code") is text.code and text.form_of_field("contact_phone") is text.phone
    assert text.form_of_field("name") is text.name and text.form_of_field("officer_name") is text.name
    assert text.form_of_field("text") is text.text and text.form_of_field("category") is text.line
