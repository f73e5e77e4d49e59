"""The import driver: a format reader yields parsed batches; the driver commits each one with the file's
progress in one transaction, reports progress and honours cancellation between batches.

Format readers are generators of :class:`Step` (see ``READERS``); they never touch the store. With
``threaded=True`` the reader runs in a second thread so parsing overlaps the database work (SQLite and
SQLCipher release the GIL). Measured on the 1,000,000-record benchmark export it was no faster than inline
(GIL contention eats the overlap; both ~14-18 s on a loaded 2-core machine, far past the 5x target), so inline
is the default. With ``parallel`` (automatic for files over 8 MB on a machine with two cores) the reader runs
in a child interpreter instead and sends its batches over a pipe: parsing and storing then really run on
two cores. A big Apple Health export is parsed by both processes, this one taking the first part
(:mod:`companion.health.apple_split`): one parser is slower than storing, so it alone would set the pace.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.parsers import expat

from companion.health.model import Batch, Cancelled, ImportReport, PartRefused, UnreadableFile
from companion.i18n import _

if TYPE_CHECKING:
    from companion.health.files import ByteSource
    from companion.store.db import Store

ProgressFn = Callable[[int, int], None]  # (bytes done, bytes total)
CancelFn = Callable[[], bool]
FORMATS = ("apple-health", "fitbit-takeout", "openscale", "csv")


@dataclass
class Step:
    """A reader's report: an optional batch to commit, the records fully read so far, bytes done/total."""

    batch: Batch | None
    records_done: int
    done: int
    total: int
    warning: str | None = None
    part: Any = None  # what the reader of a file's later part hands over at its end (see apple_split)


Reader = Callable[..., Iterator[Step]]


def open_apple_export(path: Path) -> ByteSource:
    from companion.health.files import open_member

    return open_member(path, lambda n: n == "export.xml" or n.endswith("/export.xml"), _("Apple Health export.xml"))


@contextmanager
def apple_errors(path: Path) -> Iterator[None]:
    """Turns what the Apple Health parser raises for a file it cannot read at all into ``UnreadableFile``."""
    from companion.health.apple import NotAppleHealth, UnsafeXml

    try:
        yield
    except expat.ExpatError as error:
        raise UnreadableFile(_("{name} is not an Apple Health export: {reason}").format(
            name=path.name, reason=expat.ErrorString(error.code))) from None
    except UnsafeXml:
        raise UnreadableFile(_("{name} declares XML entities, which an Apple Health export never does; refused.")
                             .format(name=path.name)) from None
    except NotAppleHealth as error:
        raise UnreadableFile(_("{name} is XML but not an Apple Health export (root element {root}).").format(
            name=path.name, root=str(error))) from None


def _apple(path: Path, report: ImportReport, skip: int, batch_size: int, **_options: Any) -> Iterator[Step]:
    from companion.health.apple import AppleHealthParser

    source = open_apple_export(path)
    parser = AppleHealthParser(report, skip)
    if source.warning:
        yield Step(None, 0, source.done(), source.total, source.warning)
    with apple_errors(path):
        for chunk in source.chunks:
            parser.feed(chunk)
            batch = parser.take() if parser.batch.size >= batch_size else None
            yield Step(batch, parser.committed_records, source.done(), source.total)
        parser.close()
    report.records = parser.records
    yield Step(parser.take(), parser.records, source.total, source.total)


def _apple_tail(path: Path, report: ImportReport, skip: int, batch_size: int, *, start: int,
                **_options: Any) -> Iterator[Step]:
    from companion.health.apple_split import read_tail

    return read_tail(path, report, batch_size, start)


def _fitbit(path: Path, report: ImportReport, skip: int, batch_size: int, **options: Any) -> Iterator[Step]:
    from companion.health.fitbit import read_takeout

    return read_takeout(path, report, skip, batch_size, **options)


def _openscale(path: Path, report: ImportReport, skip: int, batch_size: int, **options: Any) -> Iterator[Step]:
    from companion.health.scale_csv import read_scale_csv

    return read_scale_csv(path, report, skip, batch_size, only_openscale=True, **options)


