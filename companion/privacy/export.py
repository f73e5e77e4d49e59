"""Export everything (GDPR Art. 15 access and Art. 20 portability): a ZIP, or one format on its own.

The ZIP holds (shared/reference/health_data.md 5.1):

* ``manifest.json``: format and schema version, app version, creation time, SHA-256 and size of every file;
* ``data.json``: every table of the store, row by row (secrets such as access tokens left out);
* ``csv/measurements/<metric>.csv`` and ``csv/health/<kind>.csv``: one CSV per metric, ISO 8601 times with
  their UTC offset, units in the headers;
* ``fhir/bundle.json``: an HL7 FHIR R4 Bundle (``collection``) of Patient, Device, Observations, Consents and
  Communications (``companion.privacy.fhir``);
* ``consents.json``: the full consent history, restriction switches and the current state of every purpose;
* ``README.md``: what each file is.

Everything is streamed: rows are read a batch at a time (keyset paging), written through a small buffer into
the deflate stream and hashed on the way, so memory stays flat whatever the data size. The ZIP (or file, or
folder) is written under a temporary name in the target folder and renamed only when complete; on any error
or interruption the temporary file is removed, so a half-written export never looks complete.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import shutil
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from companion import __version__
from companion.i18n import _, current_language
from companion.privacy import export_programme as programme_export
from companion.privacy import fhir
from companion.store.categories import CATEGORY_TABLES
from companion.store.privacy import PrivacyRepo

if TYPE_CHECKING:
    from companion.store import Store

FORMATS = ("zip", "json", "csv", "fhir")
EXPORT_FORMAT_VERSION = 1
BATCH = 5000
FLUSH_BYTES = 1 << 20
_SECRET_WORDS = ("token", "password", "secret", "private_key", "passphrase")
#: Programme tables whose ``ts`` is Unix seconds with ``tz_offset`` minutes east of UTC, as in measurements.
_LOCAL_TIME_TABLES = frozenset({"body_measurement", "medication_log", "water_intake", "symptom_checkin",
                                "programme_note", "progress_photo"})

Progress = Callable[[int, int], None]

#: CSV name and header unit for each measurement column (units as stored: SI, kcal per day, scale rating).
MEASUREMENT_CSV: dict[str, tuple[str, str]] = {
    "weight_kg": ("weight", "kg"),
    "body_fat_pct": ("body_fat", "%"),
    "body_water_pct": ("body_water", "%"),
    "bone_mass_kg": ("bone_mass", "kg"),
    "muscle_mass_kg": ("muscle_mass", "kg"),
    "bmi": ("bmi", "kg/m2"),
    "bmr_kcal": ("bmr", "kcal/d"),
    "visceral_fat": ("visceral_fat", "rating"),
}
SAMPLE_UNITS: dict[str, str] = {
    "heart_rate": "bpm",
    "resting_heart_rate": "bpm",
    "hrv_sdnn": "ms",
    "steps": "count",
    "rr_interval": "ms",
    "active_energy": "kcal",
    "body_mass": "kg",
    "lean_body_mass": "kg",
    "height": "cm",
    "walking_heart_rate": "bpm",
}


class ExportError(Exception):
    """The export could not be written; ``str(error)`` is a one-line, human message. Nothing was left
    behind."""


@dataclass(frozen=True, slots=True)
class FileRecord:
    name: str
    sha256: str
    bytes: int
    records: int


@dataclass
class ExportResult:
    format: str
    path: Path | None
    files: list[FileRecord] = field(default_factory=list)
    records: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def default_filename(now: datetime, fmt: str) -> str:
    suffix = {"zip": ".zip", "json": ".json", "fhir": ".fhir.json", "csv": ""}[fmt]
    return f"companion-export-{now.strftime('%Y%m%d-%H%M%S')}{suffix}"


# ----- writing ------------------------------------------------------------------------------------------
class _Member:
    """A buffered text writer into one output file that hashes what it writes."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._buffer: list[str] = []
        self._pending = 0
        self.sha = hashlib.sha256()
        self.size = 0
        self.records = 0

    def write(self, text: str) -> None:
        self._buffer.append(text)
        self._pending += len(text)
        if self._pending >= FLUSH_BYTES:
            self.flush()

    def write_bytes(self, data: bytes) -> None:
        """Binary content (a photo) after what was written so far."""
        self.flush()
        self.sha.update(data)
        self.size += len(data)
        self._raw.write(data)

    def flush(self) -> None:
        if not self._buffer:
            return
        data = "".join(self._buffer).encode("utf-8")
        self._buffer.clear()
        self._pending = 0
        self.sha.update(data)
        self.size += len(data)
        self._raw.write(data)


