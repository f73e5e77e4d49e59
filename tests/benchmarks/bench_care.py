"""Care-team benchmark (not part of the normal run): the one-page PDF report of 10 years of daily weigh-ins,
against the SVG of the same page (the baseline: same data, same chart reduction).

Run: ``python -m pytest tests/benchmarks/bench_care.py --benchmark-enable --benchmark-only``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def report_data(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from companion.demo import create_demo_store
    from companion.trends.report import collect

    store = create_demo_store(tmp_path_factory.mktemp("care") / "demo", years=10, today=date(2026, 11, 25))
    data = collect(store, store.profiles.active(), NOW)
    store.close()
    return data


@pytest.mark.parametrize("fmt", ["svg", "pdf"])
def test_render_report(benchmark, report_data, fmt) -> None:  # type: ignore[no-untyped-def]
    from companion.trends.report import render

    render(report_data, "pdf")  # warm: fonts parsed, modules imported
    content = benchmark(render, report_data, fmt)
    assert content
