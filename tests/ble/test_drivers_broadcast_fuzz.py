"""Hypothesis beyond the registry-wide fuzz: bytes that get *past* the outer checks of the broadcast families.

Random bytes almost never pass a MiBeacon MIC or a Yunmai signature + checksum, so the generic fuzz
(tests/ble/test_drivers_fuzz.py) barely reaches the object parsers. Here arbitrary plaintexts are sealed with the
right bind key (so they decrypt), Yunmai frames get a valid signature and checksum, and the OKOK C0 / Scale Up /
AAA layouts are fed any company id: every output must still be a typed driver output, never an exception.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.ble.drivers import mibeacon, oem_broadcast, okok, yunmai_x
from companion.ble.drivers.base import Advert, CancelTimer, DriverConfig, DriverError, Progress, Ready, SetTimer
from companion.ble.protocols import Reading

ADDRESS = "8C:D0:B2:F6:BE:EF"
KEY = bytes(range(16))
TYPED = (Reading, DriverError, SetTimer, CancelTimer, Ready, Progress)


def _sealed(product: int, counter: int, plain: bytes) -> bytes:
    mac = bytes.fromhex(ADDRESS.replace(":", ""))[::-1]
    c = counter.to_bytes(4, "little")
    header = b"\x48\x59" + product.to_bytes(2, "little") + c[:1]
    sealed = AESCCM(KEY, tag_length=4).encrypt(mac + header[2:5] + c[1:], plain, b"\x11")
    return header + sealed[:-4] + c[1:] + sealed[-4:]


@settings(max_examples=200, deadline=None)
@given(
    product=st.sampled_from(sorted(mibeacon.S400_PRODUCTS | mibeacon.S200_PRODUCTS | mibeacon.S800_PRODUCTS)),
    plains=st.lists(
        st.one_of(
            st.binary(max_size=24),
            st.builds(lambda v: b"\x16\x6e" + bytes([len(v)]) + v, st.binary(max_size=12)),
            st.builds(lambda v: b"\x16\x4e" + bytes([len(v)]) + v, st.binary(max_size=12)),
        ),
        min_size=1,
        max_size=6,
    ),
    counters=st.lists(st.integers(0, 2**32 - 1), min_size=6, max_size=6),
    mode=st.sampled_from(["pair", "listen"]),
)
def test_decrypting_garbage_objects_gives_typed_outputs(product, plains, counters, mode) -> None:  # type: ignore[no-untyped-def]
    for cls in (mibeacon.XiaomiS400Driver, mibeacon.XiaomiS200Driver, mibeacon.XiaomiS800Driver):
        d = cls(DriverConfig(now=datetime(2026, 1, 1, tzinfo=UTC), mode=mode, address=ADDRESS, bind_key=KEY))
        for plain, counter in zip(plains, counters, strict=False):
            for out in d.advert(Advert.of(service_data={"fe95": _sealed(product, counter, plain)}, address=ADDRESS)):
                assert isinstance(out, TYPED), out
        for out in d.timeout("s400"):
            assert isinstance(out, TYPED), out


@settings(max_examples=200, deadline=None)
@given(body=st.binary(min_size=6, max_size=6), company=st.integers(0, 0xFFFF), head=st.binary(min_size=4, max_size=4))
def test_yunmai_frames_with_valid_checksums(body: bytes, company: int, head: bytes) -> None:
    check = 0
    for byte in body:
        check ^= byte
    data = head + yunmai_x.SIGNATURE + body + bytes([check])
    d = yunmai_x.YunmaiXDriver(DriverConfig(now=datetime(2026, 1, 1, tzinfo=UTC)))
    for out in d.advert(Advert.of(manufacturer_data={company: data})) + d.timeout("final"):
        assert isinstance(out, TYPED), out


@settings(max_examples=300, deadline=None)
@given(company=st.integers(0, 0xFFFF), data=st.binary(max_size=30), name=st.sampled_from([None, "da", "AAA002", "ADV"]))
def test_any_company_id_layouts(company: int, data: bytes, name: str | None) -> None:
    config = DriverConfig(now=datetime(2026, 1, 1, tzinfo=UTC))
    advert = Advert.of(name, (), {company: data})
    for cls in (okok.OkOkDriver, oem_broadcast.ScaleUpDriver, oem_broadcast.AaaBroadcastDriver):
        assert 0 <= cls.claim(advert) <= 100
        for out in cls(config).advert(advert):
            assert isinstance(out, TYPED), out
