"""Health import benchmarks (not part of the normal run; pytest-benchmark skips them by default).

Run:  python -m pytest tests/benchmarks/bench_health.py --benchmark-enable --benchmark-only -s
  or: python tests/benchmarks/bench_health.py [apple|takeout]

1. Apple Health: generated exports of 300,000 and 1,000,000 records (``COMPANION_BENCH_RECORDS``, a comma
   list) imported by ``companion import apple-health`` and by ``healthkit-to-sqlite`` (dogsheep, the tool people
   use today) on the same file in the same run, each as a whole command including start-up, in its own
   process, interleaved (``COMPANION_BENCH_ROUNDS`` rounds, default 3: both tools and a bare expat pass per
   size per round); medians, their ratio and the per-round ratios are reported. Peak memory is the larger of
   the command's ru_maxrss (os.wait4) and the sampled sum of its process tree's RSS. The bare expat pass reads
   the same ZIP member with a do-nothing start handler (the XML parser's own speed, one core). Companion's
   modules are byte-compiled first (an installed wheel has its .pyc; an editable install under
   PYTHONDONTWRITEBYTECODE=1 would compile every module on every start). healthkit-to-sqlite is installed into
   its own virtual environment on first use (``$COMPANION_BENCH_HK2SQLITE_VENV``, default /work/venvs/hk2sqlite
   or ~/.cache/companion-bench/hk2sqlite). Target (issue #17): at least 8x its records/s at both sizes, peak
   memory under 100 MB. The export is grouped by type like Apple's (70 % watch heart rate with its
   motion-context MetadataEntry, steps from phone and watch, energy, distance, HRV, sleep, resting heart rate,
   weight, body fat); healthkit-to-sqlite's speed depends a lot on that shape (about 1.2k records/s when types
   are interleaved record by record, 10-12k records/s grouped).
   Where the time goes (instructions per record, counted with cachegrind on a 30,000-record export): parsing
   ~62,000 (expat's tokenizer ~34,000, building pyexpat's attribute lists and calling the handler ~15,000,
   Companion's handler ~13,000), storing ~39,000 (SQLite ~60 % of it in the minute/hour/day rollups, the rest
   the sample rows and the page encryption of each commit). Both processes parse (companion.health.apple_split:
   the importing process the first quarter, besides storing everything; a child the rest), so on two free
   cores the wall time is about half the total.
   Last measured (2026-12-08, 2 rounds, on a 2-core VM shared with seven other sessions, load average 8-11:
   every number is slowed 5-10x and noisy): 300,000 records: Companion median 30.4 s (25.0, 35.8; CPU 7.1 and
   7.9 s for both processes), healthkit-to-sqlite 139.5 s (158.2, 120.7; CPU 17.6, 17.0 s), ratio of medians
   4.59x (per round 6.32x, 3.38x); 1,000,000 records: 74.4 s (83.2, 65.6; CPU 20.8, 19.1 s) against 457.6 s
   (464.6, 450.6; CPU 54.7, 53.0 s), 6.15x (5.58x, 6.87x); peak memory 87.1 and 91.5 MB. The bare expat pass
   of the same files in the same rounds: 17,100 and 13,800 records/s, i.e. the whole 1M import ran at the rate
   of a bare expat pass. The 8x target is not shown on this machine in this state: with ten runnable processes
   on two cores each process gets a slice, and an import spread over two processes gains nothing from it.
   At the start of that session (load average ~1.8) the 300,000-record import before these changes took
   7.28 s against 28.73 s (3.95x), the bare expat pass 3.64 s.
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
        float, float, int, float]:
    """(wall seconds, peak memory MB, exit code, CPU seconds) of one command, start-up included; the CPU time
    counts the command's reaped child processes too (Linux wait4 reports both).

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
    return wall, max(usage.ru_maxrss, tree_peak) / 1024, proc.returncode, usage.ru_utime + usage.ru_stime


def companion_home(tag: str) -> dict[str, str]:
    home = Path(tempfile.mkdtemp(prefix=f"companion-bench-{tag}-"))
    env = dict(os.environ, COMPANION_HOME=str(home), COMPANION_PASSPHRASE=PASSPHRASE,
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    companion = str(Path(sys.executable).with_name("companion"))
    subprocess.run([companion, "profile", "init", "--name", "Bench", "--birth-date", "1980-01-01", "--sex", "female",
                    "--height-cm", "168"], env=env, check=True, capture_output=True)
    return env


def apple_export(records: int) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"export-{records}.zip"
    if not path.exists():
        write_big_export(path.with_suffix(".part"), records)
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


BARE_EXPAT = """
import sys, time, zipfile
from xml.parsers import expat
archive = zipfile.ZipFile(sys.argv[1])
member = archive.open(next(n for n in archive.namelist() if n.endswith("export.xml")))
parser = expat.ParserCreate()
parser.StartElementHandler = lambda name, attrs: None
start = time.perf_counter()
while chunk := member.read(1 << 20):
    parser.Parse(chunk, False)
parser.Parse(b"", True)
print(time.perf_counter() - start)
"""


def bare_expat_seconds(export: Path) -> float:
    """Seconds of one expat pass over the export's XML with a do-nothing handler (inflating included)."""
    out = subprocess.run([sys.executable, "-c", BARE_EXPAT, str(export)], check=True, capture_output=True, text=True)
    return float(out.stdout)


def _compile_companion() -> None:
    import companion

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(companion.__file__).parent)],
                   check=True, capture_output=True)