def _csv(path: Path, report: ImportReport, skip: int, batch_size: int, **options: Any) -> Iterator[Step]:
    from companion.health.scale_csv import read_scale_csv

    return read_scale_csv(path, report, skip, batch_size, only_openscale=False, **options)


READERS: dict[str, Reader] = {"apple-health": _apple, "fitbit-takeout": _fitbit, "openscale": _openscale, "csv": _csv}
# Readers of one part of a file, run in a child process by a reader above; not formats users import.
PART_READERS: dict[str, Reader] = {"apple-health-tail": _apple_tail}
_END = object()
PARALLEL_MIN_BYTES = 8 << 20  # below this, starting a second interpreter costs more than it saves
# An Apple Health ZIP holds ~20-30x its size in XML (1 MB: ~50,000 records), and the split reader has both
# processes parse: worth a second interpreter from here on (for a plain export.xml of 1 MB it costs ~0.1 s)
APPLE_PARALLEL_MIN_BYTES = 1 << 20


class _Frames:
    """Frames read ahead from a child's pipe, holding at most ``budget`` bytes (and always at least one)."""

    def __init__(self, budget: int) -> None:
        self._items: deque[bytes | None] = deque()
        self._bytes = 0
        self._budget = budget
        self._changed = threading.Condition()
        self._stopped = False

    def put(self, frame: bytes | None) -> bool:
        """Wait for room; False when the consumer stopped listening."""
        with self._changed:
            while self._items and self._bytes >= self._budget and not self._stopped:
                self._changed.wait()
            if self._stopped:
                return False
            self._items.append(frame)
            self._bytes += len(frame or b"")
            self._changed.notify_all()
            return True

    def get(self) -> bytes | None:
        with self._changed:
            while not self._items:
                self._changed.wait()
            frame = self._items.popleft()
            self._bytes -= len(frame or b"")
            self._changed.notify_all()
            return frame

    def stop(self) -> None:
        with self._changed:
            self._stopped = True
            self._changed.notify_all()


def _read_frames(stream: Any, frames: _Frames) -> None:
    """Read the child's length-prefixed frames into ``frames`` (a thread: pipe reads release the GIL, so the
    child never waits for the committing thread); ``None`` marks the end of the stream."""
    try:
        while True:
            head = stream.read(8)
            size = int.from_bytes(head, "big") if len(head) == 8 else -1
            frame = stream.read(size) if size >= 0 else b""
            if len(frame) != size or not frames.put(frame):  # a frame cut short: the child died mid-message
                break
    except (OSError, ValueError):  # the pipe was closed under us: the import is being stopped
        pass
    frames.put(None)


def give_back_big_buffers() -> None:
    """Have glibc return freed buffers of 128 kB and more to the system at once (``mallopt(M_MMAP_THRESHOLD)``).

    By default that threshold rises to the largest buffer freed so far (opening the store frees the 32 MiB
    of its key derivation), so an import's stream of 1 MB chunks and pickled batches is served from the heap,
    which fragments and only grows: ~10 MB more peak memory per process on the benchmark import. Elsewhere
    (not Linux, not glibc) nothing happens."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None).mallopt(-3, 128 << 10)  # M_MMAP_THRESHOLD is -3 in glibc's <malloc.h>
    except (OSError, AttributeError):
        pass


def _widen_pipe(fd: int) -> None:
    """Linux: let the pipe hold a whole batch (1 MiB instead of 64 kB), so the child hands it over in one go
    instead of waiting, a piece at a time, for this process's pipe thread to get the GIL from the parser."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):  # not Linux, or a system limit below 1 MiB: the default pipe works too
        pass


