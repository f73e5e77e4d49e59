"""A big Apple Health export read by two processes at once: this one reads the first part, a child the rest.

One parser, even with expat doing the XML, keeps one core busy, and storing keeps another busy for less time.
So the import parses the start of ``export.xml`` itself (about a quarter, besides storing everything) while
a child process parses the rest and sends its batches over a pipe. The file is cut where a top-level element
starts on a new line (`` <Record``, `` <Workout``, ...) at or after a fraction of the XML's length; both
processes find the same place from the same bytes. The child reads the real header first (so the DTD is
checked and entity declarations are refused as usual), skips to the cut and parses from there.

Nothing changes for the data or the report: batches are committed in file order (the file's resume point
stays a count of records from its start), the record and line numbers in the child's error examples are
shifted to the whole file's, and the body measurements both parts collected are merged before the body-fat
unit is decided (that decision is per file). When the first part turns out not to end at the top level
(the cut fell inside a workout, or in the middle of broken XML), the child's work is dropped and the rest
is read whole from the first part's last commit on, exactly like resuming an interrupted import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from companion.health.apple import FORMAT, AppleHealthParser, BodyState
from companion.health.importer import ChildReader, Step, apple_errors, give_back_big_buffers, open_apple_export
from companion.health.model import Batch, ImportReport, PartRefused, UnreadableFile

# Share of the XML parsed by the importing process itself, which also stores everything. Storing a record costs
# about 0.6 of parsing it (measured on the benchmark export: instructions per record, both processes), and
# this process starts later (key derivation): at about a quarter both processes are busy equally long.
SPLIT_AT = 0.24
MEASUREMENTS_PER_BATCH = 2000
TAIL_BUDGET = 8 << 20  # pickled batches of the child held while the first part is read (~17 bytes a sample)

# A top-level element starting on its own line, as Apple writes them (children are indented further)
_TOP_LEVEL_LINE = re.compile(
    rb"\n <(?:Record|Workout|Correlation|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription)[\s>/]")
_LONGEST = len(b"\n <VisionPrescription ")
_MAX_HEADER = 1 << 20  # the DTD and the Me element are a few kB


class Cut:
    """Finds, in a stream of chunks, the first top-level line that starts at or after byte ``target``.

    ``split(chunk)`` returns the bytes before the cut and, once it is found, the bytes from it on. The last
    few bytes of each chunk are held back until the next one, since an element name can straddle chunks."""

    def __init__(self, target: int, offset: int = 0) -> None:
        self.target = target
        self.position: int | None = None  # where the cut is, once found (the ``<`` of the element)
        self._offset = offset  # position of the first held-back byte
        self._held = b""

    def split(self, chunk: bytes) -> tuple[bytes, bytes | None]:
        window = self._held + chunk
        if self._offset + len(window) > self.target:
            found = _TOP_LEVEL_LINE.search(window, max(self.target - self._offset, 0))
            if found is not None:
                at = found.start() + 2
                self.position = self._offset + at
                self._held = b""
                return window[:at], window[at:]
        keep = min(len(window), _LONGEST)
        self._held = window[len(window) - keep:]
        self._offset += len(window) - keep
        return window[:len(window) - keep], None

    def rest(self) -> bytes:
        """What is held back, when the stream ended without a cut."""
        held, self._held = self._held, b""
        return held


@dataclass
class TailEnd:
    """What the child hands over at the end: its record count and the body measurements it collected."""

    records: int
    body: BodyState


def read_tail(path: Path, report: ImportReport, batch_size: int, start: int) -> Iterator[Step]:
    """The child's reader: the header, then the XML from the cut at or after ``start``. Record numbers in its
    steps and report count from the cut; the last step carries a :class:`TailEnd`."""
    source = open_apple_export(path)
    if source.warning:
        source.close()
        raise PartRefused(source.warning)
    parser = AppleHealthParser(report)
    header_end = Cut(0)  # the header ends where the first top-level element starts
    header: list[bytes] | None = []
    cut = Cut(start)  # found in the whole stream, exactly as the importing process finds it
    lines = 0  # between the header and the cut: the parser's line numbers lack them
    started = False
    try:
        with apple_errors(path):
            for chunk in source.chunks:
                if not started:
                    if header is not None:
                        head, rest = header_end.split(chunk)
                        header.append(head)
                        if rest is not None:
                            _read_header(parser, b"".join(header))
                            lines -= sum(part.count(b"\n") for part in header)
                            header = None
                        elif sum(map(len, header)) > _MAX_HEADER:
                            raise PartRefused("no top-level element near the start")
                    before, rest = cut.split(chunk)
                    lines += before.count(b"\n")
                    if rest is None:
                        continue
                    if header is not None:  # cannot be: the header ends at the first top-level line
                        raise PartRefused("the cut comes before the first top-level element")
                    started, chunk = True, rest
                parser.feed(chunk)
                batch = parser.take() if parser.batch.size >= batch_size else None
                yield Step(batch, parser.committed_records, source.done(), source.total)
            if not started:
                raise PartRefused("no cut after the target")
            parser.close(flush_body=False)
    finally:
        source.close()
        for reason, where in report.examples.items():
            report.examples[reason] = _LINE_WHERE.sub(lambda m: f"{m[1]}{int(m[2]) + lines}", where, count=1)
    report.records = parser.records
    yield Step(parser.take(), parser.records, source.total, source.total,
               part=TailEnd(parser.records, parser.body_state()))


def _read_header(parser: AppleHealthParser, header: bytes) -> None:
    """Give the child's parser the real header, once it is sure the header ends at the top level."""
    probe = AppleHealthParser(ImportReport(FORMAT))
    probe.feed(header)
    if not probe.ends_at_top_level():
        raise PartRefused("the header does not end at the top level")
    parser.feed(header)