class _Sink:
    def __init__(self) -> None:
        self.files: list[FileRecord] = []

    @contextmanager
    def member(self, name: str) -> Iterator[_Member]:
        with self._open(name) as raw:
            writer = _Member(raw)
            yield writer
            writer.flush()
        self.files.append(FileRecord(name, writer.sha.hexdigest(), writer.size, writer.records))

    def _open(self, name: str) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def abandon(self) -> None:
        pass


class _ZipSink(_Sink):
    def __init__(self, fileobj: IO[bytes]) -> None:
        super().__init__()
        # Deflate level 1: several times faster than the default for about 10 % more bytes.
        self.zip = zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)

    def _open(self, name: str) -> Any:
        return self.zip.open(name, "w", force_zip64=True)

    def close(self) -> None:
        self.zip.close()

    def abandon(self) -> None:
        """After a failure: forget the archive without writing its directory (the file is deleted)."""
        self.zip.fp = None


class _DirSink(_Sink):
    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root

    def _open(self, name: str) -> Any:
        target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return open(target, "wb")


class _StreamSink(_Sink):
    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__()
        self.stream = stream

    @contextmanager
    def _open(self, name: str) -> Iterator[IO[bytes]]:
        yield self.stream
        self.stream.flush()


# ----- reading ------------------------------------------------------------------------------------------
def _tz(offset_min: int, cache: dict[int, timezone] = {}) -> timezone:  # noqa: B006 - deliberate cache
    found = cache.get(offset_min)
    if found is None:
        found = cache[offset_min] = timezone(timedelta(minutes=offset_min))
    return found


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAYS: dict[int, str] = {}
_OFFSETS: dict[int, str] = {}


def _offset_text(offset_min: int) -> str:
    text = _OFFSETS.get(offset_min)
    if text is None:
        hours, minutes = divmod(abs(offset_min), 60)
        text = _OFFSETS[offset_min] = f"{'+' if offset_min >= 0 else '-'}{hours:02d}:{minutes:02d}"
    return text


def _iso_local(ts: int, offset_min: int) -> str:
    """``datetime.fromtimestamp(ts, tz).isoformat()``, about five times faster for whole seconds (the export
    formats millions of these; the day part is cached)."""
    if type(ts) is not int:
        return datetime.fromtimestamp(ts, _tz(offset_min)).isoformat()
    days, rest = divmod(ts + offset_min * 60, 86400)
    day = _DAYS.get(days)
    if day is None:
        if len(_DAYS) > 200_000:
            _DAYS.clear()
        day = _DAYS[days] = date.fromordinal(_EPOCH_ORDINAL + days).isoformat()
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{day}T{hours:02d}:{minutes:02d}:{seconds:02d}{_offset_text(offset_min)}"


def _iso_utc(ts: float) -> str:
    if type(ts) is int:
        return _iso_local(ts, 0)
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def _blob(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        import base64

        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(type(value).__name__)


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_blob).encode


