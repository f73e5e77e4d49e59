"""Health import benchmarks (not part of the normal run; pytest-benchmark skips them by default).

Run:  python -m pytest tests/benchmarks/bench_health.py --benchmark-enable --benchmark-only -s
  or: python tests/benchmarks/bench_health.py [apple|takeout]

1. Apple Health: a generated 1,000,000-record export.zip imported by ``companion import apple-health`` and by
   ``healthkit-to-sqlite`` (dogsheep, the tool people use today) on the same file in the same run, each as a
   whole command including start-up, in its own process; peak memory is the child's ru_maxrss (os.wait4).
   healthkit-to-sqlite is installed into its own virtual environment on first use
   (``$COMPANION_BENCH_HK2SQLITE_VENV``, default /work/venvs/hk2sqlite or ~/.cache/companion-bench/hk2sqlite).
   Target: at least 5x its records/s, peak memory under 100 MB. The export is grouped by type like Apple's
   (70 % watch heart rate with its motion-context MetadataEntry, steps from phone and watch, energy, distance,
   HRV, sleep, resting heart rate, weight, body fat); healthkit-to-sqlite's speed depends a lot on that shape
   (about 1.2k records/s when types are interleaved record by record, 25-30k records/s grouped).
   Last measured (2026-12-05, quiet 2-core VM, load average 0.7-1.3 from the runs themselves, 5 runs):
   Companion median 16.95 s (59.0k records/s; 16.3-17.3 s; peak 93.3 MB for parent + reader process),
   healthkit-to-sqlite median 85.4 s (11.7k records/s; 76.4-89.9 s); ratio of the medians 5.04x (per run
   4.70-5.19x, median 5.02x). Meets the 5x target, narrowly; with another job on the machine it was
   4.42x (3 runs), as a neighbour on one core slows this two-process import more than a one-core tool.
   The export is parsed by both processes (companion.health.apple_split: the importing process parses the
   first 30 % and stores
   everything, the child parses the rest): each uses ~15-16 s of CPU, so the wall time is about one core's
   share of the total work (~20 s parsing, of which expat is ~70 %, ~9.5 s storing, half of it rollups);
   a neighbour using a core costs this import far more than single-threaded healthkit-to-sqlite. See #8.
2. Fitbit Takeout: one year of 5-second heart rate (365 daily files, ~6.3 M samples). Target: under 2 minutes.
   Last measured (same day and machine): 64.0 s, peak 78 MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "health"))

from generate import fitbit_date, write_big_export  # noqa: E402

PASSPHRASE = "benchmark passphrase 1234"
RECORDS = int(os.environ.get("COMPANION_BENCH_RECORDS", "1000000"))
CACHE = Path(os.environ.get("COMPANION_BENCH_CACHE", Path(tempfile.gettempdir()) / "companion-bench-health"))


def _venv_dir() -> Path:
    configured = os.environ.get("COMPANION_BENCH_HK2SQLITE_VENV")
    if configured:
        return Path(configured)
    if Path("/work/venvs").is_dir():
        return Path("/work/venvs/hk2sqlite")
    return Path.home() / ".cache" / "companion-bench" / "hk2sqlite"


def ensure_hk2sqlite() -> Path:
    venv = _venv_dir()
    exe = venv / "bin" / "healthkit-to-sqlite"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "healthkit-to-sqlite"], check=True)
    return exe


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    """Child processes started by any thread of ``pid`` (each thread has its own ``children`` list)."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return found


def _tree_rss_kb(pid: int) -> int:
    """RSS of a process plus all its descendants right now (Linux /proc; 0 elsewhere).

    Companion starts its reader process from a thread, so the children of every thread are counted."""
    return _rss_kb(pid) + sum(_tree_rss_kb(c) for c in _children(pid))


