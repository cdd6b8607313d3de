"""Pixels in and out (core/pixels/imaging.py): host byte orders, decoding any mode,
the alpha-correct resize, exact "over" compositing and upload encoding."""

from __future__ import annotations

import dataclasses
import io
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image as PILImage

from core.models.catalogue import get_model
from core.pixels.geometry import Bounds, Extent, Point
from core.pixels.imaging import (
    Image,
    ImageDecodeError,
    Mask,
    composite_over,
    encode_upload,
)


def solid(w: int, h: int, rgba: tuple[int, int, int, int]) -> Image:
    return Image(np.tile(np.array(rgba, np.uint8), (h, w, 1)))


def photo_like(w: int, h: int, seed: int = 1) -> Image:
    """Smooth structure plus sensor noise: compresses like a photograph."""
    rng = np.random.default_rng(seed)
    coarse = (rng.random((h // 32 + 2, w // 32 + 2, 3)) * 255).astype(np.uint8)
    field = np.asarray(
        PILImage.fromarray(coarse).resize((w, h), PILImage.Resampling.BICUBIC), np.float32
    )
    noisy = field + rng.normal(0, 3, field.shape)
    return Image.from_array(np.clip(noisy, 0, 255).astype(np.uint8))


def flat_art(w: int, h: int) -> Image:
    p = np.zeros((h, w, 4), np.uint8)
    p[...] = (240, 240, 235, 255)
    p[h // 8 : h // 2, w // 8 : w // 2] = (200, 30, 30, 255)
    p[h // 2 :, w // 3 :] = (20, 60, 200, 255)
    p[:, : w // 20, 3] = 0
    return Image(p)


def png_bytes(img: PILImage.Image, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", **kw)
    return buf.getvalue()


# -- host byte orders -------------------------------------------------------


def test_bgra_bytes_are_reordered_to_rgba_and_back() -> None:
    data = bytes([1, 2, 3, 4, 5, 6, 7, 8])  # two Krita pixels: B G R A
    img = Image.from_bgra_bytes(data, 2, 1)
    assert img.pixels.tolist() == [[[3, 2, 1, 4], [7, 6, 5, 8]]]
    assert img.to_bgra_bytes() == data
    assert img.to_rgba_bytes() == bytes([3, 2, 1, 4, 7, 6, 5, 8])


def test_padded_rows_are_read_with_their_stride() -> None:
    # 1x2 image, each row padded to 8 bytes; the last row need not be padded.
    data = bytes([10, 20, 30, 40, 99, 99, 99, 99, 50, 60, 70, 80])
    img = Image.from_rgba_bytes(data, 1, 2, stride=8)
    assert img.pixels[:, 0].tolist() == [[10, 20, 30, 40], [50, 60, 70, 80]]


def test_short_pixel_data_is_refused() -> None:
    with pytest.raises(ValueError, match="needed"):
        Image.from_bgra_bytes(b"\0" * 7, 2, 1)


def test_from_array_converts_depths_and_channel_counts() -> None:
    grey16 = np.array([[0, 256, 32896, 65535]], np.uint16)
    assert Image.from_array(grey16).pixels[0, :, 0].tolist() == [0, 1, 128, 255]
    floats = np.array([[[0.0, 0.5, 1.0]]], np.float32)
    assert Image.from_array(floats).pixels.tolist() == [[[0, 128, 255, 255]]]
    la = np.array([[[7, 9]]], np.uint8)
    assert Image.from_array(la).pixels.tolist() == [[[7, 7, 7, 9]]]
    assert Image.from_array(np.array([[True, False]])).pixels[0, :, 0].tolist() == [255, 0]
    with pytest.raises(ValueError):
        Image.from_array(np.zeros((2, 2, 5), np.uint8))


def test_image_rejects_wrong_shapes() -> None:
    with pytest.raises(ValueError):
        Image(np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(ValueError):
        Image(np.zeros((2, 2, 4), np.float32))


# -- decoding ---------------------------------------------------------------


def test_png_and_lossless_webp_round_trip_exactly() -> None:
    rng = np.random.default_rng(3)
    img = Image(rng.integers(0, 256, (9, 13, 4), dtype=np.uint8))
    img.pixels[0, 0] = (200, 100, 50, 0)  # colour under a transparent pixel survives too
    assert np.array_equal(Image.decode(img.to_png()).pixels, img.pixels)
    assert np.array_equal(Image.decode(img.to_png(compress_level=1)).pixels, img.pixels)
    assert np.array_equal(Image.decode(img.to_webp_lossless()).pixels, img.pixels)


def test_decode_jpeg_is_opaque_rgba() -> None:
    buf = io.BytesIO()
    PILImage.new("RGB", (8, 6), (250, 10, 10)).save(buf, format="JPEG", quality=95)
    img = Image.decode(buf.getvalue())
    assert img.extent == Extent(8, 6) and img.is_opaque
    assert abs(int(img.pixels[3, 3, 0]) - 250) < 6


@pytest.mark.parametrize(
    ("pil", "expected"),
    [
        (PILImage.new("L", (1, 1), 77), [77, 77, 77, 255]),
        (PILImage.new("LA", (1, 1), (77, 50)), [77, 77, 77, 50]),
        (PILImage.new("RGB", (1, 1), (1, 2, 3)), [1, 2, 3, 255]),
        (PILImage.new("1", (1, 1), 1), [255, 255, 255, 255]),
    ],
)
def test_decode_converts_modes_to_rgba(pil: PILImage.Image, expected: list[int]) -> None:
    assert Image.decode(png_bytes(pil)).pixels[0, 0].tolist() == expected


def test_palette_transparency_becomes_alpha() -> None:
    pal = PILImage.new("P", (2, 1))
    pal.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    pal.putpixel((0, 0), 0)
    pal.putpixel((1, 0), 1)
    img = Image.decode(png_bytes(pal, transparency=0))
    assert img.pixels[0].tolist() == [[255, 0, 0, 0], [0, 0, 255, 255]]


def test_sixteen_bit_grey_keeps_its_range() -> None:
    grey = PILImage.fromarray(np.array([[0, 32896, 65535]], np.uint16))
    img = Image.decode(png_bytes(grey))
    assert img.pixels[0, :, 0].tolist() == [0, 128, 255]  # Pillow's convert would clip to 255


def test_gif_gives_its_first_frame() -> None:
    frames = [PILImage.new("RGB", (4, 4), c) for c in ((255, 0, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    assert Image.decode(buf.getvalue()).pixels[0, 0, :3].tolist() == [255, 0, 0]


def test_exif_orientation_is_applied() -> None:
    exif = PILImage.Exif()
    exif[0x0112] = 6  # rotated 90 degrees clockwise
    buf = io.BytesIO()
    PILImage.new("RGB", (40, 10), (0, 128, 0)).save(buf, format="JPEG", exif=exif)
    assert Image.decode(buf.getvalue()).extent == Extent(10, 40)


@pytest.mark.parametrize("data", [b"", b"hello, not an image", b"%PDF-1.4\n" + b"x" * 100])
def test_non_images_raise_a_decode_error(data: bytes) -> None:
    with pytest.raises(ImageDecodeError):
        Image.decode(data)


def test_truncated_png_raises_a_decode_error() -> None:
    data = photo_like(64, 64).to_png()
    with pytest.raises(ImageDecodeError, match="damaged|truncated"):
        Image.decode(data[: len(data) // 2])


def test_oversized_image_is_refused_before_decoding() -> None:
    with pytest.raises(ImageDecodeError, match="larger than the limit"):
        Image.decode(solid(40, 30, (0, 0, 0, 255)).to_png(), max_pixels=1000)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_decompression_bomb_header_is_refused() -> None:
    # A valid PNG header claiming 100000 x 100000 pixels with almost no data.
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 6, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + _png_chunk(b"IEND", b"")
    )
    with pytest.raises(ImageDecodeError):
        Image.decode(data)


def test_decode_error_is_a_value_error() -> None:
    assert issubclass(ImageDecodeError, ValueError)


# -- crop and resize --------------------------------------------------------


def test_crop_outside_the_image_is_transparent() -> None:
    img = Image(np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4))
    out = img.crop(Bounds(-1, 1, 3, 2))
    assert out.extent == Extent(3, 2)
    assert out.pixels[0, 0].tolist() == [0, 0, 0, 0]
    assert out.pixels[0, 1].tolist() == img.pixels[1, 0].tolist()
    assert out.pixels[0, 2].tolist() == img.pixels[1, 1].tolist()
    assert not out.pixels[1].any()


def test_resize_down_does_not_darken_next_to_transparent_pixels() -> None:
    # Opaque red beside transparent black: a naive average would give dark red.
    img = Image(np.array([[[255, 0, 0, 255], [0, 0, 0, 0]]], np.uint8))
    out = img.resize(Extent(1, 1))
    assert out.pixels[0, 0, :3].tolist() == [255, 0, 0]
    assert out.pixels[0, 0, 3] in (127, 128)


def test_resize_keeps_a_uniform_colour_exactly_whatever_the_alpha() -> None:
    p = np.zeros((6, 6, 4), np.uint8)
    p[..., :3] = (30, 200, 90)
    p[..., 3] = np.linspace(0, 255, 36).reshape(6, 6).astype(np.uint8)
    p[:, 3:, :3] = 0  # garbage colour under...
    p[:, 3:, 3] = 0  # ...fully transparent pixels must not bleed in
    for size in (Extent(15, 11), Extent(3, 2)):
        out = Image(p).resize(size)
        visible = out.pixels[..., 3] > 0
        assert visible.any()
        assert (out.pixels[visible][:, :3] == (30, 200, 90)).all()


def test_resize_opaque_stays_opaque_and_same_size_copies() -> None:
    img = photo_like(40, 30)
    small = img.resize(Extent(20, 15))
    assert small.extent == Extent(20, 15) and small.is_opaque
    same = img.resize(img.extent)
    assert np.array_equal(same.pixels, img.pixels) and same.pixels is not img.pixels


# -- compositing ------------------------------------------------------------


def test_over_golden_values() -> None:
    base = Image(np.array([[[10, 20, 30, 255], [0, 0, 255, 128], [9, 9, 9, 0]]], np.uint8))
    top = Image(np.array([[[200, 100, 0, 128], [255, 0, 0, 128], [50, 60, 70, 128]]], np.uint8))
    out = composite_over(base, top, Point(0, 0)).pixels[0].tolist()
    # a = 128/255 = 0.50196. Opaque base: c = 200a + 10(1-a) = 105.37 -> 105, ...
    assert out[0] == [105, 60, 15, 255]
    # Both half transparent: alpha = a + a(1-a) = 0.75196 -> 192;
    # red = 255a / 0.75196 = 170.2 -> 170; blue = 255 a (1-a) / 0.75196 = 84.8 -> 85.
    assert out[1] == [170, 0, 85, 192]
    # Over a fully transparent pixel the top comes out unchanged.
    assert out[2] == [50, 60, 70, 128]


def test_over_places_the_top_at_an_offset_and_clips_it() -> None:
    base = solid(4, 3, (0, 0, 0, 255))
    top = solid(3, 3, (255, 255, 255, 255))
    out = composite_over(base, top, Point(2, -1)).pixels
    assert out[..., 0].tolist() == [[0, 0, 255, 255], [0, 0, 255, 255], [0, 0, 0, 0]]


pixel_arrays = hnp.arrays(np.uint8, st.tuples(st.integers(1, 6), st.integers(1, 6), st.just(4)))


@settings(max_examples=60)
@given(pixel_arrays, pixel_arrays, st.integers(-3, 3), st.integers(-3, 3))
def test_over_copies_untouched_and_fully_covered_pixels_exactly(
    base_px: np.ndarray, top_px: np.ndarray, dx: int, dy: int
) -> None:
    top_px[::2, ::2, 3] = 0  # make sure there are transparent and opaque pixels
    top_px[1::2, 1::2, 3] = 255
    base, top = Image(base_px), Image(top_px)
    out = composite_over(base, top, Point(dx, dy)).pixels
    alpha = np.full(base_px.shape[:2], -1)  # the top's alpha over each pixel; -1 = not under it
    placed = Bounds(dx, dy, top.width, top.height).intersect(Bounds(0, 0, base.width, base.height))
    if not placed.is_empty:
        src = top_px[placed.y - dy : placed.bottom - dy, placed.x - dx : placed.right - dx, 3]
        alpha[placed.y : placed.bottom, placed.x : placed.right] = src
    untouched = alpha <= 0
    assert np.array_equal(out[untouched], base_px[untouched])
    full = alpha == 255
    if full.any():
        ys, xs = np.nonzero(full)
        assert np.array_equal(out[ys, xs], top_px[ys - dy, xs - dx])


# -- masks ------------------------------------------------------------------


def test_mask_from_bytes_and_crop_in_document_coordinates() -> None:
    mask = Mask.from_bytes(bytes([0, 64, 128, 255, 1, 2]), Bounds(10, 20, 3, 2))
    assert mask.coverage.tolist() == [[0, 64, 128], [255, 1, 2]]
    assert mask.crop(Bounds(11, 19, 3, 2)).tolist() == [[0, 0, 0], [64, 128, 0]]
    with pytest.raises(ValueError):
        Mask(np.zeros((2, 2), np.uint8), Bounds(0, 0, 3, 2))


# -- upload encoding --------------------------------------------------------


@pytest.mark.parametrize("make", [photo_like, flat_art])
def test_lossless_webp_at_method_0_is_smaller_than_png(make) -> None:
    """The measurement behind encode_upload's rule (sizes, not times)."""
    img = make(384, 256)
    assert len(img.to_webp_lossless(method=0)) < len(img.to_png(compress_level=6))


def test_gpt_image_upload_is_lossless_webp_with_a_proper_name_and_type() -> None:
    img = flat_art(64, 48)
    up = encode_upload(img, get_model("gpt-image-2"))
    assert (up.filename, up.mime, up.extent) == ("image.webp", "image/webp", Extent(64, 48))
    assert up.data[:4] == b"RIFF" and up.data[8:12] == b"WEBP"
    assert np.array_equal(Image.decode(up.data).pixels, img.pixels)


def test_model_without_webp_gets_png() -> None:
    spec = dataclasses.replace(get_model("gpt-image-1.5"), edit_input_formats=("png", "jpeg"))
    up = encode_upload(flat_art(32, 32), spec, name="ref")
    assert (up.filename, up.mime) == ("ref.png", "image/png")
    assert up.data.startswith(b"\x89PNG")


def test_lossy_only_model_is_refused() -> None:
    spec = dataclasses.replace(get_model("gpt-image-1.5"), edit_input_formats=("jpeg",))
    with pytest.raises(ValueError, match="lossless"):
        encode_upload(flat_art(32, 32), spec)


def test_dall_e_2_takes_only_a_square_png() -> None:
    spec = get_model("dall-e-2")
    up = encode_upload(flat_art(64, 64), spec)
    assert (up.filename, up.mime) == ("image.png", "image/png")
    with pytest.raises(ValueError, match="square"):
        encode_upload(flat_art(64, 48), spec)


def test_square_png_over_the_byte_limit_is_shrunk_until_it_fits() -> None:
    spec = dataclasses.replace(get_model("dall-e-2"), edit_image_max_bytes=60_000)
    rng = np.random.default_rng(5)
    noise = Image(rng.integers(0, 256, (256, 256, 4), dtype=np.uint8))  # incompressible
    up = encode_upload(noise, spec)
    assert len(up.data) < 60_000
    assert up.extent.width == up.extent.height < 256
    assert up.extent.width % 16 == 0
    assert Image.decode(up.data).extent == up.extent


def test_forced_square_png_for_the_variations_endpoint() -> None:
    up = encode_upload(flat_art(32, 32), get_model("gpt-image-2"), square_png=True)
    assert up.mime == "image/png"
