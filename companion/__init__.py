"""Companion: a terminal companion for patients in a weight-loss programme."""

import time as _time

#: Monotonic time at which the package was first imported (used to report start-up time).
STARTED_AT: float = _time.perf_counter()

__version__ = "0.1.0"
__all__ = ["STARTED_AT", "__version__"]
