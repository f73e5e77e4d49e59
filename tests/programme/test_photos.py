"""Progress photos: off by default, real images only (Pillow), size and pixel limits, metadata removed,
thumbnails made once, stored only inside the encrypted database, in the export and the erasure, on screen."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from companion.programme import photos
from companion.programme.photos import PhotoError
from tests.programme.conftest import NOW


def jpeg(path: Path, size: tuple[int, int] = (640, 480), colour: tuple[int, int, int] = (200, 80, 40),
         gps: bool = False) -> Path:
    picture = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    if gps:
        exif[0x8825] = {1: "N", 2: (52.0, 22.0, 1.0), 3: "E", 4: (4.0, 53.0, 2.0)}  # GPSInfo
    picture.save(path, "JPEG", exif=exif)
    return path


def test_prepare_strips_metadata_and_makes_a_thumbnail(tmp_path) -> None:  # type: ignore[no-untyped-def]
    source = jpeg(tmp_path / "p.jpg", gps=True)
    assert b"CameraMaker" in source.read_bytes()
    prepared = photos.prepare(photos.read_file(source))
    assert b"CameraMaker" not in prepared.image and b"Exif" not in prepared.image
    stored = Image.open(io.BytesIO(prepared.image))
    assert stored.format == "JPEG" and stored.size == (640, 480) and not stored.getexif()
    thumb = Image.open(io.BytesIO(prepared.thumbnail))
    assert max(thumb.size) <= 240
    cells = photos.half_blocks(prepared.thumbnail, 10, 4)
    assert len(cells) == 4 and len(cells[0]) == 10


def test_not_an_image_too_big_and_too_many_pixels(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo at all", encoding="utf-8")
    with pytest.raises(PhotoError, match="not a photo"):
        photos.prepare(photos.read_file(text))
    huge = tmp_path / "huge.jpg"
    with open(huge, "wb") as fh:  # 200 MB, sparse: refused by its size before anything is read
        fh.truncate(200 * 1024 * 1024)
    with pytest.raises(PhotoError, match="200 MB"):
        photos.read_file(huge)
    gif = tmp_path / "a.gif"
    Image.new("P", (32, 32)).save(gif, "GIF")
    with pytest.raises(PhotoError, match="not a photo"):
        photos.prepare(gif.read_bytes())
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (4, 4)).save(tiny, "PNG")
    with pytest.raises(PhotoError, match="16 x 16"):
        photos.prepare(tiny.read_bytes())
    with pytest.raises(PhotoError, match="does not exist"):
        photos.read_file(tmp_path / "missing.jpg")
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(jpeg(tmp_path / "whole.jpg").read_bytes()[:300])
    with pytest.raises(PhotoError, match="not a photo"):
        photos.prepare(truncated.read_bytes())


def _enable(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("[programme]\nphotos = true\n", encoding="utf-8")


def test_cli_photos_off_by_default_then_import_list_show_delete(onboarded_cli, home, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from companion.store import Store

    source = jpeg(tmp_path / "front.jpg", gps=True)
    code, _out, err = onboarded_cli("photos", "import", str(source))
    assert code == 1 and "Progress photos are off" in err
    _enable(home)
    code, out, err = onboarded_cli("photos", "import", str(source), "--note", "front", "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["width"] == 640 and info["shared"] is False
    assert onboarded_cli("photos", "import", str(source))[0] == 1  # the same photo twice
    code, _out, err = onboarded_cli("photos", "import", str(tmp_path))
    assert code == 1 and err.count("\n") == 1
    code, out, _err = onboarded_cli("photos", "list", "--json")
    assert [p["note"] for p in json.loads(out)] == ["front"]
    # never a plain file in the data directory: only companion.db, its WAL, key.json, config.toml
    assert {p.name for p in home.iterdir()} <= {"companion.db", "companion.db-wal", "companion.db-shm", "key.json",
                                               "config.toml"}
    assert onboarded_cli("photos", "share", str(info["id"]), "on")[0] == 0
    with Store.open(home) as store:
        profile = store.profiles.active()
        assert [p.id for p in store.programme.shareable_photos(profile.id)] == [info["id"]]  # type: ignore[union-attr]
    target = tmp_path / "out.jpg"
    assert onboarded_cli("photos", "show", str(info["id"]), "--output", str(target))[0] == 0
    assert Image.open(target).size == (640, 480) and oct(os.stat(target).st_mode & 0o777) == "0o600"
    assert onboarded_cli("photos", "show", str(info["id"]), "--output", str(target))[0] == 1  # never overwrites
    assert onboarded_cli("photos", "delete", str(info["id"]))[0] == 0
    assert onboarded_cli("photos", "delete", str(info["id"]))[0] == 1


def _photo_store(store: Any, profile: Any, tmp_path: Path, count: int = 3) -> list[int]:
    from datetime import timedelta

    ids = []
    for i in range(count):
        prepared = photos.prepare(jpeg(tmp_path / f"{i}.jpg", colour=(10 * i, 100, 200)).read_bytes())
        photo_id = store.programme.add_photo(profile.id, prepared, NOW - timedelta(days=30 * (count - i)), f"n{i}")
        assert photo_id is not None
        ids.append(photo_id)
    return ids


def test_photos_in_export_and_erasure(store, profile, home, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from companion.privacy import erasure
    from companion.privacy.export import export

    ids = _photo_store(store, profile, tmp_path)
    target = tmp_path / "export.zip"
    export(store, "zip", target)
    archive = zipfile.ZipFile(target)
    files = sorted(n for n in archive.namelist() if n.startswith("photos/"))
    assert len(files) == 3 and all(n.endswith(".jpg") for n in files)
    assert Image.open(io.BytesIO(archive.read(files[0]))).format == "JPEG"
    rows = json.loads(archive.read("data.json"))["tables"]["progress_photo"]
    assert {r["file"] for r in rows} == set(files) and "image" not in rows[0] and "thumbnail" not in rows[0]
    manifest = {f["name"] for f in json.loads(archive.read("manifest.json"))["files"]}
    assert set(files) <= manifest
    single = tmp_path / "data.json"
    export(store, "json", single)
    assert "base64" in json.loads(single.read_text())["tables"]["progress_photo"][0]["image"]
    result = erasure.erase_category(store, "health-data")
    assert result.rows["progress_photo"] == 3 and store.programme.photo_count(profile.id) == 0
    assert store.programme.thumbnails(ids) == {}


async def test_photo_grid_and_side_by_side(app_factory, store, profile, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from companion.tui.screens.photos import PhotosScreen

    from .conftest import settle

    _photo_store(store, profile, tmp_path, count=10)
    app = app_factory(store)
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f11")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PhotosScreen)
        assert "Photos 1-8 of 10" in str(screen.query_one("#photos-title").render())
        sheet = str(screen.query_one("#photos-sheet").content)
        assert screen.cells() == 8 and "▀" in sheet and "▶ " in sheet
        assert sheet.count("2026-") + sheet.count("2025-") == 8
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert screen.cells() == 2
        await pilot.press("right")
        await pilot.press("enter")
        await pilot.pause()
        panes = screen.query("#photos-compare > Vertical")
        assert len(panes) == 2 and not screen.query_one("#photos-grid").display
        await pilot.press("s")
        await pilot.pause()
        assert len(store.programme.shareable_photos(profile.id)) == 1
        await pilot.press("escape")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, PhotosScreen)


def test_rotated_photos_are_turned_upright(tmp_path) -> None:  # type: ignore[no-untyped-def]
    picture = Image.new("RGB", (64, 32), (1, 2, 3))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    exif[0x010F] = "CameraMaker"
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif)
    prepared = photos.prepare(out.getvalue())
    assert (prepared.width, prepared.height) == (32, 64) and b"CameraMaker" not in prepared.image


@given(st.binary(max_size=300))
def test_jpeg_segment_stripper_never_raises(data: bytes) -> None:
    result = photos.strip_jpeg_metadata(b"\xff\xd8" + data)
    assert result is None or (result.startswith(b"\xff\xd8") and b"\xff\xda" in result)
