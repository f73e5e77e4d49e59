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
    from rich.color import Color
    from rich.style import Style

    from companion.programme.photos import half_blocks

    text = Text()
    styles: dict[tuple[Any, Any], Style] = {}
    for index, line in enumerate(half_blocks(data, columns, rows)):
        if index:
            text.append("\n")
        run: tuple[Any, Any] | None = None
        length = 0
        for (r1, g1, b1), (r2, g2, b2) in line:
            # 32 levels a channel: neighbouring cells often share a colour, and runs of one style draw faster
            pair = (r1 & 0xF8, g1 & 0xF8, b1 & 0xF8), (r2 & 0xF8, g2 & 0xF8, b2 & 0xF8)
            if pair == run:
                length += 1
                continue
            if run is not None:
                text.append("▀" * length, styles[run])
            if pair not in styles:
                (u1, v1, w1), (u2, v2, w2) = pair
                styles[pair] = Style(color=Color.from_rgb(u1, v1, w1), bgcolor=Color.from_rgb(u2, v2, w2))
            run, length = pair, 1
        if run is not None:
            text.append("▀" * length, styles[run])
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
    PhotosScreen #photos-grid.-sheet { layout: vertical; }
    PhotosScreen #photos-sheet { width: auto; height: auto; }
    PhotosScreen .photo-cell { height: auto; border: round $foreground 20%; }
    PhotosScreen .photo-cell.-chosen { border: round $accent; }
    PhotosScreen .caption { height: 1; }
    PhotosScreen #photos-compare { height: 1fr; padding: 0 1; }
    PhotosScreen #photos-compare > Vertical { width: 1fr; height: auto; }
    PhotosScreen .photos-empty { padding: 1 1; color: $foreground-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.page = 0
        self.chosen = 0
        self.items: list[Any] = []
        self.total = 0
        self.thumbs: dict[int, bytes] = {}
        self._pictures: dict[int, Text] = {}  # half-block pictures made for this screen, by photo id

    def compose_body(self) -> ComposeResult:
        # The first page is read and drawn as the screen is composed (half blocks: one text for the page), so
        # the screen's first frame already shows it
        self._load_page()
        sheet = bool(self.items) and not graphics_available()
        yield Static(self._title(), id="photos-title")
        with Grid(id="photos-grid", classes="-sheet" if sheet else ""):
            if sheet:
                yield Static(self._sheet(), id="photos-sheet")
        yield Horizontal(id="photos-compare")

    def on_mount(self) -> None:
        super().on_mount()
        self.title = _("Progress photos")
        if not self.query("#photos-sheet"):
            self._draw()

    def _load_page(self) -> None:
        """The count and one page's rows and thumbnails (never a full photo): as fast with 500 photos as with 5."""
        profile = self.profile
        if profile is None or profile.id is None:
            return
        repo = self.store.programme
        self.total = repo.photo_count(profile.id)
        pages = max(1, -(-self.total // PAGE))
        self.page = min(max(self.page, 0), pages - 1)
        self.items = repo.photos(profile.id, self.page * PAGE, PAGE)
        self.thumbs = repo.thumbnails([p.id for p in self.items])
        self.chosen = min(self.chosen, max(len(self.items) - 1, 0))

    def _title(self) -> str:
        if not self.items:
            return _("No photos yet")
        return _("Photos {first}-{last} of {total}, by date").format(
            first=self.page * PAGE + 1, last=self.page * PAGE + len(self.items), total=self.total)

    def show_page(self) -> None:
        self._load_page()
        self._draw()

    def _draw(self) -> None:
        grid = self.query_one("#photos-grid", Grid)
        grid.display = True
        self.query_one("#photos-compare", Horizontal).remove_children()
        self.query_one("#photos-title", Static).update(self._title())
        existing = self.query("#photos-sheet")
        if self.items and not graphics_available():
            # Half blocks: one widget for the whole page (eight widgets with a picture each took longer to lay
            # out and draw than the pictures took to make)
            grid.set_class(True, "-sheet")
            if existing:
                existing.first(Static).update(self._sheet())
            else:
                grid.remove_children()
                grid.mount(Static(self._sheet(), id="photos-sheet"))
            return
        grid.remove_children()
        if not self.items:
            grid.mount(Static(_("Add a photo with `companion photos import PATH` (turn photos on in config.toml "
                                "first: `photos = true` under [programme])."), classes="photos-empty"))
            return
        grid.set_class(False, "-sheet")
        cells = []
        for index, item in enumerate(self.items):
            cell = Vertical(picture(self.thumbs[item.id], CELL_COLUMNS, CELL_ROWS),
                            Static(self._caption(item, index == self.chosen), classes="caption"),
                            classes="photo-cell" + (" -chosen" if index == self.chosen else ""))
            cells.append(cell)
        grid.mount_all(cells)

    def _caption(self, item: Any, chosen: bool) -> Text:
        caption = Text(("▶ " if chosen else "  ") + item.day.isoformat(), style="bold reverse" if chosen else "bold")
        if item.shared:
            caption.append(" · " + _("shared"), "dim")
        return caption

    def _sheet(self) -> Text:
        """The page as one text: four pictures a row, line by line, each with its date under it."""
        sheet = Text()
        gap = " " * 2
        for start in range(0, len(self.items), 4):
            row = self.items[start:start + 4]
            pictures = [self._picture_text(item).split("\n") for item in row]
            for y in range(max(len(lines) for lines in pictures)):
                for k, lines in enumerate(pictures):
                    if k:
                        sheet.append(gap)
                    line = lines[y] if y < len(lines) else Text()
                    sheet.append_text(line)
                    sheet.append(" " * (CELL_COLUMNS - line.cell_len))
                sheet.append("\n")
            for k, item in enumerate(row):
                if k:
                    sheet.append(gap)
                caption = self._caption(item, start + k == self.chosen)
                caption.truncate(CELL_COLUMNS, pad=True)
                sheet.append_text(caption)
            sheet.append("\n\n")
        return sheet

    def _picture_text(self, item: Any) -> Text:
        cached = self._pictures.get(item.id)
        if cached is None:
            cached = self._pictures[item.id] = half_block_text(self.thumbs[item.id], CELL_COLUMNS, CELL_ROWS)
        return cached

    def cells(self) -> int:
        """Photos on show in the grid (the sheet's or the widgets')."""
        return len(self.items) if self.query("#photos-sheet") else len(self.query(".photo-cell"))

    def _mark(self) -> None:
        sheet = self.query("#photos-sheet")
        if sheet:
            sheet.first(Static).update(self._sheet())
            return
        for index, cell in enumerate(self.query(".photo-cell")):
            cell.set_class(index == self.chosen, "-chosen")
            cell.query_one(".caption", Static).update(self._caption(self.items[index], index == self.chosen))

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
