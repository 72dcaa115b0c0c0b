"""GreyMatter's filter_parameters grammar, and matching products against it."""

import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pickbay.vendors.greymatter.filters import PATTERN, Filter, matches, parse_filter


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("product_sku = 'SKU12345'", Filter("product_sku", ("SKU12345",))),
        ("product_sku='A B'", Filter("product_sku", ("A B",))),
        ("  client_id   =   'C1'  ", Filter("client_id", ("C1",))),
        ("name = 'O\\'Brien'", Filter("name", ("O'Brien",))),
        ("lot_id in ['a', 'b','c']", Filter("lot_id", ("a", "b", "c"))),
        (
            "lot_id in ['e82b3734-8dee-48a8-af72-e6c0abcc6eec',\n"
            "                    '6f6dd87f-d0f5-49de-bd4e-94dd58e8d682']",
            Filter(
                "lot_id",
                ("e82b3734-8dee-48a8-af72-e6c0abcc6eec", "6f6dd87f-d0f5-49de-bd4e-94dd58e8d682"),
            ),
        ),
        ("sku in ['only']", Filter("sku", ("only",))),
        ("sku = ''", Filter("sku", ("",))),
    ],
)
def test_filters_parse(text: str, expected: Filter) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "product_sku",
        "product_sku = SKU1",
        "product_sku == 'a'",
        "product_sku != 'a'",
        "product_sku = 'a' 'b'",
        'product_sku = "a"',
        "lot in 'a'",
        "lot in []",
        "lot in ['a' 'b']",
        "lot in ['a',]",
        "lot in ['a', b]",
        "= 'a'",
        "1sku = 'a'",
    ],
)
def test_malformed_filters_say_what_is_wrong(text: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        parse_filter(text)


def test_every_filter_must_match() -> None:
    product = {"product_sku": "S1", "client_id": "C1"}
    assert matches([Filter("product_sku", ("S1",)), Filter("client_id", ("C0", "C1"))], product)
    assert not matches([Filter("product_sku", ("S1",)), Filter("client_id", ("C2",))], product)
    assert not matches([Filter("lot_id", ("L",))], product)


DOCUMENTED = jsonschema_rs.validator_for({"type": "string", "pattern": PATTERN})


def _parses(text: str) -> bool:
    try:
        parse_filter(text)
    except ValueError:
        return False
    return True


@given(st.text(alphabet="ab_.-1 =in[]',\\\n\t\u3000\u2028\x1c", max_size=24))
def test_the_documented_pattern_is_the_grammar(text: str) -> None:
    assert DOCUMENTED.is_valid(text) == _parses(text), text


SPACES = st.sampled_from(["", " ", "\n", "\x1c", "\u3000", "\u2028", "\x85"])


@given(
    st.lists(st.text(alphabet="ab' \\,\n\x1c", max_size=5), min_size=1, max_size=3),
    st.sampled_from(["=", "in"]),
    st.lists(SPACES, min_size=6, max_size=6),
)
def test_the_pattern_agrees_on_near_filters(values: list[str], op: str, gaps: list[str]) -> None:
    a, b, c, d, e, f = gaps
    quoted = f"{d},{e}".join(f"'{v}'" for v in values)
    for text in (
        f"{a}sku{b}{op}{c}{quoted}{f}",
        f"{a}sku{b}{op}{c}[{d}{quoted}{e}]{f}",
        f"{a}k.1{b}{op}{c}[{quoted}{d},]{f}",
    ):
        assert DOCUMENTED.is_valid(text) == _parses(text), repr(text)
