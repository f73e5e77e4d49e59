"""The throwaway data directory of ``companion --demo`` and the background work that fills it.

Imports only the standard library at the top: ``companion --demo`` forks the builder before it imports
anything else, so that the child starts at once and everything this process imports afterwards (Textual,
the UI) overlaps with it. The data itself comes from :mod:`companion.demo`. The child also prepares what the
dashboard shows first, as text (:mod:`companion.tui.dashboard_text`): the UI draws its first frame from that
and loads the figures behind it (and the modules that compute them) after the frame is out.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from companion.clock import Clock
    from companion.domain.model import Profile
    from companion.store import Store
    from companion.trends.snapshot import DashboardSnapshot
    from companion.tui.dashboard_text import DashboardView


def demo_years_from_environment(default: float = 2.0) -> float:
    """``COMPANION_DEMO_YEARS`` (0.1 to 50), else ``default``."""
    try:
        years = float(os.environ.get("COMPANION_DEMO_YEARS", default))
    except ValueError:
        years = default
    return max(0.1, min(years, 50.0))


class DemoWorkspace:
    """A throwaway data directory with the demo store, built in the background from the moment it exists.

    ``companion --demo`` makes one before it imports the UI. With ``separate_process`` (Linux, used by the
    command) a forked child builds the store and the dashboard's first figures on the second core while this
    process imports Textual, then hands over the store's random key and those figures through a pipe (never
    through a file); otherwise (tests, other systems) a thread does the same work. ``store()`` waits for it;
    ``cleanup()`` deletes the directory.
    """

    def __init__(self, years: float, today: date | None = None, clock: Clock | None = None, *,
                 separate_process: bool = False) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="companion-demo-")
        self.home = Path(self._tmp.name)
        self._clock = clock
        self._store: Store | None = None
        self._error: BaseException | None = None
        self._store_ready = threading.Event()
        self._opening = threading.Lock()
        self._key: bytes | None = None  # from a child: the store's key and active profile, until it is opened
        self._profile: Profile | None = None
        self._snapshot: DashboardSnapshot | None = None
        self._view: DashboardView | None = None  # from a child: the view of the snapshot ...
        self._snapshot_pickle: bytes | None = None  # ... and the snapshot itself, unpickled when asked for
        self._child: tuple[int, int] | None = None  # (pid, read end of the pipe)
        self._thread: threading.Thread | None = None
        today = today or date.today()
        if separate_process and hasattr(os, "fork") and sys.platform.startswith("linux"):
            self._fork(years, today)
        else:
            self._thread = threading.Thread(
                target=self._build, args=(years, today), name="companion-demo", daemon=True
            )
            self._thread.start()

    @property
    def clock(self) -> Clock:
        if self._clock is None:
            from companion.clock import SYSTEM_CLOCK

            self._clock = SYSTEM_CLOCK
        return self._clock

    def _build(self, years: float, today: date) -> None:
        from companion.demo import create_demo_store

        try:
            self._store = create_demo_store(self.home, years=years, today=today)
        except BaseException as exc:  # handed to the caller of store()
            self._error = exc
            return
        finally:
            self._store_ready.set()
        # Then what the dashboard shows first, while the UI is still starting (dashboard_snapshot()).
        try:
            from companion.trends.snapshot import load_snapshot

            profile = self._store.profiles.active()
            if profile is not None:
                self._snapshot = load_snapshot(self._store, profile, self.clock.now())
        except Exception:  # the dashboard loads it again itself
            self._snapshot = None

    # ----- in a child process ------------------------------------------------------------------------
    @property
    def in_child_process(self) -> bool:
        """True while the dashboard's figures are still to come from the child (read them off the UI thread)."""
        return self._child is not None

    def _fork(self, years: float, today: date) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: build, report, and leave without running the parent's clean-ups
            os.close(read_end)
            code = 1
            try:
                code = self._child_build(years, today, write_end)
            finally:
                os._exit(code)
        os.close(write_end)
        self._child = (pid, read_end)

    def _child_build(self, years: float, today: date, out: int) -> int:
        """Two reports: the store's key as soon as the data is committed (the UI can start on it), then the
        dashboard's figures. Failing to compute those is not fatal: the dashboard computes them itself."""
        from companion.demo import create_demo_store

        with os.fdopen(out, "wb") as pipe:
            try:
                key = os.urandom(32)  # secrets.token_bytes(32), without importing hmac and OpenSSL's hashlib
                store = create_demo_store(self.home, years=years, today=today, key=key)
            except BaseException as exc:
                _send(pipe, ("error", f"{type(exc).__name__}: {exc}"))
                return 1
            profile = store.profiles.active()
            _send(pipe, ("store", key, profile))
            report: dict[str, object] = {}
            try:
                import pickle

                from companion.i18n import set_language
                from companion.trends.snapshot import load_snapshot

                if profile is not None:
                    set_language(profile.language)  # the UI shows the demo profile's language
                    now = self.clock.now()
                    snapshot = load_snapshot(store, profile, now)
                    parts = {name: getattr(snapshot, name) for name in ("profile", "figures", "chart", "inbox",
                                                                        "blocked", "language")}
                    # The prepared series, without the store connection they were read through
                    parts["series"] = dict(snapshot.data._series) if snapshot.data is not None else None
                    # The figures travel pickled inside the report: the UI unpickles them (and loads the modules
                    # behind them) only after drawing the first frame from the view.
                    report["snapshot"] = pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL)
                    if snapshot.blocked is None and snapshot.figures is not None:
                        from companion.tui.dashboard_text import dashboard_view

                        report["view"] = dashboard_view(snapshot, now.tzinfo)
            except Exception:
                report = {}
            store.close()
            _send(pipe, ("snapshot", report))
        return 0

    def _child_report(self) -> tuple[object, ...]:
        import pickle

        from companion.i18n import _

        assert self._child is not None
        fd = self._child[1]
        try:
            size = int.from_bytes(_read_exactly(fd, 8), "big")
            # Our own child, forked above, wrote this pipe: unpickling it is safe
            message: tuple[object, ...] = pickle.loads(_read_exactly(fd, size))
        except (EOFError, pickle.UnpicklingError):
            message = ("error", _("The demo data could not be built."))
        return message

    def snapshot_waiting(self) -> bool:
        """True while the child is still computing the dashboard's figures (nothing of them on the pipe yet):
        ``dashboard_snapshot()`` would then wait for it, so call that off the UI thread. Once the child has
        started sending (it sends in one go), reading them takes a few milliseconds. Always False with a
        thread: that thread holds the interpreter while it computes, so waiting for it costs nothing extra.
        """
        if self._child is None:
            return False
        import select

        readable, _, _ = select.select([self._child[1]], [], [], 0)
        return not readable

    def _finish_child(self) -> None:
        assert self._child is not None
        pid, fd = self._child
        self._child = None
        os.close(fd)
        os.waitpid(pid, 0)

    def _read_child_store(self) -> None:
        """The child's first report: the store's key and its active profile (or why it failed)."""
        from companion.store import StoreError

        message = self._child_report()
        if message[0] != "store":
            self._finish_child()
            self._error = StoreError(str(message[1]))
            return
        key, profile = message[1], message[2]
        assert isinstance(key, bytes)
        self._key, self._profile = key, profile  # type: ignore[assignment]

    def _open_child_store(self) -> None:
        from companion.store import Store

        assert self._key is not None
        try:
            self._store = Store.open_ephemeral(self.home, self._key, clock=self.clock)
        except BaseException as exc:
            if self._child is not None:
                self._finish_child()
            self._error = exc

    def _read_child_snapshot(self) -> None:
        message = self._child_report()
        self._finish_child()
        report = message[1] if message[0] == "snapshot" else None
        if isinstance(report, dict):
            self._view = report.get("view")
            self._snapshot_pickle = report.get("snapshot")

    def _snapshot_from_child(self) -> None:
        import pickle

        from companion.trends.data import TrendData
        from companion.trends.snapshot import DashboardSnapshot

        data, self._snapshot_pickle = self._snapshot_pickle, None
        if not data or self._store is None:
            return
        parts = pickle.loads(data)  # our own child's report (see _child_report)
        profile = parts["profile"]
        trend_data = None
        if parts["series"] is not None:
            trend_data = TrendData(self._store, profile)
            trend_data._series.update(parts["series"])
        self._snapshot = DashboardSnapshot(profile, trend_data, parts["figures"], parts["chart"], parts["inbox"],
                                           parts["blocked"], parts["language"])

    # ----- results -----------------------------------------------------------------------------------
    def _receive(self, *, figures: bool = False) -> None:
        """Read the child's reports not read yet, opening nothing: its store's key and profile, and with
        ``figures`` the dashboard's figures. (Under the lock: the UI thread and a worker may ask at once.)"""
        with self._opening:
            if self._key is None and self._child is not None and self._error is None:
                self._read_child_store()
            if figures and self._child is not None and self._error is None:
                self._read_child_snapshot()

    def store(self) -> Store:
        self._receive()
        with self._opening:
            if self._key is not None and self._store is None and self._error is None:
                self._open_child_store()
            if self._key is not None or self._error is not None:
                self._store_ready.set()
        self._store_ready.wait()
        if self._error is not None:
            self.cleanup()
            raise self._error
        assert self._store is not None
        return self._store

    def early_store(self) -> Store:
        """The store for the app to start on. From a child: a ``DeferredStore`` that opens the database when
        first used, so that the first frame (drawn from ``dashboard_view()``) comes before loading SQLCipher
        and opening it. Otherwise (or if the child failed) the same as ``store()``."""
        self._receive()
        if self._key is None or self._profile is None or self._store is not None:
            return self.store()
        return DeferredStore(self, self._profile)  # type: ignore[return-value]

    def dashboard_view(self) -> DashboardView | None:
        """What the dashboard shows first, as text ready for its widgets, when a child computed it (or None).
        Waits for the child's second report like ``dashboard_snapshot()``; loads none of the trends modules."""
        self._receive(figures=True)
        return self._view

    def dashboard_snapshot(self) -> DashboardSnapshot | None:
        """The dashboard's first data, computed in the background after the store was built (or None).
        With a child process this waits for its second report: call it off the UI thread."""
        self._receive(figures=True)
        if self._snapshot_pickle is not None and self._error is None:
            self.store()  # the figures' TrendData reads through it
            self._snapshot_from_child()
        if self._thread is not None:
            self._thread.join()
        return self._snapshot

    def cleanup(self) -> None:
        if self._child is not None:  # never collected: stop the child before its directory goes
            pid, fd = self._child
            self._child = None
            os.close(fd)
            try:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            except OSError:
                pass
        self._tmp.cleanup()


