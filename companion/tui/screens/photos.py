"""Progress photos: a grid of thumbnails by date (a page at a time, thumbnails made once at import), and two
photos side by side. Kitty and Sixel terminals get real pictures through textual-image (detected before the
app starts, when photos are turned on); every other terminal gets half blocks ("▀", two pixels a cell)."""

from __future__ import annotations

import sys
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Static

from companion.i18n import N_, _
from companion.tui.safe import safe_text
from companion.tui.screens.base import CompanionScreen
from companion.tui.widgets.trends_commands import PaletteCommand, ScreenPalette

PAGE = 8  # 4 x 2 thumbnails
CELL_COLUMNS, CELL_ROWS = 22, 10


def half_block_text(data: bytes, columns: int, rows: int) -> Text:
    """A picture as half blocks: each cell "▀" in the upper pixel's colour on the lower pixel's colour."""
    from companion.programme.photos import half_blocks

    text = Text()
    for index, line in enumerate(half_blocks(data, columns, rows)):
        if index:
            text.append("\n")
        for (r1, g1, b1), (r2, g2, b2) in line:
            text.append("▀", f"rgb({r1},{g1},{b1}) on rgb({r2},{g2},{b2})")
    return text


def graphics_available() -> bool:
    """textual-image was loaded (and asked the terminal) before the app started: ``tui.app.prepare_graphics``."""
    renderable = sys.modules.get("textual_image.renderable")
    return renderable is not None and getattr(renderable, "Image", None).__name__ != "HalfcellImage"  # type: ignore[union-attr]


def picture(data: bytes, columns: int, rows: int, widget_id: str | None = None) -> Widget:
    if graphics_available():
        import io

        from PIL import Image as PILImage
        from textual_image.widget import Image

        image = Image(PILImage.open(io.BytesIO(data)), id=widget_id)
        image.styles.width = columns
        image.styles.height = rows
        return image  # type: ignore[no-any-return]
    return Static(half_block_text(data, columns, rows), id=widget_id, classes="picture")


