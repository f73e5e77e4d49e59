"""Sans-I/O scale protocol decoders: bytes in, a frozen dataclass or ``DecodeError`` out. No bleak here.

Entry points by where the bytes came from (a GATT characteristic, advertisement service data or manufacturer
data) so that ``companion ble decode`` and the live session share one dispatch table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from companion.ble.protocols import etekcity, qn, sig, xiaomi
from companion.ble.protocols._common import DecodeError, Reading

__all__ = [
    "DecodeError",
    "Decoded",
    "Reading",
    "ScaleKind",
    "decode_characteristic",
    "decode_manufacturer_data",
    "decode_service_data",
    "identify_scale",
    "normalize_uuid",
]

_BASE_SUFFIX = "-0000-1000-8000-00805f9b34fb"


class Decoded(Protocol):
    def to_json(self) -> dict[str, Any]: ...


def normalize_uuid(uuid: str) -> str:
    """'2a9d', '0x2A9D', '00002a9d-0000-1000-8000-00805f9b34fb' -> '2a9d'; other 128-bit UUIDs stay full."""
    text = uuid.strip().lower()
    if text.startswith("0x"):
        text = text[2:]
    if len(text) == 36 and text.endswith(_BASE_SUFFIX) and text.startswith("0000"):
        return text[4:8]
    if len(text) in (4, 8) and all(c in "0123456789abcdef" for c in text):
        return text[-4:] if len(text) == 4 or text.startswith("0000") else text
    if len(text) == 36:
        return text
    raise DecodeError(f"not a Bluetooth UUID: {uuid!r}")


def full_uuid(short: int) -> str:
    return f"0000{short:04x}{_BASE_SUFFIX}"


def _vendor_notification(data: bytes) -> Reading:
    # FFF1 carries Etekcity ESF-551 (A5 framing) or QN type-2 frames; the first byte tells them apart.
    if data[:1] == b"\xa5":
        return etekcity.decode_notification(data)
    return qn.decode_weight_frame(data)


_CHARACTERISTICS: Mapping[str, Callable[[bytes], Decoded]] = {
    "2a9d": sig.decode_weight_measurement,
    "2a9e": sig.decode_weight_scale_feature,
    "2a9c": sig.decode_body_composition,
    "2a9b": sig.decode_body_composition_feature,
    "2a9f": sig.decode_control_point_response,
    "2a9a": sig.decode_user_index,
    "2a99": sig.decode_database_change_increment,
    "2a2b": sig.decode_current_time,
    "ffe1": qn.decode_weight_frame,
    "fff1": _vendor_notification,
}
_SERVICE_DATA: Mapping[str, Callable[[bytes], Decoded]] = {
    "181d": xiaomi.decode_mi_scale_v1,
    "181b": xiaomi.decode_mi_scale_v2,
}
_MANUFACTURER: Mapping[int, Callable[[bytes], Decoded]] = {
    etekcity.COMPANY_ID: etekcity.decode_advertisement,
}


def decode_characteristic(uuid: str, data: bytes, *, name: str | None = None) -> Decoded:
    """Decode a characteristic value; ``name`` (the advertised name) settles shared vendor UUIDs."""
    short = normalize_uuid(uuid)
    if name and short in ("fff1", "ffe1"):
        kind = identify_scale(name, [], {}, {})
        if kind is not None and kind.protocol == "qn":
            return qn.decode_weight_frame(bytes(data))
    decoder = _CHARACTERISTICS.get(short)
    if decoder is None:
        raise DecodeError(f"no decoder for characteristic {uuid}")
    return decoder(bytes(data))


def decode_service_data(uuid: str, data: bytes) -> Decoded:
    decoder = _SERVICE_DATA.get(normalize_uuid(uuid))
    if decoder is None:
        raise DecodeError(f"no decoder for service data {uuid}")
    return decoder(bytes(data))


def decode_manufacturer_data(company_id: int, data: bytes) -> Decoded:
    decoder = _MANUFACTURER.get(company_id)
    if decoder is None:
        raise DecodeError(f"no decoder for manufacturer data of company 0x{company_id:04x}")
    return decoder(bytes(data))


@dataclass(frozen=True, slots=True)
class ScaleKind:
    """How to talk to a scale seen in an advertisement."""

    protocol: str  # sig, mi-scale, mi-scale-2, qn, etekcity-esf551
    transport: str  # gatt or broadcast
    label: str  # human name of the family (untranslated brand names)


SIG = ScaleKind("sig", "gatt", "Bluetooth standard scale")
MI_V1 = ScaleKind(xiaomi.MI_SCALE_V1, "broadcast", "Xiaomi Mi Smart Scale")
MI_V2 = ScaleKind(xiaomi.MI_SCALE_V2, "broadcast", "Xiaomi Mi Body Composition Scale 2")
QN = ScaleKind(qn.PROTOCOL, "gatt", "QN / Renpho / FITINDEX")
ETEKCITY = ScaleKind(etekcity.PROTOCOL, "gatt", "Etekcity ESF-551")
KINDS = {k.protocol: k for k in (SIG, MI_V1, MI_V2, QN, ETEKCITY)}


def identify_scale(
    name: str | None,
    service_uuids: list[str],
    service_data: Mapping[str, bytes],
    manufacturer_data: Mapping[int, bytes],
) -> ScaleKind | None:
    """Guess the protocol from one advertisement (names and services as catalogued by openScale)."""
    uuids = set()
    for u in list(service_uuids) + list(service_data):
        try:
            uuids.add(normalize_uuid(u))
        except DecodeError:
            continue
    label = (name or "").upper()
    if "181b" in {normalize_uuid(u) for u in service_data} or label.startswith(("MIBCS", "MIBFS")):
        return MI_V2
    if "181d" in {normalize_uuid(u) for u in service_data} or label.startswith(("MI_SCALE", "MISCA")):
        return MI_V1
    if etekcity.COMPANY_ID in manufacturer_data:
        return ETEKCITY
    if "181d" in uuids or "181b" in uuids:
        return SIG
    if "ffe0" in uuids or "fff0" in uuids or label.startswith(("QN-", "RENPHO", "FITINDEX")):
        return QN
    return None