_RECORD_WHERE = re.compile(r"(record|workout) (\d+)")
_LINE_WHERE = re.compile(r"(byte \d+, line )(\d+)")


def _shifted(where: str, records: int) -> str:
    """An error example of the second part, with the whole file's record numbers."""
    return _RECORD_WHERE.sub(lambda m: f"{m[1]} {int(m[2]) + records}", where, count=1)


def read_split(
    path: Path, report: ImportReport, batch_size: int, whole: Callable[[int], Iterator[Step]],
    split_at: float = SPLIT_AT,
) -> Iterator[Step]:
    """Steps of an Apple Health import read by this process and a child (see the module's docstring).

    ``whole(skip)`` reads the file the ordinary way, skipping ``skip`` committed records: used when the
    file cannot be split (a truncated ZIP) or the split turns out wrong."""
    source = open_apple_export(path)
    if source.size is None or source.warning:
        source.close()
        yield from whole(0)
        return
    total = source.total
    give_back_big_buffers()
    target = int(source.size * split_at)
    child = ChildReader("apple-health-tail", path, 0, batch_size, {"start": target}, budget=TAIL_BUDGET)
    try:
        parser = AppleHealthParser(report)
        cut = Cut(target)
        committed = done = 0
        with apple_errors(path):
            for chunk in source.chunks:
                before, rest = cut.split(chunk)
                parser.feed(before)
                done = source.done()
                if rest is not None:
                    break
                batch = parser.take() if parser.batch.size >= batch_size else None
                if batch is not None:
                    committed = parser.committed_records
                yield Step(batch, committed, done, total)
            else:  # no top-level line after the target: this process has read the whole file
                parser.feed(cut.rest())
                parser.close()
                report.records = parser.records
                yield Step(parser.take(), parser.records, total, total)
                return
            source.close()  # the child reads the rest
            at_top_level = parser.ends_at_top_level()
        if at_top_level:
            first = parser.records
            yield Step(parser.take(), first, done, total)
            committed = first
            tail = ImportReport(FORMAT)
            end: TailEnd | None = None
            try:
                for step in child.steps(tail):
                    end = step.part or end
                    done = max(done, step.done)
                    yield Step(step.batch, first + step.records_done, done, total, step.warning)
            except PartRefused:
                assert end is None
            except (UnreadableFile, RuntimeError):  # the child failed: keep what it found, as a plain import does
                _merge_tail(report, tail, first)
                raise
            else:
                assert end is not None
                _merge_tail(report, tail, first)
                parser.merge_body(end.body)
                records = first + end.records
                report.records = records
                # the weigh-ins go in a few smaller batches (thousands at once take many MB); a resumed import
                # collects all of them again, whatever the resume point says
                for weighins in parser.body_measurements(MEASUREMENTS_PER_BATCH):
                    yield Step(Batch(measurements=weighins), records, total, total)
                return
    finally:
        source.close()
        child.close()
    # The split did not work out: read the rest the ordinary way, from the last commit on, with a fresh
    # report (the whole file is checked again, so the report is the one a plain import gives).
    report.records = 0
    report.errors.clear()
    report.skipped_types.clear()
    report.examples.clear()
    yield from whole(committed)


def _merge_tail(report: ImportReport, tail: ImportReport, records: int) -> None:
    report.errors.update(tail.errors)
    report.skipped_types.update(tail.skipped_types)
    for reason, where in tail.examples.items():
        report.examples.setdefault(reason, _shifted(where, records))
