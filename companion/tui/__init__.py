"""The Textual user interface: the only package that imports textual or rich."""

from __future__ import annotations

import sys


def run_app(*, demo: bool = False) -> int:
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
