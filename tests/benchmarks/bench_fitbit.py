"""Fitbit Takeout benchmark: a year of 5-second heart rate (365 daily files, 6.3 M samples), imported by
``companion import fitbit-takeout`` as a whole command in its own process, several runs, median reported.

Run:  python tests/benchmarks/bench_fitbit.py [RUNS]     (default 3; the export is generated once and cached)
Target (issue #17): under 30 s. Baseline before the heart-rate fast path: 64.0 s on a quiet 2-core VM
(bench_health.py, 2026-12-05); 28-64 s depending on the machine.
Last measured: see the report of the branch that added this script.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_health import run_takeout  # noqa: E402


def main(runs: int) -> dict[str, object]:
    results = [run_takeout() for _ in range(runs)]
    seconds = [r["seconds"] for r in results]
    summary = {"runs": seconds, "median_s": statistics.median(seconds), "target_s": 30,
               "all_added": all(r["added"] == r["samples"] and r["exit"] == 0 for r in results)}
    print(json.dumps(summary, indent=1))
    return summary


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
