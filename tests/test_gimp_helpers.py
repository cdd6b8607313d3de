"""GIMP plug-in: pure helpers for pixels, regions, messages and the vendored-library check."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.gimp_package import gimp_module

ROOT = Path(__file__).resolve().parents[1]


snapshots = gimp_module("snapshots")
messages = gimp_module("messages")
_vendor = gimp_module("_vendor")
errors = gimp_module("core.errors")
geometry = gimp_module("core.pixels.geometry")
imaging = gimp_module("core.pixels.imaging")
jobs = gimp_module("core.jobs.runner")
planning = gimp_module("core.pixels.planning")


def test_rgba_bytes_round_trip_keeps_channel_order_and_rows():
    data = bytes(range(2 * 3 * 4))  # 3 wide, 2 high, as Gegl hands out "R'G'B'A u8"
    image = imaging.Image.from_rgba_bytes(data, 3, 2)
    assert image.extent == geometry.Extent(3, 2)
    assert list(image.pixels[1, 2]) == [20, 21, 22, 23]  # row 1, column 2: R,G,B,A
    assert image.to_rgba_bytes() == data


def test_wrong_byte_counts_are_refused():
    with pytest.raises(ValueError):
        imaging.Image.from_rgba_bytes(bytes(11), 3, 1)
    with pytest.raises(ValueError):
        imaging.Mask.from_bytes(bytes(5), geometry.Bounds(0, 0, 3, 2))


def test_results_are_written_in_bands_that_cover_every_row_once():
    """GIMP's u8 write into a 16-bit ClayRGB layer was wrong (issue 15): results go
    through float a band at a time (canvas._write; the host suite's gimp_colour
    proves the levels), and the bands must tile the patch."""
    assert list(snapshots.band_rows(5, rows=2)) == [(0, 2), (2, 2), (4, 1)]
    assert list(snapshots.band_rows(0)) == []
    assert sum(n for _, n in snapshots.band_rows(1000)) == 1000


def test_selection_bounds_from_gimps_tuple():
    bounds = snapshots.selection_bounds((True, True, 8, 8, 24, 20))  # x2, y2 exclusive
    assert bounds == geometry.Bounds(8, 8, 16, 12)
    assert snapshots.selection_bounds((True, False, 0, 0, 64, 48)) is None
    assert snapshots.selection_bounds((False, True, 0, 0, 1, 1)) is None


def test_layer_read_rect_accounts_for_layer_offsets():
    region = geometry.Bounds(10, 20, 30, 40)
    rect = snapshots.layer_read_rect(region, geometry.Point(-5, 7))
    assert rect == geometry.Bounds(15, 13, 30, 40)


def test_candidates_stack_above_the_anchor_first_on_top():
    # (candidate, position among siblings, 0 = top): candidate 0 uppermost, all above the anchor
    assert snapshots.stacking_positions(2, 3) == [(0, 2), (1, 3), (2, 4)]
    assert snapshots.stacking_positions(0, 1) == [(0, 0)]


@pytest.mark.parametrize(
    "error, words",
    [
        (errors.AuthenticationError("bad key", status=401), ["API key", "401", "Settings"]),
        (errors.ModerationError("blocked", status=400, code="moderation_blocked"), ["safety"]),
        (errors.QuotaError("no money", status=429, code="insufficient_quota"), ["credit"]),
        (errors.APITimeoutError("slow"), ["timed out"]),
        (errors.ValidationError("size", "must be 1024x1024"), ["size must be 1024x1024"]),
        (messages.UserError("Type a prompt first."), ["Type a prompt first."]),
    ],
)
def test_errors_become_one_sentence_for_the_artist(error, words):
    text = messages.describe(error)
    assert text.startswith("OpenAI Images: ")
    assert "Traceback" not in text and "\n" not in text
    for word in words:
        assert word in text


def test_unchanged_image_is_promised_for_refusals():
    for error in (
        errors.AuthenticationError("bad key", status=401),
        errors.ModerationError("blocked", status=400, code="moderation_blocked"),
    ):
        assert "nothing was added" in messages.describe(error)


def test_request_id_is_kept_once():
    error = errors.ModerationError("blocked", status=400, request_id="req_123")
    assert messages.describe(error).count("req_123") == 1
    error = errors.InternalServerError("boom", status=500, request_id="req_9")
    assert messages.describe(error).count("req_9") == 1


def test_a_key_in_an_error_never_reaches_the_message():
    key = "sk-proj-" + "A1b2C3d4" * 6
    text = messages.describe(errors.APIConnectionError(f"proxy said Bearer {key}"))
    assert key not in text


def test_stage_text_names_the_stage_and_candidate():
    assert "rendering" in messages.stage_text("rendering")
    assert "candidate 2 of 3" in messages.stage_text("downloading", 1, 3)
    assert "candidate" not in messages.stage_text("downloading", 0, 1)


def test_vendor_folder_goes_first_on_sys_path_once(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    assert not _vendor.activate(str(tmp_path / "missing"))
    assert _vendor.activate(str(tmp_path))
    assert _vendor.activate(str(tmp_path))
    assert sys.path[0] == str(tmp_path) and sys.path.count(str(tmp_path)) == 1


def test_missing_library_gives_one_message_naming_it():
    assert _vendor.missing_dependency((("json", "json"),)) is None
    text = _vendor.missing_dependency((("json", "json"), ("no_such_lib_xyz", "NoSuchLib")))
    assert "NoSuchLib" in text and "Reinstall" in text and "\n" not in text


def test_the_settings_window_turns_the_ai_marking_off():
    settings_dialog = gimp_module("settings_dialog")
    settings = gimp_module("core.store.settings").Settings()
    assert settings.mark_provenance is True  # on by default (issue 21)
    updated = settings_dialog.apply_form(settings, {}, {"mark_provenance": False})
    assert updated.mark_provenance is False


def test_numpy_and_pillow_are_required_where_the_bundle_ships_them(tmp_path):
    """The Windows GIMP bundle has no numpy: the lean engine runs, nothing to report. A
    Linux bundle ships them per Python: a damaged one must be named, not run slower."""
    own = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    windows = tmp_path / "windows"
    (windows / "common" / "httpx").mkdir(parents=True)
    assert [m for m, _ in _vendor.required(str(windows))] == ["httpx", "certifi"]
    linux = tmp_path / "linux"
    (linux / "common" / "httpx").mkdir(parents=True)
    (linux / own / "numpy").mkdir(parents=True)
    assert [m for m, _ in _vendor.required(str(linux))] == ["numpy", "PIL", "httpx", "certifi"]
