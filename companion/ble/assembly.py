"""From a stream of decoded packets to complete weigh-ins (pure: no I/O, time passed in).

* SIG scales: a Weight Measurement (0x2A9D) indication is followed by a Body Composition Measurement (0x2A9C),
  possibly split over two indications with the multiple-packet flag; the parts are merged (as openScale's
  ``StandardWeightProfileHandler.kt`` merges WSS + BCS per user). A disconnect drops unfinished parts: nothing
  half-received is ever published.
* Broadcast and vendor scales repeat readings many times: only a stabilized reading with the person
  still on the scale counts; for body-composition scales the impedance arrives a few seconds later (bare
  feet), so the weight waits for it and is published weight-only after a timeout or when the person steps off
  (shared/reference/ble_scales.md, "Signalling summary").
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime

from companion.ble.protocols import Reading

#: Protocols whose stable weight is followed by an impedance measurement worth waiting for.
WAITS_FOR_IMPEDANCE = frozenset({"mi-scale-2", "qn", "etekcity-esf551"})
SIG_PROTOCOLS = frozenset({"sig-wss", "sig-bcs"})


def merge_readings(*parts: Reading) -> Reading:
    """Field-wise merge: the first part that carries a value wins."""
    values: dict[str, object] = {}
    for f in fields(Reading):
        for part in parts:
            value = getattr(part, f.name)
            if value is not None:
                values[f.name] = value
                break
    protocols = {p.protocol for p in parts}
    values["protocol"] = "sig" if protocols <= SIG_PROTOCOLS and len(protocols) > 1 else parts[0].protocol
    values["multi_packet"] = None
    values["stabilized"] = True
    return Reading(**values)  # type: ignore[arg-type]


def fingerprint(reading: Reading, received_at: datetime) -> str:
    """Identity of one weigh-in for replay de-duplication (scale time + weight + user)."""
    when = (
        reading.timestamp.isoformat()
        if reading.timestamp is not None
        else "rx" + received_at.isoformat(timespec="seconds")
    )
    return f"{when}|{reading.weight_kg:.3f}|{reading.user_index if reading.user_index is not None else '-'}"


class ReadingAssembler:
    """Per connected or listened-to scale: ``feed`` packets, ``poll`` for timeouts, ``reset`` on
    disconnect."""

    def __init__(
        self,
        *,
        expects_composition: bool = True,
        waits_for_impedance: bool | None = None,
        composition_wait_s: float = 2.0,
        impedance_wait_s: float = 8.0,
    ) -> None:
        self.expects_composition = expects_composition
        #: None: decide by the reading's protocol (``WAITS_FOR_IMPEDANCE``); drivers say it explicitly.
        self.waits_for_impedance = waits_for_impedance
        self.composition_wait_s = composition_wait_s
        self.impedance_wait_s = impedance_wait_s
        self._weight: Reading | None = None
        self._weight_deadline = 0.0
        self._parts: list[Reading] = []
        self._pending: Reading | None = None
        self._pending_deadline = 0.0
        self._last_key: tuple[object, ...] | None = None
        self.discarded = 0

    def reset(self) -> None:
        """Connection lost: whatever is unfinished is dropped."""
        if self._weight is not None or self._parts:
            self.discarded += 1
        self._weight = None
        self._parts = []
        self._pending = None

    def feed(self, reading: Reading, now: float) -> Reading | None:
        if reading.protocol in SIG_PROTOCOLS:
            return self._feed_sig(reading, now)
        return self._feed_stream(reading, now)

    def poll(self, now: float) -> Reading | None:
        if self._weight is not None and not self._parts and now >= self._weight_deadline:
            weight, self._weight = self._weight, None
            return weight
        if self._pending is not None and now >= self._pending_deadline:
            pending, self._pending = self._pending, None
            return pending
        return None

    # ----- SIG: WSS then BCS (maybe in two parts) ------------------------------------------------------
    def _feed_sig(self, reading: Reading, now: float) -> Reading | None:
        if reading.protocol == "sig-wss":
            previous = self._weight if not self._parts else None
            self._parts = []
            if not self.expects_composition:
                return reading
            self._weight = reading
            self._weight_deadline = now + self.composition_wait_s
            return previous  # a weight whose composition never came is still a complete weight
        if reading.multi_packet:
            self._parts.append(reading)
            if len(self._parts) < 2:
                return None
        else:
            self._parts = [reading]
        parts = ([self._weight] if self._weight is not None else []) + self._parts
        self._weight = None
        self._parts = []
        merged = merge_readings(*parts)
        return merged if merged.weight_kg else None

    # ----- broadcast / vendor streams ------------------------------------------------------------------
    def _feed_stream(self, reading: Reading, now: float) -> Reading | None:
        if reading.load_removed:
            pending, self._pending = self._pending, None
            self._last_key = None
            return pending
        if not reading.stabilized or not reading.weight_kg:
            if not reading.stabilized:
                self._last_key = None  # a new weigh-in is settling
            return None
        key = (reading.timestamp, reading.weight_kg, reading.user_index)
        if key == self._last_key:
            if self._pending is not None and reading.impedance_ohm is not None:
                self._pending = None
                return reading
            return None
        self._last_key = key
        waits = self.waits_for_impedance
        if waits is None:
            waits = reading.protocol in WAITS_FOR_IMPEDANCE
        if reading.impedance_ohm is None and waits:
            self._pending = reading
            self._pending_deadline = now + self.impedance_wait_s
            return None
        self._pending = None
        return replace(reading)
