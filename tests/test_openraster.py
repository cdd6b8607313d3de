"""OpenRaster files (core/pixels/openraster.py), read back the way GIMP's
file-openraster plug-in and Krita read them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.pixels.geometry import Point
from core.pixels.imaging import Image
from core.pixels.openraster import write_ora


def solid(w: int, h: int, rgba: tuple[int, int, int, int]) -> Image:
    return Image(np.tile(np.array(rgba, np.uint8), (h, w, 1)))


@pytest.fixture
def ora(tmp_path: Path) -> Path:
    original = Image(np.random.default_rng(1).integers(0, 256, (300, 400, 4), dtype=np.uint8))
    original.pixels[..., 3] = 255
    path = tmp_path / "result.ora"
    write_ora(
        path,
        400,
        300,
        [
            ("original", original, Point(0, 0), True),
            ('fox & "snow" <1>', solid(50, 40, (255, 0, 0, 255)), Point(100, 60), True),
            ("fox (2)", solid(50, 40, (0, 0, 255, 255)), Point(120, 70), False),
        ],
    )
    return path


def stack_of(path: Path) -> ET.Element:
    with zipfile.ZipFile(path) as z:
        return ET.fromstring(z.read("stack.xml"))


def test_mimetype_is_first_stored_and_at_the_fixed_offset(ora: Path) -> None:
    with zipfile.ZipFile(ora) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"image/openraster"
    raw = ora.read_bytes()
    assert raw[30:38] == b"mimetype" and raw[38:54] == b"image/openraster"


def test_required_entries_exist_and_are_valid_pngs(ora: Path) -> None:
    with zipfile.ZipFile(ora) as z:
        assert z.testzip() is None
        names = set(z.namelist())
        assert {"stack.xml", "mergedimage.png", "Thumbnails/thumbnail.png"} <= names
        for name in names - {"mimetype", "stack.xml"}:
            assert z.read(name).startswith(b"\x89PNG"), name


def test_stack_lists_top_first_with_offsets_names_and_visibility(ora: Path) -> None:
    image = stack_of(ora)
    assert (image.get("w"), image.get("h")) == ("400", "300")
    layers = image.find("stack")
    assert layers is not None
    attrs = [layer.attrib for layer in layers]
    assert [a["name"] for a in attrs] == ["fox (2)", 'fox & "snow" <1>', "original"]
    assert [(int(a["x"]), int(a["y"])) for a in attrs] == [(120, 70), (100, 60), (0, 0)]
    assert [a["visibility"] for a in attrs] == ["hidden", "visible", "visible"]
    assert all(float(a["opacity"]) == 1.0 for a in attrs)
    assert all(a["composite-op"] == "svg:src-over" for a in attrs)


def test_layer_pixels_round_trip_exactly(ora: Path) -> None:
    with zipfile.ZipFile(ora) as z:
        layers = stack_of(ora).find("stack")
        assert layers is not None
        by_name = {a.get("name"): Image.decode(z.read(a.get("src", ""))) for a in layers}
    assert by_name["fox (2)"].pixels[0, 0].tolist() == [0, 0, 255, 255]
    assert by_name["original"].extent.width == 400


def test_merged_image_shows_only_visible_layers(ora: Path) -> None:
    with zipfile.ZipFile(ora) as z:
        merged = Image.decode(z.read("mergedimage.png"))
        layers = stack_of(ora).find("stack")
        assert layers is not None
        original = Image.decode(z.read(layers[-1].get("src", "")))
    assert (merged.width, merged.height) == (400, 300)
    assert merged.pixels[99, 149].tolist() == [255, 0, 0, 255]  # the visible red patch
    # The hidden blue layer shows neither over the red one nor over the original.
    assert merged.pixels[80, 130].tolist() == [255, 0, 0, 255]
    for y, x in ((105, 165), (10, 10)):
        assert merged.pixels[y, x].tolist() == original.pixels[y, x].tolist()


def test_thumbnail_is_at_most_256_and_keeps_the_aspect(ora: Path) -> None:
    with zipfile.ZipFile(ora) as z:
        thumb = Image.decode(z.read("Thumbnails/thumbnail.png"))
    assert (thumb.width, thumb.height) == (256, 192)


def test_no_temporary_file_is_left_and_bad_sizes_write_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.ora"
    write_ora(path, 8, 8, [("only", solid(8, 8, (1, 2, 3, 255)), Point(0, 0), True)])
    assert [p.name for p in tmp_path.iterdir()] == ["a.ora"]
    with pytest.raises(ValueError):
        write_ora(tmp_path / "b.ora", 0, 8, [])
    assert not (tmp_path / "b.ora").exists()


def test_overwrites_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "a.ora"
    path.write_bytes(b"old")
    write_ora(path, 4, 4, [("x", solid(4, 4, (9, 9, 9, 255)), Point(0, 0), True)])
    with zipfile.ZipFile(path) as z:
        assert z.read("mimetype") == b"image/openraster"
