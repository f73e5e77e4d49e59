"""Background services the app starts once the store is unlocked (live scale readings, Matrix sync...).

Each module here defines ``start(app) -> None``; it is discovered automatically and called once after the
store is open and a profile exists. ``start`` should launch Textual workers
(``app.run_worker(..., group=...)``) and return at once; it must not raise (log and notify instead).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from typing import Any

log = logging.getLogger("companion")


def start_all(app: Any) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"{__name__}.{info.name}")
            start = getattr(module, "start", None)
            if start is not None:
                start(app)
        except Exception:  # a broken service must not take the app down
            log.exception("background service %s failed to start", info.name)
