"""The Textual user interface: the only package that imports textual or rich."""

from __future__ import annotations


def run_app(*, demo: bool = False) -> int:
    from companion.tui.app import make_app

    app = make_app(demo=demo)
    app.run()
    return int(app.return_code or 0)
