"""Xiaomi S400 / S200 / S800 (encrypted MiBeacon v5) on published bytes.

Vectors, each with the address and bind key published next to it:

* Bluetooth-Devices/xiaomi-ble ``tests/test_parser.py`` @509f516e46dfd21172a70c7e66955ecf3f0923e6:
  ``test_Xiaomi_Scale_S200_MJTZC02YM``, ``test_Xiaomi_Scale_S400_MJTZC01YM`` (+ ``_packet_2``, ``_socks``,
  ``_reset``).
* oliexdev/openScale ``android_app/app/src/test/java/com/health/openscale/core/bluetooth/libs/
  S400DecryptorTest.kt`` @f7a733b2cb6e8ccd751c3051232f3195c84dd8c4 (vectors from lswiderski/mi-scale-exporter's
  ``S400Test.cs``; 26-byte variants carry the ``95 FE`` UUID in front, which bleak strips: dropped here).
* KristianP26/ble-scale-sync ``tests/scales/xiaomi-s800.test.ts`` @3cce009047e847c14f28cd5c92ef7b40f955496d:
  its synthetic S800 frame (key 000102..0f, frame MAC ``ab a1 8f 47 ae 04``, counter 0x5b, extended counter
  ``01 00 00``, object ``16 4e 09 90 00 00 05 2b 00 00 <weight u16 LE>``), encrypted here with AES-CCM exactly as
  that test's ``buildFrame`` does.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from companion.ble import drivers
from companion.ble.drivers import mibeacon
from companion.ble.drivers.base import (
    Advert,
    CancelTimer,
    DriverConfig,
    MalformedFrame,
    Progress,
    Ready,
    SetTimer,
    WrongKey,
)
from companion.ble.protocols import DecodeError, Reading

S200 = (b"HY\x04L\x01\x9a\x80\xa2u\x93\x90\x10\xf0\xab\xc4\xfa\xdc\x06\x00\x00=)\xc0D", "D0:7B:6F:27:D7:29")
S200_KEY = "653b1b10e1cb35e4ac5e60fa45f3bf29"
S400_ADDRESS = "8C:D0:B2:F6:BE:EF"
S400_KEY = "0728974d657a4b60964c1b1677f35f7c"
S400_A = b'HY\xd5;\n\xbc\x07\x8f\xf24\x8c\x84A8\xe90"\x00\x00\x00\x9eS\x85\x99'
S400_B = b"HY\xd5;\x0b\xd6\xef\x0b%\xdbrx^~/F\xd6\x00\x00\x00\xd8d-\xf6"
SOCKS_ADDRESS = "04:AE:47:67:C6:7C"
SOCKS_KEY = "02d2900363ef629c736a4549677acbee"
S400_SOCKS = b"HY\xd5;\x71\x53\x04\x38\xb5\x89\x4b\x24\x2c\x20\x99\x08\xda\x00\x00\x00\x47\x9e\xcd\xa3"
S400_RESET = b"HY\xd5;\x72\x03\x6c\x67\x94\x35\x5a\x19\xdb\xc8\x64\xbf\xb3\x00\x00\x00\xe4\x15\x1d\xc8"
OPENSCALE_ADDRESS = "84:46:93:64:A5:E6"
OPENSCALE_KEY = "58305740b64e4b425e518aa1f4e51339"
OPENSCALE = [
    ("4859d53b2d3314943c58b133638c7457a4000000c3e670dc", 74.2),  # Test1
    ("4859D53B3BDE6BC8D05B51C0CDFD9021C9000000925C5039", 73.2),  # Test26bytesHex (95 FE dropped)
    ("4859d53b4d6f359ce56f1f7e7e0addDC260000000c13d3c4", 73.3),  # Test26bytes (95 FE dropped)
    ("4859d53b63bb587950e1042cac1c5f18f6000000dbe97034", 75.2),  # Test26bytesOnlyWeight
]


def key(text: str) -> bytes:
    return bytes.fromhex(text)


def driver(cls: type, address: str, bind_key: str | None, mode: str = "listen"):  # type: ignore[no-untyped-def]
    config = DriverConfig(
        now=datetime(2026, 1, 1).astimezone(),
        mode=mode,  # type: ignore[arg-type]
        address=address,
        bind_key=key(bind_key) if bind_key else None,
    )
    return cls(config)


def advert(data: bytes, address: str) -> Advert:
    return Advert.of(service_data={"fe95": data}, address=address)


def readings(outputs: list[object]) -> list[Reading]:
    return [o for o in outputs if isinstance(o, Reading)]


def test_s200_published_vector_decrypts_to_62_25_kg() -> None:
    frame = mibeacon.decode_frame(S200[0], S200[1], key(S200_KEY))
    assert frame.product_id == 0x4C04 and frame.encrypted
    [(kind, value)] = mibeacon.iter_objects(frame.objects)
    assert kind == mibeacon.OBJ_WEIGHT
    reading = mibeacon.decode_s200_object(value)
    assert reading is not None and reading.weight_kg == 62.25 and reading.stabilized
    out = driver(mibeacon.XiaomiS200Driver, S200[1], S200_KEY).advert(advert(S200[0], S200[1]))
    assert [r.weight_kg for r in readings(out)] == [62.25]


def test_s400_two_packet_weigh_in_from_xiaomi_ble() -> None:
    """Packet A: 69.9 kg, 92 bpm, 543.2 ohm (50 kHz per xiaomi-ble); packet B closes with 497.6 ohm."""
    a = mibeacon.decode_s400_object(
        mibeacon.iter_objects(mibeacon.decode_frame(S400_A, S400_ADDRESS, key(S400_KEY)).objects)[0][1]
    )
    assert (a.profile, a.weight_kg, a.heart_rate_bpm, a.impedance_ohm) == (1, 69.9, 92, 543.2)
    b = mibeacon.decode_s400_object(
        mibeacon.iter_objects(mibeacon.decode_frame(S400_B, S400_ADDRESS, key(S400_KEY)).objects)[0][1]
    )
    assert b.is_closing and b.impedance_ohm == 497.6 and not b.weight_kg

    d = driver(mibeacon.XiaomiS400Driver, S400_ADDRESS, S400_KEY)
    first = d.advert(advert(S400_A, S400_ADDRESS))
    [live] = readings(first)
    assert live.weight_kg == 69.9 and live.stabilized is False and live.heart_rate_bpm == 92
    assert SetTimer(mibeacon.S400_CLOSING_WAIT_S, "s400") in first
    assert d.advert(advert(S400_A, S400_ADDRESS)) == []  # the same advert repeated: nothing new
    second = d.advert(advert(S400_B, S400_ADDRESS))
    [final] = readings(second)
    assert CancelTimer("s400") in second
    assert (final.weight_kg, final.impedance_ohm, final.heart_rate_bpm, final.stabilized) == (69.9, 543.2, 92.0, True)
    assert final.protocol == "xiaomi-s400" and final.is_final


def test_s400_closing_packet_lost_publishes_on_the_timer() -> None:
    d = driver(mibeacon.XiaomiS400Driver, S400_ADDRESS, S400_KEY)
    d.advert(advert(S400_A, S400_ADDRESS))
    [final] = readings(d.timeout("s400"))
    assert final.weight_kg == 69.9 and final.impedance_ohm == 543.2 and final.stabilized
    assert d.timeout("s400") == []


def test_s400_socks_and_step_off_from_xiaomi_ble() -> None:
    d = driver(mibeacon.XiaomiS400Driver, SOCKS_ADDRESS, SOCKS_KEY)
    [socks] = readings(d.advert(advert(S400_SOCKS, SOCKS_ADDRESS)))
    assert socks.weight_kg == 74.7 and socks.impedance_ohm is None and socks.stabilized
    [off] = readings(d.advert(advert(S400_RESET, SOCKS_ADDRESS)))
    assert off.load_removed and not off.weight_kg


@pytest.mark.parametrize(("hexdata", "kg"), OPENSCALE)
def test_s400_openscale_vectors(hexdata: str, kg: float) -> None:
    frame = mibeacon.decode_frame(bytes.fromhex(hexdata), OPENSCALE_ADDRESS, key(OPENSCALE_KEY))
    [(kind, value)] = mibeacon.iter_objects(frame.objects)
    assert kind == mibeacon.OBJ_S400
    assert mibeacon.decode_s400_object(value).weight_kg == kg


def test_openscale_weight_only_vector_has_no_impedance() -> None:
    frame = mibeacon.decode_frame(bytes.fromhex(OPENSCALE[3][0]), OPENSCALE_ADDRESS, key(OPENSCALE_KEY))
    packet = mibeacon.decode_s400_object(mibeacon.iter_objects(frame.objects)[0][1])
    assert packet.impedance_ohm is None and packet.weight_kg > 0


def _s800_frame(weight_raw: int, *, counter: int = 0x5B, mac_included: bool = True) -> bytes:
    """ble-scale-sync's ``buildFrame`` (tests/scales/xiaomi-s800.test.ts), byte for byte."""
    mac_frame = bytes.fromhex("aba18f47ae04")
    obj = bytes([0x16, 0x4E, 0x09, 0x90, 0, 0, 0x05, 0x2B, 0, 0, weight_raw & 0xFF, weight_raw >> 8])
    ext = b"\x01\x00\x00"
    nonce = mac_frame + bytes([0xE2, 0x51, counter]) + ext
    sealed = AESCCM(bytes(range(16)), tag_length=4).encrypt(nonce, obj, b"\x11")
    head = bytes([0x58 if mac_included else 0x48, 0x59, 0xE2, 0x51, counter])
    return head + (mac_frame if mac_included else b"") + sealed[:-4] + ext + sealed[-4:]