class _Exporter:
    def __init__(self, store: Store, progress: Progress | None) -> None:
        self.store = store
        self.repo = PrivacyRepo(store)
        self.progress = progress
        self.now = store.clock.now()
        self.done = 0
        self.total = 0
        self.tables = self.repo.tables()
        self.has_measurement = "measurement" in self.tables
        self.has_sample = "sample" in self.tables and {"kind", "ts", "value"} <= set(
            self.repo.columns("sample")
        )
        self.has_message = "message" in self.tables and {"ts", "body"} <= set(self.repo.columns("message"))
        self.counts = {t: self.repo.count(t) for t in self.tables}
        self.photo_files = False  # in a ZIP: photos as files under photos/, not base64 inside data.json
        self.sample_kinds: list[str] = (
            [str(k) for k in self.repo.distinct("sample", "kind") if k is not None] if self.has_sample else []
        )

    # progress -----------------------------------------------------------------------------------------
    def plan(self, fmt: str) -> None:
        measurements = self.counts.get("measurement", 0)
        samples = self.counts.get("sample", 0) if self.has_sample else 0
        messages = self.counts.get("message", 0) if self.has_message else 0
        json_rows = sum(self.counts.values())
        programme = programme_export.rows(self.repo) if programme_export.present(self.tables) else 0
        csv_rows = measurements * len(MEASUREMENT_CSV) + samples + programme
        fhir_rows = measurements + samples + messages + programme
        self.total = {
            "zip": json_rows + csv_rows + fhir_rows,
            "json": json_rows,
            "csv": csv_rows,
            "fhir": fhir_rows,
        }[fmt] or 1

    def tick(self, rows: int) -> None:
        self.done += rows
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)

    # data.json ----------------------------------------------------------------------------------------
    def write_data_json(self, out: _Member) -> None:
        head = {
            "format": "companion-export",
            "format_version": EXPORT_FORMAT_VERSION,
            "schema_version": self.store.schema_version(),
            "app_version": __version__,
            "created_at": self.now.isoformat(),
        }
        out.write(_encode(head)[:-1] + ',"tables":{')
        for index, table in enumerate(self.tables):
            out.write(("," if index else "") + _encode(table) + ":[")
            self._table_rows(out, table)
            out.write("]")
        out.write("}}\n")

    def _table_rows(self, out: _Member, table: str) -> None:
        columns = [c for c in self.repo.columns(table) if not _is_secret(c)]
        photo_files = table == "progress_photo" and self.photo_files
        if table == "progress_photo":  # the thumbnail is derived; in a ZIP the photo itself is a file of its own
            columns = [c for c in columns if c != "thumbnail" and not (photo_files and c == "image")]
        if not columns:
            return
        index = {name: i for i, name in enumerate(columns)}
        time_of: Callable[[Any], str | None] | None = None
        if (table == "measurement" or table in _LOCAL_TIME_TABLES) and {"ts", "tz_offset"} <= set(columns):
            ts_i, off_i = index["ts"], index["tz_offset"]

            def time_of(row: Any) -> str | None:
                return _iso_local(row[ts_i], row[off_i] or 0) if row[ts_i] is not None else None
        elif table == "sample" and "ts" in columns:
            ts_i = index["ts"]

            def time_of(row: Any) -> str | None:
                return _iso_utc(row[ts_i]) if row[ts_i] is not None else None
        elif table == "message" and "ts" in columns:
            ts_i = index["ts"]

            def time_of(row: Any) -> str | None:
                return _iso_utc(row[ts_i] / 1000) if row[ts_i] is not None else None

        keys = [_encode(c) + ":" for c in columns]
        value = _ValueEncoder()
        secret_key = index.get("key") if table == "setting" else None
        first = True
        for batch in self.repo.batches(table, columns, size=BATCH):
            parts = []
            for raw in batch:
                row = raw[1:]
                if secret_key is not None and _is_secret(str(row[secret_key])):
                    continue
                body = ",".join([k + value(v) for k, v in zip(keys, row, strict=True)])
                if time_of is not None:
                    when = time_of(row)
                    body += ',"time":' + ("null" if when is None else '"' + when + '"')
                if photo_files:
                    body += ',"file":' + _encode(photo_file_name(row[index["day"]], row[index["id"]]))
                parts.append("{" + body + "}")
            if parts:
                out.write(("" if first else ",") + ",".join(parts))
                first = False
                out.records += len(parts)
            self.tick(len(batch))

    # CSV ----------------------------------------------------------------------------------------------
    def csv_members(self) -> list[tuple[str, Callable[[_Member], None]]]:
        members: list[tuple[str, Callable[[_Member], None]]] = []
        if self.has_measurement:
            for column, (name, _unit) in MEASUREMENT_CSV.items():
                members.append(
                    (
                        f"csv/measurements/{name}.csv",
                        partial(self.write_measurement_csv, column=column),
                    )
                )
        for kind in self.sample_kinds:
            members.append(
                (
                    f"csv/health/{_safe_name(kind)}.csv",
                    partial(self.write_sample_csv, kind=kind),
                )
            )
        for name, kind in programme_export.csv_members(self.tables):
            members.append((name, partial(self.write_programme_csv, kind=kind)))
        return members

    def write_programme_csv(self, out: _Member, kind: str) -> None:
        heights = {p.id: p.height_cm for p in self.store.profiles.all() if p.id is not None}
        out.records += programme_export.write_csv(self.repo, kind, out.write, _csv, heights)
        self.tick(out.records)

    def write_measurement_csv(self, out: _Member, column: str, *, long: bool = False) -> None:
        name, unit = MEASUREMENT_CSV[column]
        bit = 1 << list(MEASUREMENT_CSV).index(column)
        sources = _CsvCache()
        prefix = f"{name},{unit}," if long else ""
        if not long:
            out.write(f"time,{name} ({unit}),source,derived\r\n")
        for batch in self.repo.batches(
            "measurement",
            ("ts", "tz_offset", column, "source", "derived_mask"),
            where=f'"{column}" IS NOT NULL',
            size=BATCH,
        ):
            lines = []
            for _rowid, ts, off, value, source, mask in batch:
                derived = "yes" if (mask or 0) & bit else "no"
                lines.append(f"{prefix}{_iso_local(ts, off or 0)},{value!r},{sources[source]},{derived}\r\n")
            out.write("".join(lines))
            out.records += len(lines)
            self.tick(len(batch))

    def write_sample_csv(self, out: _Member, kind: str, *, long: bool = False) -> None:
        unit = SAMPLE_UNITS.get(kind, "")
        sources = _CsvCache()
        if not long:
            out.write(f"time,{_csv(kind)} ({unit}),source\r\n" if unit else f"time,{_csv(kind)},source\r\n")
        # "+kind": keep SQLite on the rowid scan even when an index on kind exists (no sort per batch)
        for batch in self.repo.batches(
            "sample", ("ts", "value", "source"), where="+kind = ?", params=(kind,), size=BATCH
        ):
            prefix = f"{_csv(kind)},{unit}," if long else ""
            lines = [
                f"{prefix}{_iso_utc(ts)},{_num(value)},{sources[source]}\r\n"
                for _r, ts, value, source in batch
            ]
            out.write("".join(lines))
            out.records += len(lines)
            self.tick(len(batch))

    def write_csv_long(self, out: _Member) -> None:
        """All metrics in one CSV (for ``--format csv --output -``)."""
        out.write("metric,unit,time,value,source,derived\r\n")
        if self.has_measurement:
            for column in MEASUREMENT_CSV:
                self.write_measurement_csv(out, column, long=True)
        for kind in self.sample_kinds:
            # samples have no "derived" column; keep the column count equal
            self.write_sample_csv(_Suffixing(out, ","), kind, long=True)  # type: ignore[arg-type]

    # FHIR ---------------------------------------------------------------------------------------------
    def write_fhir(self, out: _Member) -> None:
        new_uid = fhir.UuidSource()
        out.write(fhir.bundle_head(self.now, new_uid()))
        count = 0

        def emit_many(parts: list[str]) -> None:
            nonlocal count
            if parts:
                out.write(("," if count else "") + ",".join(parts))
                count += len(parts)

        def emit(text: str) -> None:
            emit_many([text])

        profiles = self.store.profiles.all()
        active = self.store.profiles.active()
        patients: dict[int | None, str] = {}
        for profile in profiles:
            uid = new_uid()
            patients[profile.id] = uid
            emit(fhir.entry_text(uid, fhir.patient(profile)))
        if not patients:
            uid = new_uid()
            patients[None] = uid
            emit(fhir.entry_text(uid, {"resourceType": "Patient"}))
        default_patient = patients.get(active.id if active else None) or next(iter(patients.values()))
        devices: dict[str, str] = {}
        if self.has_measurement:
            for source in self.repo.distinct("measurement", "source"):
                if isinstance(source, str) and source.startswith("ble:"):
                    uid = new_uid()
                    devices[source] = uid
                    emit(fhir.entry_text(uid, fhir.device(source, default_patient)))
                elif isinstance(source, str) and source.startswith("import:"):
                    uid = new_uid()
                    devices[source] = uid
                    emit(fhir.entry_text(uid, fhir.import_device(source, default_patient)))
            self._fhir_measurements(emit_many, new_uid, patients, default_patient, devices)
        if self.has_sample:
            self._fhir_samples(emit_many, new_uid, patients, default_patient)
        if programme_export.present(self.tables):
            programme_export.write_fhir(self.repo, emit_many, new_uid, patients, default_patient, self.tick)
        from companion.privacy.purposes import PURPOSES

        titles = {p.id: p.title for p in PURPOSES}
        for uid, resource in fhir.consents(self.store.consents.history(), default_patient, new_uid, titles):
            emit(fhir.entry_text(uid, resource))
        if self.has_message:
            self._fhir_messages(emit, new_uid, default_patient)
        out.write(fhir.BUNDLE_TAIL)
        out.records = count

    def _fhir_measurements(
        self,
        emit_many: Callable[[list[str]], None],
        new_uid: fhir.UuidSource,
        patients: dict[int | None, str],
        default_patient: str,
        devices: dict[str, str],
    ) -> None:
        columns = list(fhir.MEASUREMENT_CODES)
        templates: dict[tuple[int | None, str], list[fhir.ObservationTemplate]] = {}
        for batch in self.repo.batches(
            "measurement", ("profile_id", "ts", "tz_offset", "source", *columns), size=BATCH
        ):
            parts: list[str] = []
            for _rowid, pid, ts, off, source, *values in batch:
                key = (pid, source)
                row_templates = templates.get(key)
                if row_templates is None:
                    patient_uid = patients.get(pid, default_patient)
                    row_templates = templates[key] = [
                        fhir.ObservationTemplate(fhir.MEASUREMENT_CODES[c], patient_uid, devices.get(source))
                        for c in columns
                    ]
                when = _iso_local(ts, off or 0)
                for template, value in zip(row_templates, values, strict=True):
                    if value is not None:
                        parts.append(template.render(new_uid(), when, value))
            emit_many(parts)
            self.tick(len(batch))

    def _fhir_samples(
        self,
        emit_many: Callable[[list[str]], None],
        new_uid: fhir.UuidSource,
        patients: dict[int | None, str],
        default_patient: str,
    ) -> None:
        has_profile = "profile_id" in self.repo.columns("sample")
        columns = ("profile_id" if has_profile else "kind", "kind", "ts", "value")
        templates: dict[tuple[Any, str], fhir.ObservationTemplate | None] = {}
        for batch in self.repo.batches("sample", columns, size=BATCH):
            parts: list[str] = []
            for _rowid, pid, kind, ts, value in batch:
                key = (pid, kind)
                template = templates.get(key, False)
                if template is False:
                    code = fhir.SAMPLE_CODES.get(kind)
                    patient_uid = patients.get(pid if has_profile else None, default_patient)
                    template = templates[key] = fhir.ObservationTemplate(code, patient_uid) if code else None
                if template is not None and value is not None and ts is not None:
                    parts.append(template.render(new_uid(), _iso_utc(ts), value))  # type: ignore[union-attr]
            emit_many(parts)
            self.tick(len(batch))

    def _fhir_messages(self, emit: Callable[[str], None], new_uid: fhir.UuidSource, patient_uid: str) -> None:
        available = set(self.repo.columns("message"))
        wanted = [c for c in ("event_id", "sender", "body", "ts", "status", "own") if c in available]
        for batch in self.repo.batches("message", wanted, size=BATCH):
            for raw in batch:
                row = dict(zip(wanted, raw[1:], strict=True))
                if row.get("ts") is None:
                    continue
                resource = fhir.communication(
                    event_id=row.get("event_id"),
                    sender=row.get("sender"),
                    body=row.get("body"),
                    sent=datetime.fromtimestamp(row["ts"] / 1000, UTC),
                    status=row.get("status"),
                    own=bool(row.get("own")),
                    patient_uid=patient_uid,
                )
                emit(fhir.entry_text(new_uid(), resource))
            self.tick(len(batch))

    # consents.json, README ----------------------------------------------------------------------------
    def write_consents(self, out: _Member) -> None:
        from companion.privacy.ledger import statuses
        from companion.privacy.notice import SEEN_SETTING

        history = [
            {
                "id": r.id,
                "purpose": r.purpose,
                "decision": r.decision,
                "notice_version": r.notice_version,
                "timestamp": r.timestamp.isoformat(),
                "method": r.method,
            }
            for r in self.store.consents.history()
        ]
        current = [
            {
                "purpose": s.purpose.id,
                "legal_basis": s.purpose.basis.value,
                "state": s.state,
                "since": s.since.isoformat() if s.since else None,
                "notice_version": s.notice_version,
                "data_categories": list(s.purpose.category_ids),
            }
            for s in statuses(self.store)
        ]
        restriction = [
            {"timestamp": ts, "restricted": on, "method": method}
            for ts, on, method in self.repo.restriction_history()
        ]
        document = {
            "notice_version_seen": self.store.settings.get(SEEN_SETTING),
            "current": current,
            "history": history,
            "restriction": restriction,
        }
        out.write(json.dumps(document, ensure_ascii=False, indent=1) + "\n")
        out.records = len(history)

    def write_readme(self, out: _Member, names: list[str]) -> None:
        out.write(readme_text(current_language(), names, self.now))


