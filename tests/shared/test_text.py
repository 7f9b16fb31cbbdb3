"""The one canonical form of typed text (shared.text), per kind of field."""
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
    ("＋８６ １３７－００００－００００", "+86 137-0000-0000"),
    ("0994–2345678", "0994-2345678"),               # en dash
    ("0994\u22122345678", "0994-2345678"),         # minus sign
    (" 138\u200b0000\u30000000 ", "1380000 0000"),  # a zero-width space is no space
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
