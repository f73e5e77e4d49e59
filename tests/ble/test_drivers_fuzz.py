"""Every registered driver, arbitrary bytes through every event: only typed outputs, never an exception.

Parametrised over the registry, so a new driver is covered the moment it is registered (issue #14).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.ble import drivers
from companion.ble.drivers.base import (
    Advert,
    CancelTimer,
    Disconnect,
    Driver,
    DriverConfig,
    DriverError,
    Gatt,
    ProfileShared,
    Progress,
    Read,
    Ready,
    SetTimer,
    SlotRefused,
    SlotRegistered,
    Subscribe,
    UserProfile,
    UserSlot,
    Write,
)
from companion.ble.protocols import DecodeError, Reading

OUTPUTS = (
    Subscribe,
    Write,
    Read,
    SetTimer,
    CancelTimer,
    Disconnect,
    Reading,
    DriverError,
    Progress,
    Ready,
    SlotRegistered,
    SlotRefused,
    ProfileShared,
)
#: Characteristics a scale may expose (standard and the common vendor ones).
CHARS = frozenset(
    {"2a9d", "2a9c", "2a9f", "2a2b", "2a99", "2a9a", "2a85", "2a8c", "2a8e", "2a9e", "2a9b"}
    | {"fff1", "fff2", "fff3", "fff4", "ffe1", "ffe3", "ffe4", "ffb1", "ffb2", "ffe9", "ff01", "ff02"}
)
DRIVERS = drivers.all_drivers()


def _config(mode: str, sparse: bool = False) -> DriverConfig:
    if sparse:  # nothing known: no profile, no slots, no code, no key
        return DriverConfig(now=datetime(2000, 1, 1, tzinfo=UTC), mode=mode)  # type: ignore[arg-type]
    return DriverConfig(
        now=datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
        mode=mode,  # type: ignore[arg-type]
        address="C0:FF:EE:00:00:01",
        name="Fuzz",
        profile=UserProfile(168.0, date(1980, 5, 17), "female"),
        slots=(UserSlot(1, 1234), UserSlot(0, 42, active=True)),
        new_consent_code=4321,
        bind_key=bytes(range(16)),
    )


def _check(outputs: object) -> list[object]:
    assert isinstance(outputs, list)
    for out in outputs:
        assert isinstance(out, OUTPUTS), f"not a driver output: {out!r}"
        if isinstance(out, Write):
            assert isinstance(out.data, bytes)
    return outputs


events = st.lists(
    st.one_of(
        st.tuples(st.just("notify"), st.integers(0, 20), st.binary(max_size=40)),
        st.tuples(st.just("read"), st.integers(0, 20), st.binary(max_size=8)),
        st.tuples(st.just("written"), st.integers(0, 20), st.binary(max_size=0)),
        st.tuples(st.just("timer"), st.sampled_from(["default", "handshake", "ucp", "history", "x"]), st.just(b"")),
    ),
    max_size=12,
)


@pytest.mark.parametrize("driver", DRIVERS, ids=[d.id for d in DRIVERS])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mode=st.sampled_from(["pair", "listen"]),
    sparse=st.booleans(),
    script=events,
    chars=st.sets(st.sampled_from(sorted(CHARS))),
)
def test_gatt_events_give_only_typed_outputs(
    driver: type[Driver], mode: str, sparse: bool, script: list, chars: set[str]
) -> None:  # type: ignore[type-arg]
    d = driver(_config(mode, sparse))
    subscribed = [
        o.char
        for o in _check(d.connected(Gatt(frozenset({"fff0", "181d"}), frozenset(chars) | {"fff1"})))
        if isinstance(o, Subscribe)
    ]
    targets = sorted(set(subscribed) | chars | {"fff1"})
    for kind, which, data in script:
        if kind == "notify":
            _check(d.notification(targets[int(which) % len(targets)], data))
        elif kind == "read":
            _check(d.read_result(targets[int(which) % len(targets)], data))
        elif kind == "written":
            _check(d.write_done(targets[int(which) % len(targets)]))
        else:
            _check(d.timeout(str(which)))
    _check(d.disconnected())


def _advert_for(driver: type[Driver], data: bytes, name: str | None) -> Advert:
    return Advert.of(
        name,
        driver.services,
        {company: data for company in driver.company_ids} | {0xFFFF: data},
        {uuid: data for uuid in driver.service_data} | {"fe95": data},
    )


@pytest.mark.parametrize("driver", DRIVERS, ids=[d.id for d in DRIVERS])
@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=40), name=st.one_of(st.none(), st.text(max_size=20)))
def test_adverts_claims_and_decode_give_only_typed_results(driver: type[Driver], data: bytes, name: str | None) -> None:
    advert = _advert_for(driver, data, name)
    confidence = driver.claim(advert)
    assert isinstance(confidence, int) and 0 <= confidence <= 100
    assert drivers.classify(advert) is None or drivers.classify(advert) in DRIVERS
    _check(driver(_config("listen")).advert(advert))
    for source, key in (
        [("characteristic", c) for c in ("2a9d", "2a9c", "fff1", "ffe1")]
        + [("service-data", u) for u in (*driver.service_data, "181b")]
        + [("manufacturer-data", str(c)) for c in (*driver.company_ids, 0xFFFF)]
    ):
        try:
            result = driver.decode(source, key, data)
        except DecodeError:
            continue
        assert callable(getattr(result, "to_json", None))
