"""GIMP generate, checked from outside: new layers named after the prompt sit over the
selection's box (or the whole canvas), the first visible, the rest hidden, and the
exported image shows the result inside the box and the white background outside, and
carries the XMP that says an AI model made it (issue 21)."""

from __future__ import annotations

import numpy as np

TIMEOUT = 240


def check(result) -> None:
    sel = result.facts["selection"]
    assert sel["call"]["success"], f"generate over a selection failed: {sel['call']}"
    assert sel["call"]["count"] == 2
    new, rest = sel["layers"][:2], sel["layers"][2:]
    assert [r["name"] for r in rest] == ["Background"], sel["layers"]
    for layer in new:
        assert (layer["x"], layer["y"], layer["w"], layer["h"]) == (20, 16, 96, 64), layer
        assert "lighthouse" in layer["name"].lower(), layer
        assert layer["name"].startswith("AI: "), layer  # marked as AI-made (issue 21)
    assert [n["visible"] for n in new] == [True, False]

    png = result.image("generate.png")
    outside = np.ones(png.shape[:2], bool)
    outside[16:80, 20:116] = False
    assert (png[outside] == 255).all(), "pixels outside the selection's box changed"
    assert (png[~outside] != 255).any(), "nothing was painted inside the box"
    # provenance (issue 21): GIMP's own export wrote the XMP our procedure put on the image
    from core.pixels.provenance import IPTC_SOURCE, read_xmp

    assert result.facts["xmp_export"], "GIMP's PNG export with include-xmp failed"
    xmp = read_xmp((result.out / "generate-xmp.png").read_bytes())
    assert xmp is not None, "GIMP's PNG export carries no XMP"
    assert (IPTC_SOURCE + "trainedAlgorithmicMedia").encode() in xmp, xmp[-1200:]
    # (GIMP writes its own xmp:CreatorTool over ours; our namespace keeps model and id)
    assert b"HistoryId" in xmp and b"gpt-image" in xmp, xmp[-1200:]

    canvas = result.facts["canvas"]
    assert canvas["call"]["success"], f"generate over the canvas failed: {canvas['call']}"
    top = canvas["layers"][0]
    assert (top["x"], top["y"], top["w"], top["h"]) == (0, 0, 160, 120), top
    assert top["visible"] and len(canvas["layers"]) == 2

    settings = result.facts["settings"]
    assert settings["success"], f"the settings procedure failed: {settings}"
    report = settings["report"]
    assert report["key_source"] == "env:OPENAI_API_KEY", report
    assert settings["key_set"] and not settings["report_shows_key"], "whole key shown"

    # issue 16: the Windows bundle's contents run the lean engine, the Linux bundle numpy,
    # and every history sidecar says which
    engine = "lean" if result.facts["bundle"] == "windows-x64" else "numpy"
    engines = result.facts["pixel_engines"]
    assert engines and set(engines) == {engine}, f"sidecars name {engines}, not {engine}"
    assert result.facts["settings"]["report"]["pixel_engine"] == engine, result.facts["settings"]
