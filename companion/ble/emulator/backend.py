"""A bleak backend over the Bumble virtual link: ``BleakScanner(backend=BumbleScanner)``,
``BleakClient(..., backend=BumbleClient)``.

Implements bleak 3.1's ``BaseBleakScanner`` / ``BaseBleakClient`` (bleak/backends/scanner.py, client.py)
on top of Bumble's ``Device`` (scan, connect) and ``Peer`` (GATT client). The app's own bleak code is
unchanged; only the backend class differs (``companion.ble.session.scanner_kwargs``).
"""

from __future__ import annotations

import asyncio
import uuid as uuidlib
from collections.abc import Callable
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError, BleakGATTProtocolError
from bumble.att import ATT_Error
from bumble.device import Connection, Peer
from bumble.hci import Address

from companion.ble.emulator.air import get_air

_BASE = "-0000-1000-8000-00805f9b34fb"
_PROPS = (
    (0x01, "broadcast"),
    (0x02, "read"),
    (0x04, "write-without-response"),
    (0x08, "write"),
    (0x10, "notify"),
    (0x20, "indicate"),
    (0x40, "authenticated-signed-writes"),
    (0x80, "extended-properties"),
)


def _uuid_str(value: Any) -> str:
    """A Bumble UUID as bleak's lower-case 128-bit string."""
    raw = bytes(value.to_bytes(force_128=True))  # little-endian
    return str(uuidlib.UUID(bytes=raw[::-1]))


def _address_str(address: Address) -> str:
    return address.to_string(with_type_qualifier=False).upper()


def parse_ad_structures(
    data: bytes,
) -> tuple[str | None, list[str], dict[str, bytes], dict[int, bytes], int | None]:
    """Split raw advertising data (Core Spec Vol 3 Part C 11) into what bleak's AdvertisementData carries."""
    name: str | None = None
    uuids: list[str] = []
    service_data: dict[str, bytes] = {}
    manufacturer: dict[int, bytes] = {}
    tx_power: int | None = None
    pos = 0
    while pos < len(data):
        length = data[pos]
        if length == 0 or pos + 1 + length > len(data):
            break
        kind, payload = data[pos + 1], data[pos + 2 : pos + 1 + length]
        pos += 1 + length
        if kind in (0x08, 0x09):
            name = payload.decode("utf-8", "replace")
        elif kind in (0x02, 0x03):
            uuids += [
                f"0000{int.from_bytes(payload[i : i + 2], 'little'):04x}{_BASE}"
                for i in range(0, len(payload) - 1, 2)
            ]
        elif kind in (0x06, 0x07):
            uuids += [
                str(uuidlib.UUID(bytes=payload[i : i + 16][::-1])) for i in range(0, len(payload) - 15, 16)
            ]
        elif kind == 0x16 and len(payload) >= 2:
            service_data[f"0000{int.from_bytes(payload[:2], 'little'):04x}{_BASE}"] = bytes(payload[2:])
        elif kind == 0xFF and len(payload) >= 2:
            manufacturer[int.from_bytes(payload[:2], "little")] = bytes(payload[2:])
        elif kind == 0x0A and payload:
            tx_power = int.from_bytes(payload[:1], "little", signed=True)
    return name, uuids, service_data, manufacturer, tx_power


class BumbleScanner(BaseBleakScanner):
    """Scans the virtual air; every advertisement becomes a bleak detection callback."""

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._scanning = False

    def _on_advertisement(self, advertisement: Any) -> None:
        name, uuids, service_data, manufacturer, tx_power = parse_ad_structures(
            bytes(advertisement.data_bytes)
        )
        if not self.is_allowed_uuid(uuids + list(service_data)):
            return
        address = _address_str(advertisement.address)
        rssi = advertisement.rssi if advertisement.rssi != advertisement.RSSI_NOT_AVAILABLE else -60
        adv = AdvertisementData(
            local_name=name,
            manufacturer_data=manufacturer,
            service_data=service_data,
            service_uuids=uuids,
            tx_power=tx_power,
            rssi=rssi,
            platform_data=(advertisement,),
        )
        device = self.create_or_update_device(address, address, name, advertisement, adv)
        self.call_detection_callbacks(device, adv)

    async def start(self) -> None:
        self.seen_devices = {}
        await get_air().start_scan(self._on_advertisement)
        self._scanning = True

    async def stop(self) -> None:
        if self._scanning:
            self._scanning = False
            await get_air().stop_scan(self._on_advertisement)