S800_ADDRESS = "04:AE:47:8F:A1:AB"  # the display-order form of ble-scale-sync's frame MAC ab a1 8f 47 ae 04


def test_s800_ble_scale_sync_frame_75_kg_and_mac_omitted_82_4() -> None:
    d = driver(mibeacon.XiaomiS800Driver, S800_ADDRESS, "000102030405060708090a0b0c0d0e0f")
    [r] = readings(d.advert(advert(_s800_frame(7500), S800_ADDRESS)))
    assert r.weight_kg == 75.0 and r.protocol == "xiaomi-s800"
    [r] = readings(d.advert(advert(_s800_frame(8240, counter=0x5C, mac_included=False), S800_ADDRESS)))
    assert r.weight_kg == 82.4


def test_s800_frame_naming_another_device_is_refused() -> None:
    with pytest.raises(DecodeError, match="another device"):
        mibeacon.decode_frame(_s800_frame(7500), "11:22:33:44:55:66", bytes(range(16)))


# ----- bad input ---------------------------------------------------------------------------------------------
def test_wrong_bind_key_is_a_wrong_key_error_after_a_second_failure() -> None:
    wrong = "00112233445566778899aabbccddeeff"
    with pytest.raises(mibeacon.BindKeyMismatch):
        mibeacon.decode_frame(S400_A, S400_ADDRESS, key(wrong))
    d = driver(mibeacon.XiaomiS400Driver, S400_ADDRESS, wrong, mode="pair")
    first = d.advert(advert(S400_A, S400_ADDRESS))
    assert [type(o) for o in first] == [MalformedFrame]  # one corrupt advert is not proof yet
    [error] = d.advert(advert(S400_B, S400_ADDRESS))
    assert isinstance(error, WrongKey) and error.fatal
    assert "this bind key does not decrypt this scale's adverts" in error.message.lower()
    assert not readings(first)