class _ValueEncoder:
    """JSON for one SQLite value; short strings (sources, kinds, units) are cached."""

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}

    def __call__(self, value: Any) -> str:
        kind = type(value)
        if kind is int:
            return str(value)
        if kind is float:
            return repr(value) if value - value == 0 else _encode(value)  # NaN and infinities as json does
        if value is None:
            return "null"
        if kind is str:
            found = self._strings.get(value)
            if found is None:
                found = _encode(value)
                if len(value) <= 64 and len(self._strings) < 10_000:
                    self._strings[value] = found
            return found
        return _encode(value)


class _CsvCache(dict[Any, str]):
    def __missing__(self, key: Any) -> str:
        text = _csv(key)
        if len(self) < 10_000:
            self[key] = text
        return text


class _Suffixing:
    """Adds a suffix before each CRLF (used to pad sample rows in the long CSV)."""

    def __init__(self, inner: _Member, suffix: str) -> None:
        self._inner = inner
        self._suffix = suffix

    def write(self, text: str) -> None:
        self._inner.write(text.replace("\r\n", self._suffix + "\r\n"))

    @property
    def records(self) -> int:
        return self._inner.records

    @records.setter
    def records(self, value: int) -> None:
        self._inner.records = value


def _csv(value: Any) -> str:
    """One CSV field (RFC 4180 quoting); text that a spreadsheet would run as a formula gets a leading '."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _num(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def photo_file_name(day: str, photo_id: int) -> str:
    return f"photos/{_safe_name(str(day))}-{int(photo_id)}.jpg"


def _safe_name(kind: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in kind)
    return cleaned or "unnamed"


# ----- README -------------------------------------------------------------------------------------------
_README = {
    "en": """# Your Companion data export