class BumbleClient(BaseBleakClient):
    """A GATT client over a Bumble connection from the app's virtual adapter."""

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None,
        timeout: float = 10.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout)
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._proxies: dict[int, Any] = {}
        self._subscribers: dict[int, Callable[[bytes], None]] = {}

    @property
    def name(self) -> str:
        return self.address

    @property
    def mtu_size(self) -> int:
        return int(self._connection.att_mtu) if self._connection is not None else 23

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        air = await get_air().ready()
        timeout = float(kwargs.get("timeout", self._timeout))
        # One connection attempt at a time, as BlueZ queues them: two overlapping HCI create-connection
        # commands make Bumble hand the first completed link to the wrong waiter.
        async with air.connect_lock:
            try:
                connection = await asyncio.wait_for(
                    air.adapter.connect(Address(self.address), timeout=timeout), timeout + 0.5
                )
            except TimeoutError:
                try:
                    await air.adapter.cancel_connection()
                except Exception:
                    pass
                connection = None
            except Exception as exc:
                raise BleakError(f"cannot connect to {self.address}: {exc}") from exc
        if connection is None:
            raise BleakDeviceNotFoundError(self.address, f"device {self.address} did not answer")
        self._connection = connection
        connection.on(connection.EVENT_DISCONNECTION, self._on_disconnection)
        peer = self._peer = Peer(connection)
        # BlueZ, CoreBluetooth and WinRT all exchange a larger ATT MTU on connect; so do we (ESF-551 frames
        # are 22 bytes, more than the default 23-byte MTU allows in one notification).
        try:
            await peer.request_mtu(247)
        except Exception:  # a peer that refuses keeps the default MTU
            pass
        await peer.discover_all()
        self.services = self._service_collection(peer)

    def _on_disconnection(self, *_: Any) -> None:
        was_connected = self._connection is not None
        self._connection = None
        self._peer = None
        if was_connected and self._disconnected_callback is not None:
            self._disconnected_callback()

    def _service_collection(self, peer: Peer) -> BleakGATTServiceCollection:
        collection = BleakGATTServiceCollection()
        for service in peer.services:
            bleak_service = BleakGATTService(service, service.handle, _uuid_str(service.uuid))
            collection.add_service(bleak_service)
            for char in service.characteristics:
                props = [name for bit, name in _PROPS if char.properties & bit]
                bleak_char = BleakGATTCharacteristic(
                    char,
                    char.handle,
                    _uuid_str(char.uuid),
                    props,  # type: ignore[arg-type]
                    lambda: 20,
                    bleak_service,
                )
                collection.add_characteristic(bleak_char)
                self._proxies[char.handle] = char
                for desc in char.descriptors:
                    collection.add_descriptor(
                        BleakGATTDescriptor(desc, desc.handle, _uuid_str(desc.type), bleak_char)
                    )
                    self._proxies[desc.handle] = desc
        return collection

    def _require(self) -> Peer:
        if self._peer is None:
            raise BleakError("not connected")
        return self._peer

    async def disconnect(self) -> None:
        connection = self._connection
        self._connection = None
        self._peer = None
        if connection is not None:
            try:
                await asyncio.shield(connection.disconnect())
            except Exception:
                pass

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        # The virtual link is not encrypted; pairing is accepted as a no-op (documented limitation).
        self._require()

    async def unpair(self) -> None:
        return None

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        return bytearray(await self._require().read_value(self._proxies[characteristic.handle]))

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        return bytearray(await self._require().read_value(self._proxies[descriptor.handle]))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: Any, response: bool
    ) -> None:
        try:
            await self._require().write_value(
                self._proxies[characteristic.handle], bytes(data), with_response=response
            )
        except ATT_Error as exc:  # as bleak's platform backends report an ATT error response
            raise BleakGATTProtocolError(int(exc.error_code)) from None

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        await self._require().write_value(self._proxies[descriptor.handle], bytes(data), with_response=True)

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        proxy = self._proxies[characteristic.handle]

        def deliver(value: bytes) -> None:
            callback(bytearray(value))

        self._subscribers[characteristic.handle] = deliver
        await self._require().subscribe(proxy, deliver, prefer_notify=True)

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        deliver = self._subscribers.pop(characteristic.handle, None)
        if self._peer is not None:
            await self._peer.unsubscribe(self._proxies[characteristic.handle], deliver)
