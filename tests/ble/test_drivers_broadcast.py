"""Broadcast-only families (Yunmai X, Eufy C20, OKOK/Chipsea, QN AABB, Etekcity Fit 8S, Sinocare, Scale Up,
AAA-series) on published bytes.

Where a source publishes fixtures, the bytes below are those fixtures as hex literals:

* Yunmai X: oliexdev/openScale ``android_app/app/src/test/java/com/health/openscale/core/bluetooth/scales/
  YunmaiXHandlerTest.kt`` @f7a733b2cb6e8ccd751c3051232f3195c84dd8c4: ``frame(state, weightRaw, impedance,
  sessionByte)`` for the placeholder device ``C0:FF:EE:12:34:56`` (company id 0x3456), written out here.
* QN AABB: KristianP26/ble-scale-sync ``tests/scales/qn-scale.test.ts`` @3cce009047e847c14f28cd5c92ef7b40f955496d
  ``makeBroadcast(72.5, true|false)`` (23 bytes, ``[15]`` 0x23 / 0x04).

The other families have no published captures; their vectors are written byte by byte from the layouts in
openScale's handlers (same commit, ``.../core/bluetooth/scales/{EufyC20,OkOk,EtekcityFit8S,Sinocare,Scaleup,
AAAx}Handler.kt``), each field annotated.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from companion.ble import drivers
from companion.ble.drivers import eufy_c20, oem_broadcast, okok, yunmai_x
from companion.ble.drivers.base import (
    Advert,
    ChecksumError,
    DriverConfig,
    ImplausibleValue,
    MalformedFrame,
    Ready,
    SetTimer,
)
from companion.ble.protocols import DecodeError, Reading

YUNMAI_ADDRESS = "C0:FF:EE:12:34:56"
YUNMAI_COMPANY = 0x3456
YM_LIVE = "12eeffc00b741704011f13000009"  # frame(0x01, weightRaw = 7955)
YM_STABLE = "12eeffc00b741704021f40000059"  # frame(0x02, weightRaw = 8000)
YM_FINAL = "12eeffc00b741704031f4001f4ad"  # frame(0x03, weightRaw = 8000, impedance = 500)
YM_FINAL_SESSION_10 = "12eeffc00b741710031f4001f4b9"  # ... sessionByte = 0x10
YM_IDLE = "12eeffc00b741704010000000005"  # frame(0x01, weightRaw = 0)
QN_STABLE = "aabb000000000000000000000000002300521c00000000"  # makeBroadcast(72.5, true)
QN_SETTLING = "aabb000000000000000000000000000400521c00000000"  # makeBroadcast(72.5, false)


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def make(cls: type, address: str = "", mode: str = "listen"):  # type: ignore[no-untyped-def]
    return cls(DriverConfig(now=datetime(2026, 1, 1).astimezone(), mode=mode, address=address))  # type: ignore[arg-type]


def readings(outputs: list[object]) -> list[Reading]:
    return [o for o in outputs if isinstance(o, Reading)]


# ----- Yunmai X --------------------------------------------------------------------------------------------
def test_yunmai_x_openscale_frames() -> None:
    live = yunmai_x.decode(h(YM_LIVE))
    assert live.weight_kg == 79.55 and live.stabilized is False and live.impedance_ohm is None
    stable = yunmai_x.decode(h(YM_STABLE))
    assert stable.weight_kg == 80.0 and stable.stabilized and stable.impedance_ohm is None
    final = yunmai_x.decode(h(YM_FINAL))
    assert final.weight_kg == 80.0 and final.impedance_ohm == 500.0
    assert yunmai_x.decode(h(YM_FINAL_SESSION_10)).impedance_ohm == 500.0
    assert yunmai_x.decode(h(YM_IDLE)).weight_kg == 0.0


def test_yunmai_x_bad_frames_from_openscale() -> None:
    corrupted = bytearray(h(YM_FINAL))
    corrupted[9] = 0x1C  # weight changed, checksum stale
    with pytest.raises(DecodeError, match="checksum"):
        yunmai_x.decode(bytes(corrupted))
    wrong = bytearray(h(YM_FINAL))
    wrong[5] = 0x75
    with pytest.raises(DecodeError, match="signature"):
        yunmai_x.decode(bytes(wrong))
    with pytest.raises(DecodeError, match="14 bytes"):
        yunmai_x.decode(h(YM_FINAL)[:13])
    assert yunmai_x.echoes_address(YUNMAI_COMPANY, h(YM_FINAL), YUNMAI_ADDRESS)
    assert not yunmai_x.echoes_address(YUNMAI_COMPANY, h(YM_FINAL), "AA:BB:CC:DD:EE:FF")


def test_yunmai_x_claims_and_weigh_in() -> None:
    ad = Advert.of(manufacturer_data={YUNMAI_COMPANY: h(YM_FINAL)}, address=YUNMAI_ADDRESS)
    assert drivers.classify(ad) is yunmai_x.YunmaiXDriver
    assert drivers.classify(Advert.of(service_uuids=["1320"], address=YUNMAI_ADDRESS)) is yunmai_x.YunmaiXDriver
    relocated = Advert.of(manufacturer_data={YUNMAI_COMPANY: h(YM_FINAL)}, address="AA:BB:CC:DD:EE:FF")
    assert drivers.classify(relocated) is None
    d = make(yunmai_x.YunmaiXDriver, YUNMAI_ADDRESS)

    def feed(frame: str) -> list[object]:
        return d.advert(Advert.of(manufacturer_data={YUNMAI_COMPANY: h(frame)}, address=YUNMAI_ADDRESS))

    assert [r.stabilized for r in readings(feed(YM_LIVE))] == [False]
    stable = feed(YM_STABLE)
    assert SetTimer(yunmai_x.FINAL_WAIT_S, "final") in stable and readings(stable)[0].stabilized is False
    [final] = readings(feed(YM_FINAL))
    assert final.stabilized and final.weight_kg == 80.0 and final.impedance_ohm == 500.0
    assert readings(feed(YM_FINAL)) == []  # the final frame repeats for seconds: published once
    assert d.timeout("final") == []


def test_yunmai_x_weight_only_after_the_timer() -> None:
    d = make(yunmai_x.YunmaiXDriver, YUNMAI_ADDRESS)
    d.advert(Advert.of(manufacturer_data={YUNMAI_COMPANY: h(YM_STABLE)}, address=YUNMAI_ADDRESS))
    [r] = readings(d.timeout("final"))
    assert r.weight_kg == 80.0 and r.impedance_ohm is None and r.stabilized


def test_yunmai_x_relayed_frame_is_refused() -> None:
    d = make(yunmai_x.YunmaiXDriver, "AA:BB:CC:DD:EE:FF")
    [error] = d.advert(Advert.of(manufacturer_data={YUNMAI_COMPANY: h(YM_FINAL)}, address="AA:BB:CC:DD:EE:FF"))
    assert isinstance(error, MalformedFrame) and "another device" in error.reason


# ----- QN AABB ----------------------------------------------------------------------------------------------
def test_qn_broadcast_ble_scale_sync_buffers() -> None:
    stable = oem_broadcast.decode_qn(h(QN_STABLE))
    assert stable.weight_kg == 72.5 and stable.stabilized and stable.impedance_ohm is None
    assert oem_broadcast.decode_qn(h(QN_SETTLING)).stabilized is False
    with pytest.raises(DecodeError, match="truncated"):
        oem_broadcast.decode_qn(bytes(10))
    with pytest.raises(DecodeError, match="magic"):
        oem_broadcast.decode_qn(bytes(23))
    assert drivers.classify(Advert.of(manufacturer_data={0xFFFF: h(QN_STABLE)})) is oem_broadcast.QnBroadcastDriver
    assert drivers.classify(Advert.of(manufacturer_data={0xFFFF: bytes(23)})) is None
    d = make(oem_broadcast.QnBroadcastDriver)
    out = d.advert(Advert.of(manufacturer_data={0xFFFF: h(QN_SETTLING)}))
    out += d.advert(Advert.of(manufacturer_data={0xFFFF: h(QN_STABLE)}))
    out += d.advert(Advert.of(manufacturer_data={0xFFFF: h(QN_STABLE)}))
    assert [(r.weight_kg, r.stabilized) for r in readings(out)] == [(72.5, False), (72.5, True)]


# ----- Eufy C20 ---------------------------------------------------------------------------------------------
#            ten bytes we do not interpret | flags | - | weight LE | - | bpm | - | impedance LE (/10)
C20_WEIGHT = "000000000000000000000100941d0000000000"  # 75.72 kg only
C20_FULL = "00000000000000000000c100941d0048008813"  # + 72 bpm, 500.0 ohm


def test_eufy_c20_layout() -> None:
    weight = eufy_c20.decode(h(C20_WEIGHT))
    assert weight.weight_kg == 75.72 and weight.stabilized is False and weight.impedance_ohm is None
    full = eufy_c20.decode(h(C20_FULL))
    assert (full.weight_kg, full.heart_rate_bpm, full.impedance_ohm, full.stabilized) == (75.72, 72.0, 500.0, True)
    assert eufy_c20.encode(75.72) == h(C20_WEIGHT)
    assert eufy_c20.encode(75.72, impedance_ohm=500.0, heart_rate_bpm=72) == h(C20_FULL)
    with pytest.raises(DecodeError, match="truncated"):
        eufy_c20.decode(h(C20_FULL)[:13])
    with pytest.raises(DecodeError, match="impedance announced"):
        eufy_c20.decode(h(C20_FULL)[:17])


def test_eufy_c20_driver_waits_for_the_complete_advert_or_times_out() -> None:
    ad = Advert.of(name="eufy C20", manufacturer_data={eufy_c20.COMPANY_ID: h(C20_WEIGHT)})
    assert drivers.classify(ad) is eufy_c20.EufyC20Driver
    d = make(eufy_c20.EufyC20Driver, mode="pair")
    first = d.advert(ad)
    assert Ready() in first and [r.stabilized for r in readings(first)] == [False]
    [final] = readings(d.advert(Advert.of(manufacturer_data={eufy_c20.COMPANY_ID: h(C20_FULL)})))
    assert final.is_final and final.impedance_ohm == 500.0
    assert readings(d.advert(Advert.of(manufacturer_data={eufy_c20.COMPANY_ID: h(C20_FULL)}))) == []
    d2 = make(eufy_c20.EufyC20Driver)
    d2.advert(ad)
    [weight_only] = readings(d2.timeout("complete"))
    assert weight_only.weight_kg == 75.72 and weight_only.stabilized and weight_only.impedance_ohm is None


# ----- OKOK / Chipsea ---------------------------------------------------------------------------------------
def _xor(seed: int, data: bytes) -> int:
    for byte in data:
        seed ^= byte
    return seed


#          six bytes | flags (final, /100) | - | weight BE 72.50 | impedance BE 512.3 | checksum | padding
V20_BODY = h("00000000000005001c521403")
V20 = V20_BODY + bytes([_xor(0x20, V20_BODY)]) + bytes(6)
#          - - - | weight BE 1452 | ---- | props: /10 (bits 1-2 = 0), lb (bits 3-4 = 2) | ------
V11_BODY = h("00000005ac0000000010000000000000")
V11 = V11_BODY + bytes([_xor(0xCA ^ 0x11, V11_BODY)]) + bytes(6)
VF0 = h("0000c602")  # weight LE 710 / 10
#        weight BE 1452 (/10) | ---- | attrib: stable, kg | ------
C0 = h("05ac0000000001000000000000")


def test_okok_layouts() -> None:
    v20 = okok.decode(okok.COMPANY_V20, V20)
    assert (v20.weight_kg, v20.impedance_ohm, v20.stabilized) == (72.5, 512.3, True)
    assert okok.encode_v20(72.5, final=True, impedance_ohm=512.3) == V20
    v11 = okok.decode(okok.COMPANY_V11, V11)
    assert v11.unit == "lb" and v11.weight_kg == pytest.approx(145.2 * 0.45359237, abs=1e-4)
    assert okok.decode(okok.COMPANY_VF0, VF0).weight_kg == 71.0
    c0 = okok.decode(0x05C0, C0)
    assert c0.weight_kg == 145.2 and c0.stabilized and c0.unit == "kg"
    bad = bytearray(V20)
    bad[9] ^= 1
    with pytest.raises(DecodeError, match="checksum"):
        okok.decode(okok.COMPANY_V20, bytes(bad))
    with pytest.raises(DecodeError, match="not an OKOK"):
        okok.decode(0x1234, V20)


def test_okok_claims_by_company_and_name() -> None:
    assert drivers.classify(Advert.of(name="Chipsea-BLE", manufacturer_data={okok.COMPANY_V20: V20})) is okok.OkOkDriver
    assert drivers.classify(Advert.of(manufacturer_data={0x05C0: C0})) is okok.OkOkDriver  # nameless C0
    assert okok.OkOkDriver.claim(Advert.of(name="Other", manufacturer_data={0x05C0: C0})) == 0
    d = make(okok.OkOkDriver)
    out = d.advert(Advert.of(manufacturer_data={okok.COMPANY_V20: V20})) + d.advert(
        Advert.of(manufacturer_data={okok.COMPANY_V20: V20})
    )
    assert [r.weight_kg for r in readings(out)] == [72.5]  # repeated final frame: once


# ----- Etekcity Fit 8S, Sinocare, Scale Up, AAA -------------------------------------------------------------
#            header | reversed MAC | unknown | grams LE 76 543 | ohm LE 520 | stable | kg | unknown
FIT8S = h("01665544332211000000ff2a0108020100000000")


def test_fit8s_layout_and_claim() -> None:
    r = oem_broadcast.decode_fit8s(FIT8S)
    assert (r.weight_kg, r.impedance_ohm, r.stabilized, r.unit) == (76.543, 520.0, True, "kg")
    with pytest.raises(DecodeError, match="20 bytes"):
        oem_broadcast.decode_fit8s(FIT8S[:19])
    ad = Advert.of(service_uuids=["ffd0"], manufacturer_data={0x06D0: FIT8S})
    assert drivers.classify(ad) is oem_broadcast.EtekcityFit8SDriver
    assert oem_broadcast.EtekcityFit8SDriver.claim(Advert.of(manufacturer_data={0x06D0: FIT8S})) == 0  # ESF-551


#               ------ | ---  | weight LE 68.20 | ----- | checksum
SINO_BODY = h("000000000000000000a41a0000000000")
SINOCARE = SINO_BODY + bytes([_xor(0, SINO_BODY[6:16])])


def test_sinocare_needs_nine_identical_frames() -> None:
    assert oem_broadcast.decode_sinocare(SINOCARE).weight_kg == 68.2
    d = make(oem_broadcast.SinocareDriver)
    out: list[object] = []
    for _ in range(oem_broadcast.SINOCARE_REPEATS + 3):
        out += d.advert(Advert.of(manufacturer_data={0xFF64: SINOCARE}))
    finals = [r for r in readings(out) if r.stabilized]
    assert [r.weight_kg for r in finals] == [68.2]
    bad = bytearray(SINOCARE)
    bad[9] ^= 1
    [error] = make(oem_broadcast.SinocareDriver).advert(Advert.of(manufacturer_data={0xFF64: bytes(bad)}))
    assert isinstance(error, ChecksumError)


def test_scaleup_and_aaa_layouts() -> None:
    # AD value E0 1C 52 01 F4 <MAC>: the split company id is 0x1CE0, the value 52 01 F4 <MAC>.
    r = oem_broadcast.decode_scaleup(0x1CE0, h("52 01f4 112233445566"))
    assert r.weight_kg == 72.5 and r.stabilized
    assert oem_broadcast.decode_scaleup(0x1CD0, h("52 0000 112233445566")).stabilized is False
    assert drivers.classify(Advert.of(name="da", manufacturer_data={0x1CE0: h("5201f4112233445566")})) is (
        oem_broadcast.ScaleUpDriver
    )
    key = 0x5A  # the company id's high byte masks the payload
    value = (1 << 31) | 72_500
    payload = value.to_bytes(4, "big") + b"\xad"
    payload += bytes([sum(payload) & 0x1F])
    data = bytes(6) + bytes(b ^ key for b in payload)
    aaa = oem_broadcast.decode_aaax(0x5A01, data)
    assert aaa is not None and aaa.weight_kg == 72.5 and aaa.stabilized
    assert drivers.classify(Advert.of(name="AAA007", manufacturer_data={0x5A01: data})) is (
        oem_broadcast.AaaBroadcastDriver
    )


def test_implausible_weights_are_typed_errors() -> None:
    heavy = bytearray(h(C20_WEIGHT))
    heavy[12:14] = (60_000).to_bytes(2, "little")
    [error] = make(eufy_c20.EufyC20Driver).advert(Advert.of(manufacturer_data={eufy_c20.COMPANY_ID: bytes(heavy)}))
    assert isinstance(error, ImplausibleValue)
