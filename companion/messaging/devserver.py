"""A disposable Synapse homeserver on 127.0.0.1 with a clinic and a provisioned patient (tests and trying
out).

``python -m companion.messaging.devserver`` creates (once) a separate virtual environment with
``matrix-synapse`` from PyPI (its dependencies never mix with Companion's), writes a test configuration into a
temporary directory, starts Synapse on a free loopback port, provisions a clinic service account and a patient
with their locked-down room, prints how to log in, and stops the server (by its PID) on Ctrl+C.

The test suite uses the same code (``tests/messaging/conftest.py``).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

DEFAULT_VENV = Path.home() / ".cache" / "companion-tests" / "synapse-venv"
SHARED_SECRET = "companion-test-only-shared-secret"
MODULE_NAME = "companion_synapse_module"


def synapse_python(venv: Path | None = None, *, install: bool = True) -> Path:
    """The venv's python with matrix-synapse importable; created with pip on first use (about 40 s)."""
    venv = venv or Path(os.environ.get("COMPANION_SYNAPSE_VENV", DEFAULT_VENV))
    python = venv / "bin" / "python"
    if python.exists():
        probe = subprocess.run([str(python), "-c", "import synapse"], capture_output=True)
        if probe.returncode == 0:
            return python
    if not install:
        raise RuntimeError(f"no Synapse in {venv}")
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "matrix-synapse"], check=True)
    return python


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerOptions:
    """What the test configuration may vary."""

    rate_limit_per_second: float = 1000.0
    rate_limit_burst: int = 1000
    refresh_token_lifetime: str | None = None  # e.g. "5s"; None: Synapse's default (5 min)
    retention_min: str = "1s"
    retention_max: str = "2y"
    purge_interval: str = "1d"  # tests that check purging pass a few seconds
    staff_users: list[str] = field(default_factory=list)
    max_upload_size: str = "50M"
    block_encryption: bool = False  # the policy module's switch (True: plain rooms only, no E2EE)


def write_config(directory: Path, port: int, options: ServerOptions) -> Path:
    """Synapse's ``homeserver.yaml`` for loopback tests (JSON is valid YAML, so no YAML library is needed)."""
    import json

    rc = {"per_second": options.rate_limit_per_second, "burst_count": options.rate_limit_burst}
    config: dict[str, Any] = {
        "server_name": "localhost",
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "pid_file": str(directory / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(directory / "homeserver.db")}},
        "media_store_path": str(directory / "media_store"),
        "signing_key_path": str(directory / "localhost.signing.key"),
        "log_config": str(directory / "log.config"),
        "report_stats": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "registration_shared_secret": SHARED_SECRET,
        "enable_registration": True,  # only with a one-time token from the clinic:
        "registration_requires_token": True,
        "presence": {"enabled": False},
        "max_upload_size": options.max_upload_size,
        "url_preview_enabled": False,
        "rc_message": rc,
        "rc_registration": rc,
        "rc_login": {"address": rc, "account": rc, "failed_attempts": rc},
        "rc_joins": {"local": rc, "remote": rc},
        "rc_invites": {"per_room": rc, "per_user": rc, "per_issuer": rc},
        "rc_room_creation": rc,
        "rc_admin_redaction": rc,
        "retention": {
            "enabled": True,
            "default_policy": {"max_lifetime": "2y"},
            "allowed_lifetime_min": options.retention_min,
            "allowed_lifetime_max": options.retention_max,
            "purge_jobs": [{"interval": options.purge_interval}],
        },
        "modules": [
            {
                "module": f"{MODULE_NAME}.CompanionRoomPolicy",
                "config": {
                    "staff_users": options.staff_users,
                    "staff_user_regex": "^@clinic.*:localhost$",
                    "block_encryption": options.block_encryption,
                },
            }
        ],
    }
    if options.refresh_token_lifetime:
        config["refreshable_access_token_lifetime"] = options.refresh_token_lifetime
    (directory / "log.config").write_text(
        "version: 1\nformatters: {f: {format: '%(asctime)s %(levelname)s %(name)s %(message)s'}}\n"
        "handlers: {file: {class: logging.FileHandler, formatter: f, filename: "
        + json.dumps(str(directory / "homeserver.log"))
        + "}}\n"
        "root: {level: WARNING, handlers: [file]}\nloggers: {synapse.storage.SQL: {level: WARNING}}\n"
        "disable_existing_loggers: false\n"
    )
    path = directory / "homeserver.yaml"
    path.write_text(json.dumps(config, indent=1))
    module_source = Path(__file__).with_name("synapse_module.py")
    shutil.copyfile(module_source, directory / f"{MODULE_NAME}.py")
    return path