def timed(cmd: list[str], env: dict[str, str] | None = None, stdout: Any = subprocess.DEVNULL) -> tuple[
        float, float, int]:
    """(wall seconds, peak memory MB, exit code) of one command, start-up included.

    Peak memory is the larger of the process's ru_maxrss (os.wait4) and the sampled sum of the RSS of the
    process and all its descendants (Companion's reader runs in a child process; both count)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=stdout, stderr=subprocess.PIPE)
    tree_peak = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        tree_peak = max(tree_peak, _tree_rss_kb(proc.pid))
        time.sleep(0.02)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.stderr is not None:
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        if proc.returncode:
            print(err[-2000:], file=sys.stderr)
    return wall, max(usage.ru_maxrss, tree_peak) / 1024, proc.returncode


def companion_home(tag: str) -> dict[str, str]:
    home = Path(tempfile.mkdtemp(prefix=f"companion-bench-{tag}-"))
    env = dict(os.environ, COMPANION_HOME=str(home), COMPANION_PASSPHRASE=PASSPHRASE,
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    companion = str(Path(sys.executable).with_name("companion"))
    subprocess.run([companion, "profile", "init", "--name", "Bench", "--birth-date", "1980-01-01", "--sex", "female",
                    "--height-cm", "168"], env=env, check=True, capture_output=True)
    return env


def apple_export() -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"export-{RECORDS}.zip"
    if not path.exists():
        write_big_export(path.with_suffix(".part"), RECORDS)
        path.with_suffix(".part").rename(path)
    return path


def takeout_year() -> Path:
    root = CACHE / "takeout-year"
    data = root / "Takeout" / "Fitbit" / "Global Export Data"
    done = root / ".complete"
    if done.exists():
        return root
    data.mkdir(parents=True, exist_ok=True)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for d in range(365):
        day = start + timedelta(days=d)
        rows = []
        for s in range(0, 86400, 5):
            stamp = fitbit_date(day + timedelta(seconds=s))
            rows.append(f'{{"dateTime":"{stamp}","value":{{"bpm":{55 + (s // 5) % 70},"confidence":2}}}}')
        (data / f"heart_rate-{day:%Y-%m-%d}.json").write_text("[" + ",\n".join(rows) + "]\n")
    (root / "Takeout" / "Fitbit" / "Your Profile").mkdir(parents=True, exist_ok=True)
    (root / "Takeout" / "Fitbit" / "Your Profile" / "Profile.csv").write_text(
        "id,timezone,weight_unit,height\nX,Europe/Amsterdam,METRIC,168\n")
    done.touch()
    return root


def run_apple() -> dict[str, Any]:
    export = apple_export()
    hk2 = ensure_hk2sqlite()
    env = companion_home("apple")
    companion = str(Path(sys.executable).with_name("companion"))
    summary = Path(tempfile.mkdtemp(prefix="companion-bench-")) / "summary.json"
    with summary.open("wb") as out:
        ours = timed([companion, "import", "apple-health", str(export), "--json"], env, out)
    report = json.loads(summary.read_text())
    out_db = Path(tempfile.mkdtemp(prefix="hk2sqlite-")) / "healthkit.db"
    theirs = timed([str(hk2), str(export), str(out_db)])
    result = {
        "records": RECORDS,
        "companion": {"seconds": round(ours[0], 2), "records_per_s": round(RECORDS / ours[0]),
                      "peak_mb": round(ours[1], 1), "exit": ours[2]},
        "healthkit_to_sqlite": {"seconds": round(theirs[0], 2), "records_per_s": round(RECORDS / theirs[0]),
                                "peak_mb": round(theirs[1], 1), "exit": theirs[2]},
        "speedup": round(theirs[0] / ours[0], 2),
        "companion_added": report["added"], "companion_errors": report["error_count"],
    }
    print(json.dumps(result, indent=1))
    return result


def run_takeout() -> dict[str, Any]:
    root = takeout_year()
    env = companion_home("takeout")
    companion = str(Path(sys.executable).with_name("companion"))
    summary = Path(tempfile.mkdtemp(prefix="companion-bench-")) / "summary.json"
    with summary.open("wb") as out:
        wall, peak, code = timed([companion, "import", "fitbit-takeout", str(root), "--json"], env, out)
    report = json.loads(summary.read_text())
    result = {"samples": 365 * 17280, "seconds": round(wall, 1), "samples_per_s": round(365 * 17280 / wall),
              "peak_mb": round(peak, 1), "exit": code, "added": report["added"], "errors": report["error_count"]}
    print(json.dumps(result, indent=1))
    return result


def test_apple_health_vs_healthkit_to_sqlite(benchmark) -> None:  # type: ignore[no-untyped-def]
    result = benchmark.pedantic(run_apple, rounds=1, iterations=1)
    benchmark.extra_info.update(result)
    assert result["companion"]["exit"] == 0 and result["healthkit_to_sqlite"]["exit"] == 0
    assert result["companion_added"] > 0.9 * RECORDS and result["companion_errors"] == 0
    assert result["speedup"] >= 5, result
    assert result["companion"]["peak_mb"] < 100, result


def test_takeout_year_of_heart_rate(benchmark) -> None:  # type: ignore[no-untyped-def]
    result = benchmark.pedantic(run_takeout, rounds=1, iterations=1)
    benchmark.extra_info.update(result)
    assert result["exit"] == 0 and result["seconds"] < 120, result
    assert result["added"] == result["samples"], result


if __name__ == "__main__":
    which = sys.argv[1:] or ["apple", "takeout"]
    if "apple" in which:
        run_apple()
    if "takeout" in which:
        run_takeout()