def _send(pipe: BinaryIO, message: tuple[object, ...]) -> None:
    """One message to the parent: its length (8 bytes), then the pickle; the parent reads exactly that."""
    import pickle

    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    pipe.write(len(data).to_bytes(8, "big"))
    pipe.write(data)
    pipe.flush()


def _read_exactly(fd: int, size: int) -> bytes:
    """``size`` bytes from the pipe (unbuffered, so that ``select`` tells the truth about what is left);
    EOFError when the child left before sending them all."""
    parts = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError
        parts.append(chunk)
        size -= len(chunk)
    return b"".join(parts)


class DeferredStore:
    """The demo store until it is first needed: the app starts, and draws its first frame, on the profile the
    child reported; any other use opens the database (``DemoWorkspace.store()``, once). Until then nothing can
    have changed the data (every change goes through the store), so that profile is the active one."""

    def __init__(self, workspace: DemoWorkspace, profile: Profile) -> None:
        self._workspace = workspace
        self.profiles = _EarlyProfiles(self, profile)

    @property
    def opened(self) -> bool:
        return self._workspace._store is not None

    def open(self) -> Store:
        return self._workspace.store()

    def close(self) -> None:
        if self.opened:
            self.open().close()

    def __getattr__(self, name: str) -> object:
        return getattr(self.open(), name)


class _EarlyProfiles:
    def __init__(self, store: DeferredStore, profile: Profile) -> None:
        self._store = store
        self._profile = profile

    def active(self) -> Profile | None:
        return self._store.open().profiles.active() if self._store.opened else self._profile

    def __getattr__(self, name: str) -> object:
        return getattr(self._store.open().profiles, name)