def test_right_key_in_pair_mode_says_ready() -> None:
    out = driver(mibeacon.XiaomiS400Driver, S400_ADDRESS, S400_KEY, mode="pair").advert(advert(S400_A, S400_ADDRESS))
    assert Ready() in out and any(isinstance(o, Progress) for o in out)


def test_missing_key_says_so_once() -> None:
    d = driver(mibeacon.XiaomiS400Driver, S400_ADDRESS, None)
    [error] = d.advert(advert(S400_A, S400_ADDRESS))
    assert isinstance(error, WrongKey) and "bind key" in error.message
    assert d.advert(advert(S400_B, S400_ADDRESS)) == []


def test_wrong_address_fails_the_mic() -> None:
    with pytest.raises(mibeacon.BindKeyMismatch):
        mibeacon.decode_frame(S400_A, "8C:D0:B2:F6:BE:EE", key(S400_KEY))


def test_replayed_advert_after_a_newer_one_is_refused() -> None:
    d = driver(mibeacon.XiaomiS400Driver, S400_ADDRESS, S400_KEY)
    d.advert(advert(S400_B, S400_ADDRESS))  # counter 11
    [error] = d.advert(advert(S400_A, S400_ADDRESS))  # counter 10: older
    assert isinstance(error, mibeacon.ReplayedAdvert) and not error.fatal


