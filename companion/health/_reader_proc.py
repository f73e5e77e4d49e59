"""Runs a format reader in a child process and streams its steps back as pickles on stdout.

Used by :class:`companion.health.importer.Importer` with ``parallel=True``: parsing (pure Python, one core)
then overlaps the database work in the parent (the other core). The parent starts this module itself with
its own interpreter and reads only what this module writes, so unpickling is safe here.
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
    from companion.health.importer import READERS
    from companion.health.model import ImportReport, UnreadableFile
    from companion.i18n import set_language

    set_language(language)
    out = sys.stdout.buffer
    report = ImportReport(fmt)
    try:
        for step in READERS[fmt](Path(path), report, int(skip), int(batch_size), **json.loads(options)):
            pickle.dump(("step", step), out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
    except UnreadableFile as error:
        pickle.dump(("unreadable", str(error), report), out)
    except BrokenPipeError:
        return 0
    except Exception as error:  # noqa: BLE001 - reported to the parent as a message
        pickle.dump(("error", f"{type(error).__name__}: {error}", report), out)
    else:
        pickle.dump(("done", report), out)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