class PhotosScreen(ScreenPalette, CompanionScreen):
    HELP = N_(
        "# Progress photos\n\n"
        "Your photos by date, oldest first, kept only inside your encrypted data (never as files). Photos are "
        "off unless you turn them on (`photos = true` under `[programme]` in `config.toml`); add them with "
        "`companion photos import PATH`. Location and camera details in a photo are removed when it is added. "
        "A photo is shared with your care team only if you choose so (`companion photos share ID on`).\n\n"
        "Keys: **←**/**→** choose a photo, **[**/**]** previous or next page, **enter** show the chosen photo "
        "next to your first one, **s** share it or not, **escape** back."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", _("Back"), id="photos-back", tooltip=_("Back to the programme")),
        Binding("left", "move(-1)", _("Previous"), id="photos-left", tooltip=_("Previous photo"), show=False),
        Binding("right", "move(1)", _("Next"), id="photos-right", tooltip=_("Next photo"), show=False),
        Binding("left_square_bracket", "page(-1)", _("Page back"), id="photos-page-back",
                tooltip=_("Previous page of photos")),
        Binding("right_square_bracket", "page(1)", _("Page on"), id="photos-page-on",
                tooltip=_("Next page of photos")),
        Binding("enter", "compare", _("Side by side"), id="photos-compare",
                tooltip=_("The chosen photo next to your first one")),
        Binding("s", "toggle_share", _("Share"), id="photos-share",
                tooltip=_("Share this photo with your care team or not")),
    ]
    DEFAULT_CSS = """
    PhotosScreen #photos-title { height: 1; padding: 0 1; text-style: bold; color: $primary; }
    PhotosScreen #photos-grid { grid-size: 4 2; grid-gutter: 0 1; height: auto; padding: 0 1; }
    PhotosScreen .photo-cell { height: auto; border: round $foreground 20%; }
    PhotosScreen .photo-cell.-chosen { border: round $accent; }
    PhotosScreen .caption { height: 1; }
    PhotosScreen #photos-compare { height: 1fr; padding: 0 1; }
    PhotosScreen #photos-compare > Vertical { width: 1fr; height: auto; }
    PhotosScreen #photos-empty { padding: 1 1; color: $foreground-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.page = 0
        self.chosen = 0
        self.items: list[Any] = []
        self.total = 0

    def compose_body(self) -> ComposeResult:
        yield Static("", id="photos-title")
        yield Grid(id="photos-grid")
        yield Horizontal(id="photos-compare")

    def on_mount(self) -> None:
        super().on_mount()
        self.title = _("Progress photos")
        self.show_page()

    def show_page(self) -> None:
        """One page of thumbnails (the count and the page's rows and thumbnails only: fast with 500 photos)."""
        profile = self.profile
        if profile is None or profile.id is None:
            return
        repo = self.store.programme
        self.total = repo.photo_count(profile.id)
        pages = max(1, -(-self.total // PAGE))
        self.page = min(max(self.page, 0), pages - 1)
        self.items = repo.photos(profile.id, self.page * PAGE, PAGE)
        thumbs = repo.thumbnails([p.id for p in self.items])
        grid = self.query_one("#photos-grid", Grid)
        grid.display = True
        grid.remove_children()
        self.query_one("#photos-compare", Horizontal).remove_children()
        title = self.query_one("#photos-title", Static)
        if not self.items:
            title.update(_("No photos yet"))
            grid.mount(Static(_("Add a photo with `companion photos import PATH` (turn photos on in config.toml "
                                "first: `photos = true` under [programme])."), id="photos-empty"))
            return
        title.update(_("Photos {first}-{last} of {total}, by date").format(
            first=self.page * PAGE + 1, last=self.page * PAGE + len(self.items), total=self.total))
        self.chosen = min(self.chosen, len(self.items) - 1)
        cells = []
        for index, item in enumerate(self.items):
            caption = Text(item.day.isoformat(), style="bold")
            if item.shared:
                caption.append(" · " + _("shared"), "dim")
            cell = Vertical(picture(thumbs[item.id], CELL_COLUMNS, CELL_ROWS), Static(caption, classes="caption"),
                            classes="photo-cell" + (" -chosen" if index == self.chosen else ""))
            cells.append(cell)
        grid.mount_all(cells)

    def _mark(self) -> None:
        for index, cell in enumerate(self.query(".photo-cell")):
            cell.set_class(index == self.chosen, "-chosen")

    def action_move(self, delta: int) -> None:
        if not self.items:
            return
        target = self.chosen + int(delta)
        if target < 0 and self.page > 0:
            self.page -= 1
            self.chosen = PAGE - 1
            self.show_page()
        elif target >= len(self.items) and (self.page + 1) * PAGE < self.total:
            self.page += 1
            self.chosen = 0
            self.show_page()
        else:
            self.chosen = min(max(target, 0), len(self.items) - 1)
            self._mark()

    def action_page(self, delta: int) -> None:
        self.page += int(delta)
        self.chosen = 0
        self.show_page()

    def action_compare(self) -> None:
        """The chosen photo next to the first one (by date), each with its date."""
        profile = self.profile
        if profile is None or profile.id is None or not self.items:
            return
        repo = self.store.programme
        first = repo.photos(profile.id, 0, 1)[0]
        chosen = self.items[self.chosen]
        area = self.query_one("#photos-compare", Horizontal)
        area.remove_children()
        columns = max(20, (self.size.width - 6) // 2)
        rows = max(8, self.size.height - 8)
        panes = []
        for item in (first, chosen):
            data = repo.photo_image(profile.id, item.id)
            if data is None:
                continue
            label = Text(item.day.isoformat(), style="bold")
            if item.note:
                label.append("  ")
                label.append_text(safe_text(item.note, max_length=80))
            panes.append(Vertical(Static(label, classes="caption"), picture(data, columns, rows)))
        self.query_one("#photos-grid", Grid).display = False
        area.mount_all(panes)

    def action_toggle_share(self) -> None:
        profile = self.profile
        if profile is None or profile.id is None or not self.items:
            return
        item = self.items[self.chosen]
        self.store.programme.set_photo_shared(profile.id, item.id, not item.shared)
        self.notify(_("This photo will be shared with your care team.") if not item.shared
                    else _("This photo will not be shared."))
        self.show_page()

    def action_back(self) -> None:
        grid = self.query_one("#photos-grid", Grid)
        if not grid.display:
            grid.display = True
            self.query_one("#photos-compare", Horizontal).remove_children()
            return
        self.dismiss(None)

    def palette_entries(self) -> list[PaletteCommand]:
        return [
            (_("Programme: photos side by side"), _("The chosen photo next to your first one"), self.action_compare),
            (_("Programme: share photo or not"), _("With your care team"), self.action_toggle_share),
            (_("Programme: next page of photos"), _("Eight photos a page"), lambda: self.action_page(1)),
        ]
