"""The REST shapes' details: attributes in a Java HashMap's order, Java's LocalDateTime."""

from __future__ import annotations

from datetime import UTC, datetime

from pickbay.vendors.greymatter.http.views import _java_hash, hash_map, stamp


def test_string_hashes_are_javas() -> None:
    # Values of String.hashCode() on the JVM.
    assert _java_hash("") == 0
    assert _java_hash("hello") == 99162322
    assert _java_hash("polygenelubricants") == 2**32 - 2**31  # Integer.MIN_VALUE
    assert _java_hash("\U0001f600") == 1772899  # a surrogate pair: two code units


def test_attributes_come_back_in_the_order_of_a_hash_map() -> None:
    sent = {"pick_before_time": "a", "pick_after_time": "b", "order_options": {"priority": 1}}
    assert list(hash_map(sent) or {}) == ["pick_after_time", "order_options", "pick_before_time"]
    assert hash_map(None) is None
    # "Aa" and "BB" share a hash: in one bucket they keep the order they were put in.
    assert list(hash_map({"BB": 1, "Aa": 2}) or {}) == ["BB", "Aa"]
    assert list(hash_map({"Aa": 1, "BB": 2}) or {}) == ["Aa", "BB"]
    # The table has 16 buckets up to 12 keys, 32 up to 24, 64 up to 48: iteration follows them.
    for count, buckets in ((12, 16), (13, 32), (24, 32), (25, 64)):
        many = {f"key{n}": n for n in range(count)}
        ordered = hash_map(many) or {}
        assert ordered == many
        spread = [(h ^ (h >> 16)) & (buckets - 1) for h in map(_java_hash, ordered)]
        assert spread == sorted(spread), count


def test_times_print_as_a_java_local_date_time() -> None:
    assert stamp(datetime(2018, 4, 24, 10, 56, 23, 550000, tzinfo=UTC)) == "2018-04-24T10:56:23.55"
    assert stamp(datetime(2018, 4, 24, 10, 56, 23, tzinfo=UTC)) == "2018-04-24T10:56:23"
