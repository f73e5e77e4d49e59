"""``companion ble decode``, ``companion pair`` and ``companion measure`` (contracts in DESIGN.md)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from companion.i18n import _


def register(subparsers: Any) -> None:
    ble = subparsers.add_parser("ble", help=_("Bluetooth scale tools"))
    sub = ble.add_subparsers(dest="ble_command", metavar="ACTION", required=True)
    decode = sub.add_parser("decode", help=_("decode one scale packet and print it as JSON"))
    source = decode.add_mutually_exclusive_group(required=True)
    source.add_argument("--characteristic", metavar="UUID", help=_("the GATT characteristic the value came from"))
    source.add_argument("--service-data", metavar="UUID", help=_("the service UUID of advertisement service data"))
    source.add_argument(
        "--manufacturer-data",
        metavar="COMPANY_ID",
        help=_("the company id of advertisement manufacturer data (decimal or 0x...)"),
    )
    decode.add_argument("hex", metavar="HEX", help=_("the payload in hex; spaces and colons are allowed"))
    decode.add_argument("--name", default=None, help=_("the advertised name, if known"))
    decode.add_argument(
        "--driver", metavar="NAME", default=None, help=_("decode with this scale driver (see `companion ble drivers`)")
    )
    decode.set_defaults(handler=_decode)
    listing = sub.add_parser("drivers", help=_("list the supported scale families, their devices and what they report"))
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_drivers)

    pair = subparsers.add_parser("pair", help=_("find and pair a Bluetooth scale"))
    pair.add_argument("--address", default=None, help=_("pair this scale without asking"))
    pair.add_argument("--scan-seconds", type=float, default=5.0, metavar="S")
    pair.add_argument(
        "--first-reading",
        type=float,
        default=0.0,
        metavar="S",
        help=_("wait this many seconds for a first reading after pairing"),
    )
    pair.add_argument(
        "--bind-key",
        default=None,
        metavar="HEX",
        help=_(
            "the bind key of an encrypted scale (Xiaomi S400/S200/S800; 32 hex characters); "
            "or set COMPANION_BIND_KEY, or type it when asked"
        ),
    )
    pair.add_argument("--json", action="store_true")
    pair.set_defaults(handler=_pair)

    measure = subparsers.add_parser("measure", help=_("take one measurement from a paired scale"))
    measure.add_argument("--timeout", type=float, default=60.0, metavar="S")
    measure.add_argument("--json", action="store_true")
    measure.set_defaults(handler=_measure)


def _parse_hex(text: str) -> bytes:
    from companion.cli._common import CliError

    cleaned = "".join(text.replace(":", " ").replace("-", " ").split())
    if cleaned.lower().startswith("0x"):
        cleaned = cleaned[2:]
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise CliError(_("cannot decode: {reason}").format(reason=_("not a hex string"))) from None


def _decode(args: argparse.Namespace) -> int:
    from companion.ble.protocols import (
        DecodeError,
        decode_characteristic,
        decode_manufacturer_data,
        decode_service_data,
        normalize_uuid,
    )
    from companion.ble.protocols._common import Implausible
    from companion.cli._common import CliError, print_json

    data = _parse_hex(args.hex)
    driver = None
    if args.driver:
        from companion.ble import drivers

        driver = drivers.get(args.driver)
        if driver is None:
            known = ", ".join(d.id for d in drivers.all_drivers())
            reason = _("unknown driver {name} (known: {known})").format(name=args.driver, known=known)
            raise CliError(_("cannot decode: {reason}").format(reason=reason))
    try:
        if args.characteristic:
            source, key = "characteristic", normalize_uuid(args.characteristic)
        elif args.service_data:
            source, key = "service-data", normalize_uuid(args.service_data)
        else:
            text = str(args.manufacturer_data).strip().lower()
            try:
                company = int(text, 16) if text.startswith("0x") else int(text)
            except ValueError:
                raise DecodeError(f"not a company id: {args.manufacturer_data}") from None
            source, key = "manufacturer-data", str(company)
        try:
            if driver is not None:
                decoded = driver.decode(source, key, data)
            else:
                try:
                    if source == "characteristic":
                        decoded = decode_characteristic(key, data, name=args.name)
                    elif source == "service-data":
                        decoded = decode_service_data(key, data)
                    else:
                        decoded = decode_manufacturer_data(int(key), data)
                except DecodeError as exc:
                    if not exc.reason.startswith("no decoder"):
                        raise
                    decoded = _decode_by_any_driver(source, key, data, exc)
        except Implausible as exc:
            # A debugging tool: say what the packet says, and why it would never be stored.
            out = exc.reading.to_json()
            out["plausible"] = False
            out["reason"] = exc.reason
            print_json(out)
            return 0
    except DecodeError as exc:
        raise CliError(_("cannot decode: {reason}").format(reason=exc.reason)) from None
    print_json(decoded.to_json())
    return 0


def _decode_by_any_driver(source: str, key: str, data: bytes, unknown: Exception) -> Any:
    """A key the built-in table does not know: the one driver that decodes it, if exactly one does."""
    from companion.ble import drivers
    from companion.ble.protocols import DecodeError
    from companion.ble.protocols._common import Implausible

    decoded: dict[str, Any] = {}
    for d in drivers.all_drivers():
        try:
            decoded[d.id] = d.decode(source, key, data)
        except Implausible as exc:  # decodable, just impossible: still this driver's packet
            decoded[d.id] = exc
        except DecodeError:
            continue
    if len(decoded) == 1:
        only = next(iter(decoded.values()))
        if isinstance(only, Implausible):
            raise only
        return only
    if decoded:
        raise DecodeError(f"several drivers decode this ({', '.join(sorted(decoded))}); choose one with --driver")
    raise unknown


def _drivers(args: argparse.Namespace) -> int:
    from companion.ble import drivers
    from companion.cli._common import print_json

    table = [drivers.describe(d) for d in drivers.all_drivers()]
    if args.json:
        print_json(table)
        return 0
    for row in table:
        flags = [row["link"]]
        if row["handshake"]:
            flags.append(_("handshake"))
        if row["needs_key"]:
            flags.append(_("needs a key"))
        print(f"{row['id']}: {row['family']} ({', '.join(flags)})")
        print("  " + _("devices: {devices}").format(devices="; ".join(row["devices"])))
        print("  " + _("reports: {fields}").format(fields=", ".join(row["measures"])))
    return 0


async def _measure_quietly(store: Any, timeout: float) -> Any:
    from companion.ble import session

    try:
        return await session.measure_once(store, timeout=timeout)
    finally:
        if session.emulated():  # let emulated scales finish their HCI commands before the loop ends
            from companion.ble.emulator.air import quiesce

            await quiesce()


def _bind_key(args: argparse.Namespace, chosen: Any) -> bytes:
    """The bind key for an encrypted scale: --bind-key, COMPANION_BIND_KEY, or a hidden prompt on a terminal."""
    import os

    from companion.ble.drivers.mibeacon import parse_bind_key
    from companion.ble.protocols import DecodeError
    from companion.cli._common import CliError

    text = args.bind_key or os.environ.get("COMPANION_BIND_KEY")
    if not text:
        if not sys.stdin.isatty():
            raise CliError(
                _("{name} encrypts its readings: give its bind key with --bind-key or COMPANION_BIND_KEY.").format(
                    name=chosen.label
                )
            )
        import getpass

        _say(
            _(
                "{name} encrypts its readings and needs its bind key: a 32-character code the Xiaomi Home app "
                "received when the scale was set up. Get it by signing in to your Xiaomi account with a token "
                'extractor tool (for example "Xiaomi Cloud Tokens Extractor"), which lists each device\'s BLE key.'
            ).format(name=chosen.label)
        )
        text = getpass.getpass(_("Bind key: "), stream=sys.stderr)
    try:
        return parse_bind_key(text)
    except DecodeError:
        raise CliError(_("A bind key is 32 characters, 0-9 and a-f. Check it and try again.")) from None


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def _measurement_json(m: Any) -> dict[str, Any]:
    from companion.domain.model import METRIC_ORDER

    out: dict[str, Any] = {
        "id": m.id,
        "timestamp": m.timestamp.isoformat(),
        "source": m.source,
        "profile_id": m.profile_id,
    }
    for metric in METRIC_ORDER:
        value = m.value(metric)
        if value is not None:
            out[metric.value] = value
    if m.impedance_ohm is not None:
        out["impedance_ohm"] = m.impedance_ohm
    out["derived"] = sorted(d.value for d in m.derived)
    return out


def _pair(args: argparse.Namespace) -> int:
    import asyncio

    from companion.ble import session
    from companion.cli._common import CliError, open_store, print_json, require_profile

    store = open_store()
    try:
        profile = require_profile(store)

        async def run() -> session.PairOutcome:
            _say(_("Looking for scales for {seconds} seconds...").format(seconds=int(args.scan_seconds)))
            until = (lambda f: f.address.upper() == args.address.upper()) if args.address else None
            found = await session.scan(args.scan_seconds, until=until)
            if not found:
                raise CliError(_("No scale found. Wake it by stepping on it, keep it close, and try again."))
            if args.address:
                chosen = next((f for f in found if f.address.upper() == args.address.upper()), None)
                if chosen is None:
                    raise CliError(_("Scale {address} was not found.").format(address=args.address))
            elif len(found) == 1 or not sys.stdin.isatty():
                chosen = found[0]
            else:
                for i, f in enumerate(found, 1):
                    _say(f"{i}. {f.label}  [{f.kind.label}]  {f.rssi} dBm  {f.address}")
                answer = input(_("Which scale? [1] ")).strip() or "1"
                if not answer.isdigit() or not 1 <= int(answer) <= len(found):
                    raise CliError(_("No such scale."), code=2)
                chosen = found[int(answer) - 1]
            bind_key = _bind_key(args, chosen) if chosen.driver.needs_key else None
            try:
                return await session.pair(
                    store, chosen, profile, progress=_say, first_reading_timeout=args.first_reading, bind_key=bind_key
                )
            finally:
                if session.emulated():
                    from companion.ble.emulator.air import quiesce

                    await quiesce()

        try:
            outcome = asyncio.run(run())
        except session.ScaleError as exc:
            raise CliError(str(exc)) from None
        result: dict[str, Any] = {
            "address": outcome.scale.address,
            "name": outcome.scale.name,
            "protocol": outcome.scale.protocol,
            "transport": outcome.scale.transport,
            "user_index": outcome.user_index,
            "registered": outcome.registered,
        }
        if outcome.first is not None and outcome.first.measurement is not None:
            result["first_measurement"] = _measurement_json(outcome.first.measurement)
        if args.json:
            print_json(result)
        else:
            print(
                _("Paired with {name} ({protocol}).").format(
                    name=outcome.scale.name or outcome.scale.address, protocol=outcome.scale.protocol
                )
            )
        return 0
    finally:
        store.close()


def _measure(args: argparse.Namespace) -> int:
    import asyncio

    from companion.ble import session
    from companion.cli._common import CliError, open_store, print_json, require_profile

    store = open_store()
    try:
        require_profile(store)
        from companion.store.ble import BleRepository

        if not BleRepository(store).paired():
            raise CliError(_("No scale is paired yet; run `companion pair` first."))
        if not args.json:
            _say(_("Step on the scale..."))
        try:
            recorded = asyncio.run(_measure_quietly(store, args.timeout))
        except session.ScaleError as exc:
            raise CliError(str(exc)) from None
        if recorded.measurement is None:
            raise CliError(recorded.message or _("The reading was not stored."))
        if args.json:
            print_json(_measurement_json(recorded.measurement))
        else:
            m = recorded.measurement
            print(
                _("Stored {weight} kg at {time}.").format(
                    weight=f"{m.weight_kg:.1f}", time=m.timestamp.strftime("%Y-%m-%d %H:%M")
                )
            )
        return 0
    finally:
        store.close()
