"""The real entry point on a real pseudo-terminal: ``companion --demo`` paints its dashboard and exits
cleanly, even when the real data directory is unusable; ``companion`` on damaged data shows the dialog and
quits with 1."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from companion.store import DB_FILE
from tests.conftest import dir_digest


def run_on_pty(
    args: list[str], env: dict[str, str], keys: tuple[tuple[bytes, bytes], ...] = (), timeout: float = 60
) -> tuple[int, bytes]:
    """Run ``python -m companion ARGS`` on a 100x32 terminal; for each (shown, typed) in ``keys``: once the
    screen shows ``shown``, type ``typed``."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 32, 100, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "companion", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "TERM": "xterm-256color", **env},
        start_new_session=True,
    )
    os.close(slave)
    output = b""
    pending = list(keys)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                output += chunk
            if pending and pending[0][0] in output:
                time.sleep(0.3)
                os.write(master, pending.pop(0)[1])
        else:
            process.kill()
            pytest.fail(f"timed out; screen so far: {output[-2000:]!r}")
        return process.wait(timeout=30), output
    finally:
        os.close(master)


def test_demo_paints_the_dashboard_and_exits(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    code, output = run_on_pty(
        ["--demo"],
        {
            "COMPANION_EXIT_AFTER_FIRST_PAINT": "1",
            "COMPANION_DEMO_YEARS": "1",
            "COMPANION_HOME": str(blocker / "companion"),  # broken on purpose: demo mode never looks at it
        },
    )
    assert code == 0, output[-2000:]
    import re

    text = re.sub(rb"\x1b\[[0-9;?$>]*[A-Za-z~]", b"", output)
    assert b"Dashboard" in text and b"first paint after" in output
    assert b"Traceback" not in output
    assert blocker.read_text() == "not a directory"


def test_damaged_data_shows_the_dialog_and_quits_with_1(onboarded: Path) -> None:
    data = bytearray((onboarded / DB_FILE).read_bytes())
    data[:64] = bytes(64)
    (onboarded / DB_FILE).write_bytes(bytes(data))
    before = dir_digest(onboarded)
    code, output = run_on_pty([], {}, keys=((b"cannot open your data", b"q"),))
    assert code == 1
    assert b"Traceback" not in output
    assert dir_digest(onboarded) == before