@dataclass
class Homeserver:
    directory: Path
    port: int
    python: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config(self) -> Path:
        return self.directory / "homeserver.yaml"

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env["PYTHONPATH"] = str(self.directory)
        return env

    def start(self, *, timeout: float = 60.0) -> None:
        if not (self.directory / "localhost.signing.key").exists():
            subprocess.run(
                [str(self.python), "-m", "synapse.app.homeserver", "-c", str(self.config), "--generate-keys"],
                cwd=self.directory,
                env=self._env(),
                check=True,
                capture_output=True,
            )
        log = open(self.directory / "stdout.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [str(self.python), "-m", "synapse.app.homeserver", "-c", str(self.config)],
            cwd=self.directory,
            env=self._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = (self.directory / "stdout.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"Synapse exited with {self.process.returncode}:\n{tail}")
            try:
                if httpx.get(f"{self.url}/_matrix/client/versions", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("Synapse did not answer /versions in time")

    def stop(self) -> None:
        """Stop by PID: SIGTERM, then SIGKILL after 10 s."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def restart(self) -> None:
        self.stop()
        self.start()

    # ----- accounts (shared-secret registration: Synapse admin API /_synapse/admin/v1/register) --------
    def register(self, user: str, password: str, *, admin: bool = False) -> dict[str, Any]:
        """Create ``@user:localhost``; returns Synapse's answer (user_id, access_token (non-expiring),
        ...)."""
        with httpx.Client(base_url=self.url, timeout=30) as http:
            nonce = http.get("/_synapse/admin/v1/register").json()["nonce"]
            mac = hmac.new(SHARED_SECRET.encode(), digestmod=hashlib.sha1)
            mac.update(
                b"\x00".join(
                    [nonce.encode(), user.encode(), password.encode(), b"admin" if admin else b"notadmin"]
                )
            )
            response = http.post(
                "/_synapse/admin/v1/register",
                json={
                    "nonce": nonce,
                    "username": user,
                    "password": password,
                    "admin": admin,
                    "mac": mac.hexdigest(),
                },
            )
            response.raise_for_status()
            return response.json()  # type: ignore[no-any-return]


def create(
    directory: Path,
    options: ServerOptions | None = None,
    *,
    venv: Path | None = None,
    port: int | None = None,
) -> Homeserver:
    """Configure (not start) a homeserver in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    write_config(directory, port, options or ServerOptions())
    return Homeserver(directory, port, synapse_python(venv))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m companion.messaging.devserver",
        description="Start a throwaway Synapse on 127.0.0.1 with a clinic and a provisioned patient.",
    )
    parser.add_argument("--patient", default="patient")
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    import asyncio

    from companion.messaging.provision import provision_patient

    directory = Path(tempfile.mkdtemp(prefix="companion-synapse-"))
    server = create(directory, port=args.port)
    server.start()
    try:
        admin = server.register("clinic", "clinic-password", admin=True)
        result = asyncio.run(provision_patient(server.url, admin["access_token"], args.patient))
        print(f"Homeserver: {server.url}   (data in {directory})")
        print("Clinic staff: user 'clinic', password 'clinic-password' (log in with Element to reply)")
        print(result.instructions())
        print(
            f"  COMPANION_MATRIX_PASSWORD='{result.password}' companion messages login "
            f"--homeserver {server.url} --user {args.patient} --clinic {result.clinic_mxid}"
        )
        print("Press Ctrl+C to stop.")
        while server.process is not None and server.process.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