Created {created}. Every file is listed with its SHA-256 checksum in `manifest.json`.

- `data.json`: all your data, table by table, exactly as Companion stores it. Times: `ts` in measurements is
  Unix seconds with `tz_offset` minutes east of UTC; in health samples Unix seconds (UTC); in messages Unix
  milliseconds. Each row also has a readable `time` (ISO 8601 with offset). Passwords and access tokens are
  left out.
- `csv/measurements/*.csv`: one file per body metric (weight, body fat, body water, bone mass, muscle mass,
  BMI, basal metabolic rate, visceral fat). Times are ISO 8601 with the UTC offset where you measured;
  the unit
  is in the column header; `derived` says whether Companion calculated the value instead of the scale.
- `csv/health/*.csv`: one file per kind of health sample (heart rate, steps, ...), times in UTC.
- `csv/programme/*.csv`: your programme: tape measurements (openScale's column names such as WAIST and HIPS,
  in cm, with the waist-to-hip and waist-to-height ratios), medication doses, water, check-ins and notes.
- `photos/`: your progress photos (only if you added any), named by date.
- `fhir/bundle.json`: the same data as an HL7 FHIR R4 Bundle (type collection): Patient, Device,
  Observations (LOINC codes, UCUM units; also your tape measurements), MedicationStatements and
  MedicationAdministrations (your medicines and doses), Consents and Communications (your clinic messages). Clinics and
  health apps that speak FHIR can read it.
