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
    assert b"weigh-ins" in text and b"Body fat" in text  # painted with its data (built in a child process)
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


def test_demo_built_in_a_child_process_matches_the_thread_build() -> None:
    """``companion --demo`` builds the demo store in a forked child and gets only its in-memory key and the
    first figures back through a pipe; the result must be the same as building it here."""
    from datetime import date

    from companion.domain import Metric
    from companion.tui.demo_workspace import DemoWorkspace

    today = date(2026, 11, 25)
    forked = DemoWorkspace(1.0, today, separate_process=True)
    local = DemoWorkspace(1.0, today)
    try:
        assert forked.in_child_process
        stores = forked.store(), local.store()
        snapshots = forked.dashboard_snapshot(), local.dashboard_snapshot()
        assert not forked.in_child_process
        profiles = [store.profiles.active() for store in stores]
        assert profiles[0] == profiles[1] and profiles[0] is not None and profiles[0].id is not None
        series = [store.measurements.series(profiles[0].id, Metric.WEIGHT) for store in stores]
        assert series[0] == series[1] and len(series[0][0]) > 300
        assert snapshots[0] is not None and snapshots[1] is not None
        assert snapshots[0].figures == snapshots[1].figures
        assert snapshots[0].chart == snapshots[1].chart
        assert snapshots[0].data is not None and snapshots[0].data.store is stores[0]
        # The key never touched the disk: the directory holds the database (and its WAL) only
        assert {p.name for p in forked.home.iterdir()} <= {DB_FILE, DB_FILE + "-wal", DB_FILE + "-shm"}
    finally:
        for workspace in (forked, local):
            if workspace._store is not None:
                workspace._store.close()
            workspace.cleanup()