def test_once_verified_a_garbled_advert_is_only_a_bad_packet() -> None:
    d = driver(mibeacon.XiaomiS400Driver, S400_ADDRESS, S400_KEY)
    d.advert(advert(S400_A, S400_ADDRESS))
    garbled = bytearray(S400_B)
    garbled[8] ^= 0x40
    [error] = d.advert(advert(bytes(garbled), S400_ADDRESS))
    assert type(error) is MalformedFrame and "MIC" in error.reason


def test_too_short_to_name_a_product_is_ignored() -> None:
    d = driver(mibeacon.XiaomiS400Driver, S400_ADDRESS, S400_KEY)
    assert d.advert(advert(b"", S400_ADDRESS)) == [] and d.advert(advert(S400_A[:3], S400_ADDRESS)) == []


@pytest.mark.parametrize("cut", [5, 10, 14, 16])
def test_short_adverts_are_malformed(cut: int) -> None:
    [error] = driver(mibeacon.XiaomiS400Driver, S400_ADDRESS, S400_KEY).advert(advert(S400_A[:cut], S400_ADDRESS))
    assert isinstance(error, MalformedFrame)


def test_other_xiaomi_products_are_not_scales() -> None:
    thermometer = bytes.fromhex("5858 5b05 01") + bytes(15)  # LYWSD03MMC product id 0x055B
    assert drivers.classify(advert(thermometer, S400_ADDRESS)) is None
    assert driver(mibeacon.XiaomiS400Driver, S400_ADDRESS, S400_KEY).advert(advert(thermometer, S400_ADDRESS)) == []


def test_classify_by_product_id() -> None:
    assert drivers.classify(advert(S400_A, S400_ADDRESS)) is mibeacon.XiaomiS400Driver
    assert drivers.classify(advert(S200[0], S200[1])) is mibeacon.XiaomiS200Driver
    assert drivers.classify(advert(_s800_frame(7500), S800_ADDRESS)) is mibeacon.XiaomiS800Driver


@pytest.mark.parametrize(
    "text",
    [
        "0728974d657a4b60964c1b1677f35f7c",
        " 0728974D657A4B60964C1B1677F35F7C ",
        "07:28:97:4d:65:7a:4b:60:96:4c:1b:16:77:f3:5f:7c",
    ],
)
def test_bind_key_parsing_accepts_what_people_paste(text: str) -> None:
    assert mibeacon.parse_bind_key(text) == key(S400_KEY)


@pytest.mark.parametrize("text", ["", "0728974d657a4b60964c1b1677f35f7", "0728974d657a4b60964c1b1677f35f7cz", "g" * 32])
def test_bind_key_parsing_refuses_the_rest(text: str) -> None:
    with pytest.raises(DecodeError, match="32 hexadecimal"):
        mibeacon.parse_bind_key(text)
