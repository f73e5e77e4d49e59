"""Runs a format reader in a child process and streams its steps back as pickles on stdout.

Used by :class:`companion.health.importer.Importer` with ``parallel=True``: parsing (pure Python, one core)
then overlaps the database work in the parent (the other core). The parent starts this module itself with
its own interpreter and reads only what this module writes, so unpickling is safe here.

Each message is one frame: its length (8 bytes, big-endian) and a pickle. Frames let the parent's pipe
reader hold messages as compact bytes and unpickle each one only when it is about to be committed.
"""

from __future__ import annotations

import json
import pickle
import signal
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    fmt, path, skip, batch_size, options, language = argv
    # Ctrl-C reaches the whole process group: the parent turns it into a clean cancel and ends this process
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from companion.health.importer import PART_READERS, READERS, give_back_big_buffers
    from companion.health.model import ImportReport, PartRefused, UnreadableFile
    from companion.i18n import set_language

    set_language(language)
    give_back_big_buffers()
    out = sys.stdout.buffer

    def send(message: tuple[object, ...]) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(len(data).to_bytes(8, "big"))
        out.write(data)
        out.flush()

    report = ImportReport(fmt)
    try:
        try:
            reader = READERS.get(fmt) or PART_READERS[fmt]
            for step in reader(Path(path), report, int(skip), int(batch_size), **json.loads(options)):
                send(("step", step))
        except UnreadableFile as error:
            send(("unreadable", str(error), report))
        except PartRefused as error:
            send(("refused", str(error), report))
        except BrokenPipeError:
            raise
        except Exception as error:  # noqa: BLE001 - reported to the parent as a message
            send(("error", f"{type(error).__name__}: {error}", report))
        else:
            send(("done", report))
    except BrokenPipeError:  # the parent stopped listening (cancelled): nothing left to do
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