def test_demo_store_opens_on_first_use_from_any_thread() -> None:
    """``companion --demo`` starts on a ``DeferredStore``: the profile the child reported, no database opened
    (nor SQLCipher loaded) until something else is asked of it; then it opens once, even when two threads ask
    at the same moment, and behaves as the store itself."""
    import threading

    from companion.tui.demo_workspace import DeferredStore, DemoWorkspace

    workspace = DemoWorkspace(1.0, separate_process=True)
    try:
        early = workspace.early_store()
        assert isinstance(early, DeferredStore) and not early.opened
        profile = early.profiles.active()
        assert profile is not None and profile.name and not early.opened
        early.close()  # nothing to close yet
        assert not early.opened
        opened: list[object] = []
        barrier = threading.Barrier(2)

        def ask() -> None:
            barrier.wait()
            opened.append(early.open())

        threads = [threading.Thread(target=ask) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert early.opened and opened[0] is opened[1] is workspace.store()
        assert early.profiles.active() == profile  # now read from the database
        assert early.measurements.count(profile.id) > 300  # (the store's own repositories, through it)
        snapshot = workspace.dashboard_snapshot()
        assert snapshot is not None and snapshot.data is not None and snapshot.data.store is workspace.store()
    finally:
        if workspace._store is not None:
            workspace._store.close()
        workspace.cleanup()


def test_demo_child_that_fails_is_reported_and_cleaned_up(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    from companion import demo
    from companion.store import StoreError
    from companion.tui import demo_workspace

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(demo, "create_demo_store", broken)
    workspace = demo_workspace.DemoWorkspace(1.0, date(2026, 11, 25), separate_process=True)
    with pytest.raises(StoreError, match="disk full"):
        workspace.store()
    assert not workspace.home.exists() and not workspace.in_child_process


async def test_demo_figures_ready_in_the_child_are_in_the_first_frame() -> None:
    """Once the child has computed the dashboard's figures (something is on the pipe), the dashboard shows
    them before its first frame, from the view the child prepared: no "Loading…" frame, no worker, and none of
    the modules behind the figures loaded before that frame; they follow right after it. What it shows is
    what the dashboard shows when it computes the figures itself. (While the child is still computing, they are
    read in a worker instead: the first test above paints through that path when the child is slower.)"""
    from companion.tui.app import CompanionApp, make_app
    from companion.tui.demo_workspace import DemoWorkspace
    from companion.tui.screens.dashboard import DashboardScreen
    from tests.conftest import wait_until

    async def shown(workspace: DemoWorkspace, patch: pytest.MonkeyPatch) -> tuple[list[str], list[bool], list[object]]:
        app = make_app(demo=True, demo_workspace=workspace)
        app.context.extras["no_services"] = True
        frames: list[bool] = []
        loads: list[object] = []
        display = CompanionApp._display
        load = DashboardScreen._load

        def recording(self: CompanionApp, screen: object, renderable: object) -> None:
            if renderable is not None and isinstance(screen, DashboardScreen):
                frames.append(screen.content_ready)
            display(self, screen, renderable)  # type: ignore[arg-type]

        patch.setattr(CompanionApp, "_display", recording)
        patch.setattr(DashboardScreen, "_load", lambda self, *args: (loads.append(args), load(self, *args)))
        async with app.run_test(size=(100, 32)) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.content_ready)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(pilot, lambda: screen.trend_data is not None)  # the figures follow the first frame
            await app.workers.wait_for_complete()
            await pilot.pause()
            texts = [str(screen.query_one(selector).render()) for selector in ("#dash-title", "#dash-outcome")]
            texts.append(str(screen.query_one("#dash-metrics").render()))
            texts.append(screen.query_one("#dash-chart", TrendChartType).render_text())
        return texts, frames, loads

    from companion.tui.widgets.trends_chart import TrendChart as TrendChartType

    forked = DemoWorkspace(1.0, separate_process=True)
    deadline = time.monotonic() + 60
    while forked.snapshot_waiting():
        assert time.monotonic() < deadline, "the child never sent the figures"
        time.sleep(0.02)
    with pytest.MonkeyPatch.context() as patch:
        texts, frames, loads = await shown(forked, patch)
    assert not loads, "read in a worker although the figures were there"
    assert frames and all(frames), frames
    assert "weigh-ins" in texts[0] and "Body fat" in texts[2]
    with pytest.MonkeyPatch.context() as patch:
        local_texts, _frames, _loads = await shown(DemoWorkspace(1.0), patch)
    assert texts == local_texts


def test_the_first_frame_of_the_demo_loads_no_figures_module(tmp_path: Path) -> None:
    """``companion --demo`` draws its first frame from the child's view: the modules that compute the figures
    (and their dataclasses, a large share of the start-up) load after it."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import atexit, sys\n"
        "atexit.register(lambda: print('LOADED', sorted(m for m in sys.modules if m.startswith('companion.trends'))"
        ", file=sys.stderr))\n"
        # about the path where the child's view is there when the dashboard mounts: wait for it if need be
        "import select\n"
        "from companion.tui import demo_workspace as dw\n"
        "ready = dw.DemoWorkspace.snapshot_waiting\n"
        "def patient(self):\n"
        "    if self._child is not None:\n"
        "        select.select([self._child[1]], [], [], 60)\n"
        "    return ready(self)\n"
        "dw.DemoWorkspace.snapshot_waiting = patient\n"
        "from companion.cli import main\n"
        "sys.exit(main(['--demo']))\n",
        encoding="utf-8",
    )
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 32, 100, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COMPANION_EXIT_AFTER_FIRST_PAINT": "1",
           "COMPANION_DEMO_YEARS": "1"}
    process = subprocess.Popen([sys.executable, str(probe)], stdin=slave, stdout=slave, stderr=subprocess.PIPE,
                               env=env, start_new_session=True)
    os.close(slave)
    try:
        while select.select([master], [], [], 60)[0]:
            try:
                if not os.read(master, 65536):
                    break
            except OSError:
                break
        _out, err = process.communicate(timeout=60)
    finally:
        os.close(master)
    assert process.returncode == 0, err[-2000:]
    loaded = err.decode().split("LOADED", 1)[1]
    assert "companion.trends.chart" in loaded  # the chart is drawn...
    for module in ("figures", "outcomes", "series", "snapshot", "data"):  # ...but nothing behind the figures
        assert f"companion.trends.{module}'" not in loaded, loaded


def test_run_app_pauses_the_collector_while_starting(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from companion import tui

    during: list[bool] = []
    monkeypatch.setattr(tui, "_run_app", lambda *, demo: during.append(gc.isenabled()) or 0)
    frozen = gc.get_freeze_count()
    try:
        assert tui.run_app(demo=True) == 0
        assert during == [False] and gc.isenabled()
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()


async def test_the_collector_resumes_with_the_first_paint(monkeypatch: pytest.MonkeyPatch) -> None:
    """The collector paused for start-up (``companion.tui.pause_collector``) runs again once the dashboard is
    painted, with what starting created frozen; not only through the backstop timer, set far off here."""
    import gc

    from companion import tui
    from companion.tui.app import CompanionApp, make_app
    from tests.conftest import wait_until

    monkeypatch.setattr(CompanionApp, "COLLECTOR_BACKSTOP_S", 600.0)
    app = make_app(demo=True, demo_years=0.5)
    app.context.extras["no_services"] = True
    frozen = gc.get_freeze_count()
    tui.pause_collector()
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            assert not gc.isenabled()
            await wait_until(pilot, lambda: app.first_paint_ms is not None)
            assert gc.isenabled() and gc.get_freeze_count() > frozen
    finally:
        tui.resume_collector()
        gc.unfreeze()


async def test_first_screen_is_styled_once() -> None:
    """The dashboard's widgets are styled when they mount, not again on the first resume, the first resize
    (breakpoint classes) or a stylesheet re-parse (``companion.tui.app._prepare_styles`` and
    ``CompanionScreen._on_screen_resume`` rely on Textual internals; this notices when those change)."""
    from collections import Counter
    from unittest import mock

    from textual.css.stylesheet import Stylesheet

    from companion.tui.app import make_app
    from tests.conftest import wait_until

    styled: Counter[int] = Counter()
    reparsed: list[int] = []
    apply = Stylesheet.apply
    reparse = Stylesheet.reparse

    def counting_apply(self: Stylesheet, node: object, *args: object, **kwargs: object) -> None:
        styled[id(node)] += 1
        apply(self, node, *args, **kwargs)  # type: ignore[arg-type]

    def counting_reparse(self: Stylesheet) -> None:
        reparsed.append(1)
        reparse(self)

    app = make_app(demo=True, demo_years=1.0)
    app.context.extras["no_services"] = True
    with mock.patch.object(Stylesheet, "apply", counting_apply), \
            mock.patch.object(Stylesheet, "reparse", counting_reparse):
        async with app.run_test(size=(100, 32)) as pilot:
            await wait_until(pilot, lambda: app.screen.id != "_default" and getattr(app.screen, "content_ready",
                                                                                       False))
            await pilot.pause()
            screen = app.screen
            widgets = [screen, *screen.walk_children()]
            counts = {f"{type(w).__name__}#{w.id}": styled[id(w)] for w in widgets}
    assert not reparsed, "a full stylesheet re-parse before the first frame"
    focused_once_more = {k: v for k, v in counts.items() if v > 1 and not k.startswith("MetricTable")}
    assert not focused_once_more, f"styled more than once: {focused_once_more}"
    assert all(v >= 1 for v in counts.values())


@pytest.mark.parametrize("prefetched", [True, False])
async def test_first_screen_text_is_drawn_in_the_theme_colours(prefetched: bool) -> None:
    """Styling the first screen once must not leave any text drawn before the app itself was styled (its
    colours inherited from nothing: text the colour of the background, invisible)."""
    from datetime import UTC, datetime

    from companion.clock import FixedClock
    from companion.tui.app import make_app
    from tests.conftest import wait_until

    clock = None if prefetched else FixedClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))  # worker path
    app = make_app(demo=True, demo_years=1.0, clock=clock)
    app.context.extras["no_services"] = True
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_until(pilot, lambda: app.screen.id != "_default" and getattr(app.screen, "content_ready",
                                                                                   False))
        await app.workers.wait_for_complete()
        await pilot.pause()
        invisible = []
        checked = 0
        for widget in app.screen.query("#dash-title, #dash-outcome, #dash-metrics, #dash-chart"):
            for line in widget.render_lines(widget.region.reset_offset):
                for segment in line:
                    style = segment.style
                    if segment.text.strip() and style is not None and style.color is not None:
                        checked += 1
                        if style.color == style.bgcolor:
                            invisible.append((widget.id, segment.text))
    assert checked > 50
    assert not invisible, invisible[:5]
