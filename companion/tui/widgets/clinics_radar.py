"""The clinic "radar": you at the centre, numbered clinics around you, a ring at the search radius."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from companion.clinics.radar import RING, YOU, Radar, build_radar
from companion.i18n import _


class ClinicsRadar(Static):
    DEFAULT_CSS = """
    ClinicsRadar {
        width: 27;
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.radar: Radar | None = None

    def show(
        self,
        lat: float,
        lon: float,
        points: list[tuple[float, float]],
        radius_km: float | None,
        highlight: int | None = None,
    ) -> None:
        self.radar = build_radar(lat, lon, points, radius_km=radius_km, width=25, height=11)
        text = Text()
        highlighted = str(highlight) if highlight is not None and highlight < 10 else None
        for row in self.radar.lines:
            for ch in row:
                if ch == YOU:
                    text.append(ch, style="bold reverse")
                elif ch == RING or ch == "N":
                    text.append(ch, style="dim")
                elif ch != " ":
                    text.append(ch, style="bold reverse" if ch == highlighted else "bold")
                else:
                    text.append(ch)
            text.append("\n")
        text.append(_("{you} you · ring {km} km").format(you=YOU, km=_km(self.radar.scale_km)), style="dim")
        self.update(text)

    def clear(self) -> None:
        self.radar = None
        self.update("")


def _km(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"