- `consents.json`: every consent you gave, withdrew or objected to, with the notice version and how you
  gave it, plus when you restricted processing.
- `manifest.json`: export format and schema version, app version, creation time, checksums.

Files in this export: {files}.

Keep this file safe: it is not encrypted.
""",
    "nl": """# Je Companion-gegevensexport

Gemaakt op {created}. Elk bestand staat met zijn SHA-256-controlegetal in `manifest.json`.

- `data.json`: al je gegevens, tabel voor tabel, precies zoals Companion ze bewaart. Tijden: `ts` bij metingen
  is Unix-seconden met `tz_offset` minuten oost van UTC; bij gezondheidsmetingen Unix-seconden (UTC); bij
  berichten Unix-milliseconden. Elke rij heeft ook een leesbare `time` (ISO 8601 met verschil). Wachtwoorden
  en toegangssleutels zijn weggelaten.
- `csv/measurements/*.csv`: één bestand per lichaamswaarde (gewicht, vetpercentage, vochtpercentage,
  botmassa, spiermassa, BMI, basaal metabolisme, visceraal vet). Tijden in ISO 8601 met het UTC-verschil
  waar je mat; de eenheid staat in de kolomkop; `derived` zegt of Companion de waarde berekende.
- `csv/health/*.csv`: één bestand per soort gezondheidsmeting (hartslag, stappen, ...), tijden in UTC.
- `csv/programme/*.csv`: je programma: lichaamsmaten (de kolomnamen van openScale zoals WAIST en HIPS, in cm,
  met de taille-heup- en taille-lengteverhouding), medicijndoses, water, check-ins en notities.
