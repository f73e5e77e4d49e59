"""The Textual user interface: the only package that imports textual or rich."""

from __future__ import annotations

import gc
import sys

_collector_paused = False


def pause_collector() -> None:
    """Pause the cyclic garbage collector while the app starts.

    Starting imports Textual and builds the first screen: hundreds of thousands of allocations that are nearly
    all long-lived (modules, classes, widgets). The collector scans them again and again for ~30 ms before the
    first frame and finds about 3,000 garbage objects (measured; see ``resume_collector``). Reference counting
    still frees everything else at once.
    """
    global _collector_paused
    if gc.isenabled():
        gc.disable()
        _collector_paused = True


def resume_collector() -> None:
    """After the first frame: freeze what starting created (it lives for the session, so later collections need
    not rescan it, as the ``gc.freeze`` documentation suggests for long-lived start-up state), then let it run.
    """
    global _collector_paused
    if _collector_paused:
        _collector_paused = False
        gc.freeze()
        gc.enable()


def run_app(*, demo: bool = False) -> int:
    pause_collector()  # before the demo child is forked: it leaves with os._exit and needs no collection
    try:
        return _run_app(demo=demo)
    finally:
        resume_collector()


def _run_app(*, demo: bool) -> int:
    workspace = None
    if demo:
        # Start building the demo data now, so that it overlaps with importing Textual below.
        from companion.tui.demo_workspace import DemoWorkspace, demo_years_from_environment

        try:
            workspace = DemoWorkspace(demo_years_from_environment(), separate_process=True)
        except OSError as exc:
            print(f"companion: {exc}", file=sys.stderr)
            return 1
    from companion.tui.app import run_app as run

    return run(demo=demo, demo_workspace=workspace)
