"""The C murmur2 partitioner chooses exactly the partitions aiokafka's (and Java's) default does."""

from __future__ import annotations

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.kafka.partitioner import KafkaPartitioner, murmur2, partition_for

#: From the Java client's ``UtilsTest.testMurmur2`` (signed ints there; unsigned here).
JAVA_VECTORS = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}


def test_java_client_vectors() -> None:
    for data, signed in JAVA_VECTORS.items():
        assert murmur2(data) == signed & 0xFFFFFFFF, data


@settings(max_examples=500)
@given(st.binary(max_size=200), st.integers(min_value=1, max_value=64))
def test_same_hash_and_partition_as_aiokafka(key: bytes, n: int) -> None:
    assert murmur2(key) == aiokafka_murmur2(key)
    parts = list(range(n))
    expected = DefaultPartitioner()(key, parts, parts)
    assert partition_for(key, n) == expected
    assert KafkaPartitioner()(key, parts, parts) == expected


def test_partition_list_and_keyless_records() -> None:
    # the partition list's order is what is indexed, as in aiokafka
    key = b"facebook:104729384756201_1234567890"
    assert KafkaPartitioner()(key, [3, 5, 7], []) == DefaultPartitioner()(key, [3, 5, 7], [])
    # no key: an available partition when there is one, else any
    assert {KafkaPartitioner()(None, [0, 1, 2], [2]) for _ in range(50)} == {2}
    assert {KafkaPartitioner()(None, [0, 1, 2], []) for _ in range(200)} == {0, 1, 2}