- `photos/`: je voortgangsfoto's (alleen als je die toevoegde), genoemd naar datum.
- `fhir/bundle.json`: dezelfde gegevens als HL7 FHIR R4-bundel (type collection): Patient, Device,
  Observations (LOINC-codes, UCUM-eenheden; ook je lichaamsmaten), MedicationStatements en
  MedicationAdministrations (je medicijnen en doses), Consents en Communications (je berichten met de kliniek).
- `consents.json`: elke toestemming die je gaf, introk of waartegen je bezwaar maakte, met de versie van de
  verklaring en hoe je die gaf, en wanneer je de verwerking liet beperken.
- `manifest.json`: exportformaat en schemaversie, appversie, aanmaaktijd, controlegetallen.

Bestanden in deze export: {files}.

Bewaar dit bestand goed: het is niet versleuteld.
""",
}


def readme_text(language: str, names: list[str], created: datetime) -> str:
    template = _README.get(language, _README["en"])
    return template.format(created=created.isoformat(), files=", ".join(f"`{n}`" for n in names))


# ----- the public entry point ---------------------------------------------------------------------------
def _human_os_error(exc: OSError, target: Path) -> ExportError:
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return ExportError(
            _("Not enough disk space to write the export to {path}; nothing was written.").format(path=target)
        )
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ExportError(
            _("Cannot write the export to {path}: permission denied; nothing was written.").format(
                path=target
            )
        )
    if code == errno.ENOENT:
        return ExportError(
            _("The folder {path} does not exist; nothing was written.").format(path=target.parent)
        )
    return ExportError(
        _("Could not write the export to {path}: {error}; nothing was written.").format(
            path=target, error=exc.strerror or exc
        )
    )


def _write(exporter: _Exporter, sink: _Sink, fmt: str) -> None:
    exporter.plan(fmt)
    if fmt == "json":
        with sink.member("data.json") as out:
            exporter.write_data_json(out)
        return
    if fmt == "fhir":
        with sink.member("bundle.json") as out:
            exporter.write_fhir(out)
        return
    if fmt == "csv" and isinstance(sink, _StreamSink):
        with sink.member("measurements.csv") as out:
            exporter.write_csv_long(out)
        return
    names: list[str] = []
    if fmt == "zip":
        exporter.photo_files = True
        with sink.member("data.json") as out:
            exporter.write_data_json(out)
    for name, writer in exporter.csv_members():
        with sink.member(name) as out:
            writer(out)
    if fmt == "zip" and "progress_photo" in exporter.tables:
        for batch in exporter.repo.batches("progress_photo", ("id", "day", "image"), size=20):
            for _rowid, photo_id, day, image in batch:
                with sink.member(photo_file_name(day, photo_id)) as out:
                    out.write_bytes(bytes(image))
                    out.records = 1
    if fmt == "zip":
        with sink.member("fhir/bundle.json") as out:
            exporter.write_fhir(out)
        with sink.member("consents.json") as out:
            exporter.write_consents(out)
    names = [f.name for f in sink.files] + ["README.md", "manifest.json"]
    with sink.member("README.md") as out:
        exporter.write_readme(out, names)
    if fmt == "zip":
        manifest = {
            "format": "companion-export",
            "format_version": EXPORT_FORMAT_VERSION,
            "schema_version": exporter.store.schema_version(),
            "app_version": __version__,
            "created_at": exporter.now.isoformat(),
            "files": [
                {"name": f.name, "sha256": f.sha256, "bytes": f.bytes, "records": f.records}
                for f in sink.files
            ],
        }
        with sink.member("manifest.json") as out:
            out.write(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")


def export(
    store: Store,
    fmt: str = "zip",
    output: Path | None = None,
    *,
    stream: IO[bytes] | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write an export of everything in ``store`` to ``output`` (a file; a folder for ``csv``) or ``stream``.

    Raises ``ExportError`` with a human message; on any failure (or Ctrl-C) nothing is left at ``output``.
    """
    if fmt not in FORMATS:
        raise ExportError(
            _("Unknown export format {format}; choose one of {formats}.").format(
                format=fmt, formats=", ".join(FORMATS)
            )
        )
    exporter = _Exporter(store, progress)
    result = ExportResult(fmt, None)
    if stream is not None:
        sink: _Sink = _ZipSink(stream) if fmt == "zip" else _StreamSink(stream)
        try:
            _write(exporter, sink, fmt)
            sink.close()
        except BaseException as exc:
            sink.abandon()
            if not isinstance(exc, OSError):
                raise
            raise _human_os_error(exc, Path("-")) from None
        target_label = "stdout"
    else:
        if output is None:
            output = Path.cwd() / default_filename(exporter.now, fmt)
        output = Path(output)
        if output.is_dir() and (fmt != "csv" or any(output.iterdir())):
            raise ExportError(
                _("{path} already exists and is a folder; choose a file name.").format(path=output)
                if fmt != "csv"
                else _("The folder {path} already exists and is not empty; nothing was written.").format(
                    path=output
                )
            )
        tmp = output.with_name(f".{output.name}.partial-{secrets.token_hex(4)}")
        try:
            if fmt == "csv":
                tmp.mkdir(mode=0o700)
                sink = _DirSink(tmp)
                _write(exporter, sink, fmt)
                if output.exists():
                    output.rmdir()
                os.replace(tmp, output)
            else:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    sink = _ZipSink(fh) if fmt == "zip" else _StreamSink(fh)
                    try:
                        _write(exporter, sink, fmt)
                        sink.close()
                    except BaseException:
                        sink.abandon()
                        raise
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, output)
        except BaseException as exc:
            if tmp.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                try:
                    tmp.unlink()
                except OSError:
                    pass
            if isinstance(exc, OSError):
                raise _human_os_error(exc, output) from None
            raise
        result.path = output
        target_label = str(output)
    result.files = list(sink.files)
    result.counts = {
        k: v
        for k, v in exporter.counts.items()
        if k in ("measurement", "sample", "message") or k in CATEGORY_TABLES.get("health-data", ())
    }
    result.records = exporter.done
    if progress is not None:
        progress(exporter.total, exporter.total)
    summary = _(
        "{format} export: {measurements} measurements, {samples} health samples, {messages} messages"
    ).format(
        format=fmt.upper(),
        measurements=exporter.counts.get("measurement", 0),
        samples=exporter.counts.get("sample", 0),
        messages=exporter.counts.get("message", 0),
    )
    store.audit.record("export", target_label, summary)
    return result
