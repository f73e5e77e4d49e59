"""The import driver: a format reader yields parsed batches; the driver commits each one with the file's
progress in one transaction, reports progress and honours cancellation between batches.

Format readers are generators of :class:`Step` (see ``READERS``); they never touch the store. With
``threaded=True`` the reader runs in a second thread so parsing overlaps the database work (SQLite and
SQLCipher release the GIL). Measured on the 1,000,000-record benchmark export it was no faster than inline
(GIL contention eats the overlap; both ~14-18 s on a loaded 2-core machine, far past the 5x target), so inline
is the default. With ``parallel`` (automatic for files over 8 MB on a machine with two cores) the reader runs
in a child interpreter instead and sends its batches over a pipe: parsing and storing then really run on
two cores.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.parsers import expat

from companion.health.model import Batch, Cancelled, ImportReport, UnreadableFile
from companion.i18n import _

if TYPE_CHECKING:
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


Reader = Callable[..., Iterator[Step]]


def _apple(path: Path, report: ImportReport, skip: int, batch_size: int, **_options: Any) -> Iterator[Step]:
    from companion.health.apple import AppleHealthParser, NotAppleHealth, UnsafeXml
    from companion.health.files import open_member

    source = open_member(path, lambda n: n == "export.xml" or n.endswith("/export.xml"), _("Apple Health export.xml"))
    parser = AppleHealthParser(report, skip)
    if source.warning:
        yield Step(None, 0, source.done(), source.total, source.warning)
    try:
        for chunk in source.chunks:
            parser.feed(chunk)
            batch = parser.take() if parser.batch.size >= batch_size else None
            yield Step(batch, parser.committed_records, source.done(), source.total)
        parser.close()
    except expat.ExpatError as error:
        raise UnreadableFile(_("{name} is not an Apple Health export: {reason}").format(
            name=path.name, reason=expat.ErrorString(error.code))) from None
    except UnsafeXml:
        raise UnreadableFile(_("{name} declares XML entities, which an Apple Health export never does; refused.")
                             .format(name=path.name)) from None
    except NotAppleHealth as error:
        raise UnreadableFile(_("{name} is XML but not an Apple Health export (root element {root}).").format(
            name=path.name, root=str(error))) from None
    report.records = parser.records
    yield Step(parser.take(), parser.records, source.total, source.total)


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
_END = object()
PARALLEL_MIN_BYTES = 8 << 20  # below this, starting a second interpreter costs more than it saves


def _frames(stream: Any, box: queue.Queue[bytes | None], stop: threading.Event) -> None:
    """Read the child's length-prefixed frames into ``box`` (a thread: pipe reads release the GIL, so the
    child never waits for the committing thread); ``None`` marks the end of the stream."""
    def put(item: bytes | None) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    try:
        while not stop.is_set():
            head = stream.read(8)
            size = int.from_bytes(head, "big") if len(head) == 8 else -1
            frame = stream.read(size) if size >= 0 else b""
            if len(frame) != size or not put(frame):  # a frame cut short: the child died mid-message
                break
    except (OSError, ValueError):  # the pipe was closed under us: the import is being stopped
        pass
    put(None)


def _in_child_process(
    fmt: str, path: Path, report: ImportReport, skip: int, batch_size: int, options: dict[str, Any],
    depth: int = 16,
) -> Iterator[Step]:
    """Run the reader in a child interpreter (``companion.health._reader_proc``) and yield its steps.

    A thread drains the child's pipe up to ``depth`` messages ahead, keeping them as pickled bytes (a batch
    of 20,000 samples is ~350 kB pickled, ~2 MB unpickled); each is unpickled just before it is yielded."""
    import json
    import pickle
    import subprocess
    import sys

    from companion.i18n import current_language

    proc = subprocess.Popen(
        [sys.executable, "-m", "companion.health._reader_proc", fmt, str(path), str(skip), str(batch_size),
         json.dumps(options), current_language()],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    box: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    reader = threading.Thread(target=_frames, args=(proc.stdout, box, stop), name="companion-import-pipe",
                              daemon=True)
    reader.start()
    try:
        while True:
            frame = box.get()
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
            report.skipped_types.update(child.skipped_types)
            for reason, where in child.examples.items():
                report.examples.setdefault(reason, where)
            if kind == "unreadable":
                raise UnreadableFile(message[1])
            if kind == "error":
                raise RuntimeError(message[1])
            return
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
        reader.join()
        proc.stdout.close()
        proc.wait()


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


class Importer:
    """Import one file for one profile. ``progress(done, total)`` is called with bytes read on disk;
    ``cancel()`` is polled between chunks: when it returns True the import stops after the last whole batch."""

    def __init__(
        self, store: Store, profile_id: int, *, progress: ProgressFn | None = None, cancel: CancelFn | None = None,
        batch_size: int = 20_000, force: bool = False, threaded: bool = False, parallel: bool | None = None,
    ) -> None:
        self.store = store
        self.profile_id = profile_id
        self.progress = progress
        self.cancel = cancel
        self.batch_size = batch_size
        self.force = force
        self.threaded = threaded
        self.parallel = parallel
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
            parallel = (os.cpu_count() or 1) >= 2 and size >= PARALLEL_MIN_BYTES
        if parallel:
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
