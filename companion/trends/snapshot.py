"""Everything the dashboard shows, loaded in one go (no UI here), so that it can be loaded off the UI thread
and, in demo mode, while the UI is still starting (see ``companion.demo_workspace.DemoWorkspace``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from companion.domain.model import Metric, Profile
from companion.i18n import _, current_language

if TYPE_CHECKING:
    from companion.store import Store
    from companion.trends.data import ChartInput, TrendData
    from companion.trends.figures import DashboardFigures


@dataclass(frozen=True)
class DashboardSnapshot:
    """What the dashboard shows first, computed in one go (possibly in another thread or process)."""

    profile: Profile
    data: TrendData | None = None
    figures: DashboardFigures | None = None
    chart: ChartInput | None = None
    inbox: str | None = None
    blocked: str | None = None  # why health data may not be processed (then nothing else is loaded)
    language: str = ""  # the UI language the texts were made in


def inbox_line(store: Any) -> str | None:
    """HOOK for other capabilities: "Messages: N unread" and open data requests. Each part appears only when
    its provider exists: ``companion.store.messages.unread_count(store)`` and
    ``companion.privacy.requests.open_count(store)``."""
    parts: list[str] = []
    try:
        from companion.store.messages import unread_count  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        pass
    else:
        try:
            parts.append(_("Messages: {count} unread").format(count=int(unread_count(store))))
        except Exception:
            pass
    try:
        from companion.privacy.requests import open_requests
    except ImportError:
        pass
    else:
        try:
            pending = open_requests(store)
            if pending:
                parts.append(_("Open data requests: {count} (next answer due {due})").format(
                    count=len(pending), due=pending[0].due.isoformat()))
        except Exception:
            pass
    return "  ·  ".join(parts) if parts else None


def load_snapshot(store: Store, profile: Profile, now: datetime) -> DashboardSnapshot:
    """The dashboard's figures, weight chart and inbox line for ``profile`` at ``now`` (timezone-aware)."""
    from companion.privacy import ProcessingNotAllowed, require
    from companion.trends.data import TrendData, metric_input

    language = current_language()
    try:
        require(store, "health-data")
    except ProcessingNotAllowed as exc:
        return DashboardSnapshot(profile, blocked=str(exc), language=language)
    data = TrendData(store, profile)
    figures = data.figures(now)
    tz = now.tzinfo
    assert tz is not None
    chart = metric_input(data, Metric.WEIGHT, profile.weight_unit, tz)
    return DashboardSnapshot(profile, data, figures, chart, inbox_line(store), language=language)
