"""Value parsing, digit-run splitting and label normalisation: examples and properties."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import keymatch, spec
from parsers.labels import normalize_label
from parsers.numbers import classify, parse_value, split_digit_run


def test_examples() -> None:
    assert parse_value("1,234") == 1234
    assert parse_value("22（其中修订16件）") == 22
    assert parse_value("减4") == -4
    assert parse_value("-18") == -18
    assert parse_value("24252.311082") == 24252.311082
    assert parse_value("251000元") == 251000
    assert parse_value("７５") == 75  # full-width digits
    for blank in ("", "  ", "\u00a0", "—", "-", "/", "——", "无", None):
        assert parse_value(blank) is None
    assert classify("—") == "null" and classify("") == "empty" and classify("自然人") == "text"
    assert classify("3.其他") == "text" and classify("1 0") == "number"


@given(st.integers(min_value=0, max_value=10**9))
def test_integers_roundtrip_in_every_written_form(n: int) -> None:
    assert parse_value(str(n)) == n
    assert parse_value(f"{n:,}") == n
    assert parse_value(f" {n} 件") == n
    assert parse_value(str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))) == n
    assert parse_value(f"{n}（其中修订1件）") == n
    assert parse_value(f"减{n}") == -n


@given(st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False))
def test_decimals(d) -> None:
    s = format(d, "f")
    v = parse_value(s)
    assert v is not None and abs(v - float(s)) < 1e-9


@given(st.text(alphabet="自然人商业企业其他总计规章行政许可（）、", min_size=1, max_size=12))
def test_labels_are_never_numbers(t: str) -> None:
    assert parse_value(t) is None


@settings(deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=999), min_size=2, max_size=5))
def test_split_digit_run_finds_the_original(parts: list[int]) -> None:
    digits = "".join(str(p) for p in parts)
    cands = list(split_digit_run(digits, len(parts)))
    assert parts in cands
    assert all("".join(map(str, c)) == digits for c in cands)


def test_split_unique_under_row_total() -> None:
    # 71 3 0 0 0 0 74 run together; only one split has the total as the sum of the parts
    cands = list(split_digit_run("713000074", 7, lambda c: sum(c[:6]) == c[6]))
    assert cands == [[71, 3, 0, 0, 0, 0, 74]]


_SPACES = st.sampled_from([" ", "\u3000", "\u00a0", "\n", "\t", "  "])


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_official_labels_survive_whitespace_and_width(data) -> None:
    for kl in spec.template("2021").application_rows:
        label = kl.label
        chars = list(label)
        out = []
        for ch in chars:
            out.append(ch)
            if data.draw(st.booleans()):
                out.append(data.draw(_SPACES))
        noisy = "".join(out)
        assert normalize_label(noisy) == normalize_label(label)
        assert keymatch.match_application_row(noisy, after_unpaid_fee=True) == kl.key


def test_radical_lookalikes_and_punctuation() -> None:
    assert normalize_label("⻓期") == normalize_label("长期")
    assert normalize_label("（一）予以公开") == normalize_label("(一) 予以公开")
    assert normalize_label("1、属于国家秘密") == normalize_label("1. 属于国家秘密")


def test_label_variants() -> None:
    assert keymatch.match_application_row("2.其他法律法规禁止公开") == "denied_prohibited_by_law"
    assert keymatch.match_application_row("2.其他法律行政止公开") == "denied_prohibited_by_law"
    assert keymatch.match_application_row("2. 没有现成信息需要") == "unavailable_needs_creation"
    assert keymatch.match_application_row("（六）其他处理") == "other_handling"
    assert keymatch.match_application_row("3.其他") == "other_other"
    assert keymatch.match_application_row("(七) 总计") == "total_processed"
    assert keymatch.match_application_row("三、本年度办理结果") is None
    assert keymatch.match_applicant_column("社会组织") == "social_welfare_org"
    assert keymatch.match_applicant_column("商业企\n业") == "commercial_enterprise"
    assert keymatch.match_active_row("规章（设区的市、自治州人民政府应提供相关数据）").key == "regulations"
    assert keymatch.match_active_row("规范性文件").key == "normative_documents"
