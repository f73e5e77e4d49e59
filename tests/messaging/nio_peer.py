"""An independent end-to-end capable clinic client for the interop tests: matrix-nio 0.25 with python-olm
(libolm, not vodozemac) in its own virtualenv, driven through ``nio_driver.py`` over JSON lines.

The virtualenv (``~/.cache/companion-tests/nio-venv`` or ``COMPANION_NIO_VENV``) is created with pip on first
use, like the Synapse one. python-olm 3.2.16 ships a manylinux wheel with libolm built in (no Debian
package is needed on x86_64 Linux).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

NIO_REQUIREMENT = "matrix-nio[e2e]==0.25.2"  # the last nio on python-olm; 0.26 moved to vodozemac too
DEFAULT_VENV = Path.home() / ".cache" / "companion-tests" / "nio-venv"
DRIVER = Path(__file__).with_name("nio_driver.py")


def nio_python() -> Path:
    venv = Path(os.environ.get("COMPANION_NIO_VENV", DEFAULT_VENV))
    python = venv / "bin" / "python"
    probe = "import nio, olm, importlib.metadata as m; assert m.version('matrix-nio') == '0.25.2'"
    if python.exists() and subprocess.run([str(python), "-c", probe], capture_output=True).returncode == 0:
        return python
    venv.parent.mkdir(parents=True, exist_ok=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", NIO_REQUIREMENT], check=True)
    return python


class NioClinic:
    """One nio client process (one staff device)."""

    def __init__(self, python: Path, store_dir: Path) -> None:
        store_dir.mkdir(parents=True, exist_ok=True)
        self.store_dir = store_dir
        self.process = subprocess.Popen(
            [str(python), str(DRIVER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(store_dir / "stderr.log", "wb"),  # noqa: SIM115 - lives as long as the process
            env={k: v for k, v in os.environ.items() if not k.startswith("PYTHON")},
        )
        self.device_id = ""

    def call(self, cmd: str, **kwargs: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write((json.dumps({"cmd": cmd, **kwargs}) + "\n").encode())
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            log = (self.store_dir / "stderr.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"nio driver died:\n{log}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def login(self, homeserver: str, user: str, password: str) -> str:
        self.device_id = self.call("login", homeserver=homeserver, user=user, password=password,
                                   store=str(self.store_dir))["device_id"]
        return self.device_id

    def close(self) -> None:
        try:
            self.call("close")
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
