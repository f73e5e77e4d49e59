"""The Textual user interface: the only package that imports textual or rich."""

from __future__ import annotations


def run_app(*, demo: bool = False) -> int:
    from companion.tui.app import run_app as run

    return run(demo=demo)