def _median(values: list[float]) -> float:
    import statistics

    return statistics.median(values)


def run_apple() -> dict[str, Any]:
    sizes = [int(n) for n in os.environ.get("COMPANION_BENCH_RECORDS", "300000,1000000").split(",")]
    rounds = int(os.environ.get("COMPANION_BENCH_ROUNDS", "3"))
    exports = {n: apple_export(n) for n in sizes}
    hk2 = ensure_hk2sqlite()
    _compile_companion()
    companion = str(Path(sys.executable).with_name("companion"))
    runs: dict[int, dict[str, list[Any]]] = {
        n: {"ours": [], "theirs": [], "expat": [], "peak": [], "load": [], "ours_cpu": [], "theirs_cpu": []}
        for n in sizes}
    checks: dict[int, Any] = {}
    for _round in range(rounds):
        for n in sizes:
            export = exports[n]
            env = companion_home("apple")
            summary = Path(tempfile.mkdtemp(prefix="companion-bench-")) / "summary.json"
            with summary.open("wb") as out:
                ours = timed([companion, "import", "apple-health", str(export), "--json"], env, out)
            report = json.loads(summary.read_text())
            out_db = Path(tempfile.mkdtemp(prefix="hk2sqlite-")) / "healthkit.db"
            theirs = timed([str(hk2), str(export), str(out_db)])
            out_db.unlink(missing_ok=True)
            expat_s = bare_expat_seconds(export)
            run = runs[n]
            run["ours"].append(ours[0])
            run["theirs"].append(theirs[0])
            run["expat"].append(expat_s)
            run["peak"].append(ours[1])
            run["load"].append(os.getloadavg()[0])
            run["ours_cpu"].append(ours[3])
            run["theirs_cpu"].append(theirs[3])
            checks[n] = {"exit": (ours[2], theirs[2]), "added": report["added"], "errors": report["error_count"]}
            print(f"{n:>9,} records: companion {ours[0]:6.2f} s ({ours[1]:.1f} MB), healthkit-to-sqlite "
                  f"{theirs[0]:6.2f} s, ratio {theirs[0] / ours[0]:5.2f}x (CPU {ours[3]:.1f} s vs {theirs[3]:.1f} s), "
                  f"bare expat {n / expat_s:,.0f} records/s, "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
    result: dict[str, Any] = {"rounds": rounds}
    for n in sizes:
        run = runs[n]
        ours_s, theirs_s, expat_s = _median(run["ours"]), _median(run["theirs"]), _median(run["expat"])
        result[str(n)] = {
            "companion": {"median_s": round(ours_s, 2), "records_per_s": round(n / ours_s),
                          "runs_s": [round(x, 2) for x in run["ours"]], "peak_mb": round(max(run["peak"]), 1)},
            "healthkit_to_sqlite": {"median_s": round(theirs_s, 2), "records_per_s": round(n / theirs_s),
                                    "runs_s": [round(x, 2) for x in run["theirs"]]},
            "speedup": round(theirs_s / ours_s, 2),
            "speedup_per_round": [round(t / o, 2) for o, t in zip(run["ours"], run["theirs"], strict=True)],
            "bare_expat_records_per_s": round(n / expat_s),
            "cpu_s": {"companion": [round(x, 1) for x in run["ours_cpu"]],
                      "healthkit_to_sqlite": [round(x, 1) for x in run["theirs_cpu"]]},
            "load_average": [round(x, 1) for x in run["load"]],
            **checks[n],
        }
    print(json.dumps(result, indent=1))
    return result


def run_takeout() -> dict[str, Any]:
    root = takeout_year()
    env = companion_home("takeout")
    companion = str(Path(sys.executable).with_name("companion"))
    summary = Path(tempfile.mkdtemp(prefix="companion-bench-")) / "summary.json"
    with summary.open("wb") as out:
        wall, peak, code, _cpu = timed([companion, "import", "fitbit-takeout", str(root), "--json"], env, out)
    report = json.loads(summary.read_text())
    result = {"samples": 365 * 17280, "seconds": round(wall, 1), "samples_per_s": round(365 * 17280 / wall),
              "peak_mb": round(peak, 1), "exit": code, "added": report["added"], "errors": report["error_count"]}
    print(json.dumps(result, indent=1))
    return result


def test_apple_health_vs_healthkit_to_sqlite(benchmark) -> None:  # type: ignore[no-untyped-def]
    result = benchmark.pedantic(run_apple, rounds=1, iterations=1)
    benchmark.extra_info.update(result)
    for key, size in result.items():
        if key == "rounds":
            continue
        records = int(key)
        assert size["exit"] == (0, 0) and size["errors"] == 0, size
        assert size["added"] > 0.9 * records, size
        assert size["speedup"] >= 8, size
        assert size["companion"]["peak_mb"] < 100, size


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
