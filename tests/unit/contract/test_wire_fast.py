"""``wire.loads`` decodes with orjson and falls back to the checked ``json`` path: it must accept,
refuse (with the same reason) and return exactly what the checked path does, on any bytes."""

from __future__ import annotations

import json
import math

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from civicmod.contract import wire
from civicmod.contract.wire import WireError, _checked_loads, dumps, loads


def outcome(fn, raw: bytes):
    try:
        return ("ok", fn(raw))
    except WireError as exc:
        return ("error", exc.reason)


def same(a, b) -> bool:
    """Equal values of equal types all the way down (1 == 1.0 would hide an int read as float)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def check(raw: bytes) -> None:
    fast, slow = outcome(loads, raw), outcome(lambda r: (wire.check_depth(r), _checked_loads(r))[1], raw)
    assert fast[0] == slow[0], (raw[:200], fast, slow)
    if fast[0] == "ok":
        assert same(fast[1], slow[1]), (raw[:200], fast, slow)
    else:
        assert fast[1] == slow[1], (raw[:200], fast, slow)


HOSTILE = [
    b'"a\nb"', b'\xef\xbb\xbf{"a":1}', b'{"a":1}\x0c', b"1.", b".5", b"01", b'{"a":1,}', b"[1,]",
    b" {\"a\":1} ", b'{"a":"\t"}', b'{"a":NaN}', b'{"a":Infinity}', b'{"a":-Infinity}', b"1e999",
    b"-1e400", b'"\\ud800"', b'"\\udc00x"', b'"\\ud83d\\ude00"', b'{"\\ud800":1}', b'"\xff"',
    b'"\xed\xa0\x80"', b'{"a":1,"a":2}', b"-0.0", b"", b"  ", b"\x00", b'{"a":1}\x00',
    b'{"a":18446744073709551615}', b'{"a":18446744073709551616}', b'{"a":-9223372036854775809}',
    b"[123456789012345678901234567890]", b'{"id":"x:1234567890123456789"}',
    b'{"t":"a,1234567890123456789012,b"}', b"[" * 65 + b"]" * 65, b"[" * 64 + b"]" * 64,
    b'{"a":"\\u0000"}', b'{"a": 1.5e308, "b": 5e-324}', b'{"a":true,"b":null,"c":false}',
    b"[1e19]", b"[1E19]", b"[9223372036854775808.5]", b"[-9223372036854775809.0]", b"[12345678901234567.5]",
    b'{"a":0.00000000000000000001e40}', b"[18446744073709551616, 1]",
]


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_documents_decode_as_the_checked_path_does(raw: bytes) -> None:
    check(raw)


def test_big_integers_stay_integers() -> None:
    assert loads(b'{"n": 18446744073709551616}') == {"n": 18446744073709551616}
    assert loads(b'{"a":[{"b":99999999999999999999}]}') == {"a": [{"b": 99999999999999999999}]}
    assert isinstance(loads(b"[-9223372036854775809]")[0], int)


def test_refusals_keep_their_reasons() -> None:
    for raw, reason in [(b'"\\ud800"', "invalid_unicode"), (b'"\xff"', "invalid_utf8"),
                        (b"1e999", "invalid_json"), (b'{"a":NaN}', "invalid_json"),
                        (b"[" * 65 + b"]" * 65, "too_deep"), (b"{", "invalid_json")]:
        with pytest.raises(WireError) as err:
            loads(raw)
        assert err.value.reason == reason, raw


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(json_values, st.booleans())
def test_any_json_decodes_the_same(value, ascii_only: bool) -> None:
    raw = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    check(raw)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=60) | st.text(max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_decode_or_fail_the_same(raw: bytes) -> None:
    check(raw)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_dumps_reads_back_as_written(value) -> None:
    assert same(json.loads(dumps(value)), json.loads(json.dumps(value)))


def test_dumps_escapes_what_orjson_refuses() -> None:
    assert json.loads(dumps({"a": "x\ud800"})) == {"a": "x\ud800"}
    assert dumps({"o": 1, "s": {"k": 0.5}}) == b'{"o":1,"s":{"k":0.5}}'


@settings(max_examples=300)
@given(st.integers(min_value=-(2**70), max_value=2**70), st.integers(min_value=0, max_value=25),
       st.sampled_from(["{n}", "{n}.5", "{n}e{k}", "{n}E-{k}", "{n}.25e+{k}", "0.{z}1e{k}"]))
def test_numbers_near_64_bits_decode_the_same(n: int, k: int, form: str) -> None:
    """Integers orjson widens to floats, and floats of 2**63 or more in every notation, decode
    as the checked path decodes them."""
    check(f'{{"v": [{form.format(n=n, k=k, z="0" * k)}]}}'.encode())