class ChildReader:
    """A format reader running in a child interpreter (``companion.health._reader_proc``), started at once.

    A thread drains the child's pipe up to ``budget`` bytes ahead, keeping messages as pickled bytes (a batch
    of 20,000 samples is ~350 kB pickled, ~2 MB unpickled); each is unpickled just before it is yielded."""

    def __init__(self, fmt: str, path: Path, skip: int, batch_size: int, options: dict[str, Any],
                 budget: int = 6 << 20) -> None:
        import json
        import subprocess

        from companion.i18n import current_language

        self._proc = subprocess.Popen(
            [sys.executable, "-m", "companion.health._reader_proc", fmt, str(path), str(skip), str(batch_size),
             json.dumps(options), current_language()],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        assert self._proc.stdout is not None
        _widen_pipe(self._proc.stdout.fileno())
        self._frames = _Frames(budget)
        self._thread = threading.Thread(target=_read_frames, args=(self._proc.stdout, self._frames),
                                        name="companion-import-pipe", daemon=True)
        self._thread.start()

    def steps(self, report: ImportReport) -> Iterator[Step]:
        """The child's steps; at the end its report is added to ``report`` (also when it failed)."""
        import pickle

        while True:
            frame = self._frames.get()
            if frame is None:
                raise UnreadableFile(_("The import's reader process stopped unexpectedly."))
            message = pickle.loads(frame)
            del frame
            kind = message[0]
            if kind == "step":
                yield message[1]
                continue
            child: ImportReport = message[-1]
            report.records = child.records
            report.errors.update(child.errors)
            report.refused_fields.update(child.refused_fields)
            report.skipped_types.update(child.skipped_types)
            for reason, where in child.examples.items():
                report.examples.setdefault(reason, where)
            if kind == "unreadable":
                raise UnreadableFile(message[1])
            if kind == "refused":
                raise PartRefused(message[1])
            if kind == "error":
                raise RuntimeError(message[1])
            return

    def close(self) -> None:
        self._frames.stop()
        if self._proc.poll() is None:
            self._proc.kill()
        self._thread.join()
        assert self._proc.stdout is not None
        self._proc.stdout.close()
        self._proc.wait()


def _in_child_process(
    fmt: str, path: Path, report: ImportReport, skip: int, batch_size: int, options: dict[str, Any],
) -> Iterator[Step]:
    """Run the reader in a child interpreter (see :class:`ChildReader`) and yield its steps."""
    child = ChildReader(fmt, path, skip, batch_size, options)
    try:
        yield from child.steps(report)
    finally:
        child.close()


def _threaded(steps: Iterator[Step], stop: threading.Event, depth: int = 2) -> Iterator[Step]:
    """Run the reader in a thread, up to ``depth`` steps ahead of the consumer."""
    box: queue.Queue[Any] = queue.Queue(maxsize=depth)

    def produce() -> None:
        try:
            for step in steps:
                while not stop.is_set():
                    try:
                        box.put(step, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as error:  # handed to the consumer, which re-raises it
            box.put(error)
        finally:
            box.put(_END)

    worker = threading.Thread(target=produce, name="companion-import-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = box.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                box.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()


def with_profile_bmi(batch: Batch, height_cm: float | None) -> None:
    """Give every imported weigh-in the BMI of its weight at the profile's height, marked as computed here.

    Sources write the BMI of the height the user once typed into that app (Mi Fit, Fitbit, Apple Health), which
    need not be the profile's; a BMI without a weight is kept as the source gave it."""
    if not height_cm or not batch.measurements:
        return
    from dataclasses import replace

    from companion.domain.model import METRIC_INFO, Metric

    low, high = METRIC_INFO[Metric.BMI].low, METRIC_INFO[Metric.BMI].high
    square = (height_cm / 100.0) ** 2
    out = []
    for m in batch.measurements:
        if m.weight_kg is not None:
            bmi = round(m.weight_kg / square, 2)
            if low <= bmi <= high:
                m = replace(m, bmi=bmi, derived=m.derived | {Metric.BMI})
            elif m.bmi is not None:
                m = replace(m, bmi=None, derived=m.derived - {Metric.BMI})
        out.append(m)
    batch.measurements = out


class Importer:
    """Import one file for one profile. ``progress(done, total)`` is called with bytes read on disk;
    ``cancel()`` is polled between chunks: when it returns True the import stops after the last whole batch."""

    def __init__(
        self, store: Store, profile_id: int, *, progress: ProgressFn | None = None, cancel: CancelFn | None = None,
        batch_size: int = 20_000, force: bool = False, threaded: bool = False, parallel: bool | None = None,
        split_at: float | None = None,
    ) -> None:
        self.store = store
        self.profile_id = profile_id
        self.progress = progress
        self.cancel = cancel
        self.batch_size = batch_size
        self.force = force
        self.threaded = threaded
        self.parallel = parallel
        self.split_at = split_at  # parallel Apple Health imports: share parsed here (see apple_split); 0: no split
        self.warnings: list[str] = []

    def run(self, fmt: str, path: Path, **options: Any) -> ImportReport:
        """Raises ``UnreadableFile`` (nothing imported) for a file that cannot be read at all."""
        from companion.health.files import fingerprint
        from companion.privacy.gate import require_health_consent
        from companion.store.health import HealthData

        if fmt not in READERS:
            raise UnreadableFile(_("Unknown import format: {fmt}").format(fmt=fmt))
        require_health_consent(self.store)
        if not path.exists():
            raise UnreadableFile(_("{path} does not exist.").format(path=path))
        report = ImportReport(fmt)
        health = HealthData(self.store)
        profile = self.store.profiles.get(self.profile_id)
        height_cm = profile.height_cm if profile is not None else None
        try:
            print_ = fingerprint(path)
        except OSError as error:
            raise UnreadableFile(_("Cannot read {path}: {reason}").format(path=path, reason=error.strerror)) from None
        size = path.stat().st_size if path.is_file() else sum(
            p.stat().st_size for p in path.rglob("*") if p.is_file())
        previous = health.import_file(self.profile_id, fmt, print_)
        if previous is not None and previous.status == "done" and not self.force:
            report.already_imported = True
            report.records = previous.records_done
            return report
        entry = health.begin_import(self.profile_id, fmt, print_, path.name, size)
        if previous is not None and (self.force or previous.status == "done"):
            health.reset_import(entry.id)
            skip = 0
        else:
            skip = entry.records_done
        report.resumed_from = skip
        stop = threading.Event()
        parallel = self.parallel
        if parallel is None:  # big files on a machine with a second core
            parallel = (os.cpu_count() or 1) >= 2 and size >= (
                APPLE_PARALLEL_MIN_BYTES if fmt == "apple-health" else PARALLEL_MIN_BYTES)
        if parallel and fmt == "apple-health" and skip == 0 and self.split_at != 0:
            from companion.health.apple_split import SPLIT_AT, read_split

            def whole(skip: int) -> Iterator[Step]:
                return _in_child_process(fmt, path, report, skip, self.batch_size, options)

            steps = read_split(path, report, self.batch_size, whole, self.split_at or SPLIT_AT)
        elif parallel:
            steps = _in_child_process(fmt, path, report, skip, self.batch_size, options)
        else:
            steps = READERS[fmt](path, report, skip, self.batch_size, **options)
        if self.threaded and not parallel:  # parallel: a thread inside drains the child's pipe while we commit
            steps = _threaded(steps, stop)
        status = "failed"
        try:
            for step in steps:
                if step.warning:
                    self.warnings.append(step.warning)
                if step.batch:
                    with_profile_bmi(step.batch, height_cm)
                    added, dupes = health.commit_batch(
                        self.profile_id, step.batch, entry.id, step.records_done, report.error_count)
                    report.added += added
                    report.duplicates += dupes
                if self.progress is not None:
                    self.progress(step.done, step.total)
                if self.cancel is not None and self.cancel():
                    raise Cancelled()
            status = "done"
        except Cancelled:
            report.cancelled = True
            status = "cancelled"
        except UnreadableFile as error:
            if report.added == 0 and report.records == 0 and skip == 0:
                health.finish_import(entry.id, "failed", report.error_count)
                raise
            report.fatal = str(error)
        finally:
            stop.set()
            close = getattr(steps, "close", None)
            if close is not None:
                close()
            health.finish_import(entry.id, status, report.error_count)
        return report
