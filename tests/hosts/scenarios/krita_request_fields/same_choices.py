"""The same choices for every entry point, and what the stand-in must then receive.

Shared by krita_request_fields (Krita scripting and the Krita docker) and
gimp_request_fields (the GIMP procedures): the in-host scripts make their calls
with these values, and both check.py files judge the requests the stand-in
received against the same expectations, so the same choices give the same
request in every host. Standard library only at import: imported inside Krita,
inside GIMP's batch Python and by the project's .venv (by path, from this
folder); `core_facts` alone imports the project's core, outside the hosts.
"""

from __future__ import annotations

import json
import os
import re

PROMPT = "a lighthouse on a cliff at dusk"
MODEL = "gpt-image-2.5-sunburst"  # a live model, not the default one: the choice must travel
QUALITY = "low"
SIZE = "1024x1024"
N = 2
BACKGROUND = "opaque"
OUTPUT_FORMAT = "webp"  # Krita scripting's keyword; the docker and GIMP take it from settings
PADDING = 32  # context pixels around an edit's selection

# one opaque layer over the whole canvas; the edit's selection lies inside it
W, H = 320, 240
SELECTION = (96, 64, 128, 96)  # x, y, w, h

# saved settings of the "saved" case, and the per-job cap of the "cap" case
SAVED = {"grow_px": 24, "output_format": "webp"}
CAP = 0.0001

ENDPOINT = {
    "generate": "/images/generations",
    "edit": "/images/edits",
    "variation": "/images/edits",
}  # a gpt-image variation is an unmasked edit


def pattern_rgba():
    """The layer's pixels as RGBA bytes (row-major): opaque, a gradient with stripes."""
    out = bytearray()
    for y in range(H):
        for x in range(W):
            out += bytes(((x * 3) & 255, (y * 5) & 255, (x ^ y) & 255, 255))
    return bytes(out)


def settings_path():
    return os.path.join(os.environ["OPENAI_IMAGES_CONFIG_DIR"], "settings.json")


class SavedSettings:
    """Write settings.json for a while, then put back what was there (or nothing)."""

    def __init__(self, values):
        self.values = values
        self.path = settings_path()
        self.before = None

    def __enter__(self):
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as f:
                self.before = f.read()
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump({"version": 1, **self.values}, f)
        return self

    def __exit__(self, *exc):
        if self.before is None:
            os.remove(self.path)
        else:
            with open(self.path, "w", encoding="utf-8") as f:
                f.write(self.before)
        return False

    def restored(self):
        """True when the file is what it was before (absent, or the same text)."""
        if self.before is None:
            return not os.path.exists(self.path)
        with open(self.path, encoding="utf-8") as f:
            return f.read() == self.before


# -- judging (outside, in check.py) --------------------------------------------------------
# What the parts of one request must be, in every host: for SIZE 1024x1024, the image (of
# the edit's context, or of the whole canvas for a variation) and the mask at that size.
PART_SIZES = {
    "generate": [],
    "edit": [("image", 1024, 1024), ("mask", 1024, 1024)],
    "variation": [("image", 1024, 1024)],
}
IMAGE_TYPES = ("image/png", "image/webp", "image/jpeg")


def text(value):
    """A received field as text: JSON bodies (generations) carry numbers and booleans,
    multipart forms (edits) strings; the same choice must read the same in both."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def fields_of(request):
    return {key: text(value) for key, value in sorted(request["fields"].items())}


def core_facts():
    """The core's own figures for these choices (the project's .venv only, never in a host):
    the prompt a variation without one gets, and the estimate of the generate job with
    the saved settings of the cap case (what the refusal must name)."""
    from core.api.requests import DEFAULT_VARIATION_PROMPT
    from core.jobs.options import Choices, job_options
    from core.jobs.quote import quote_generate
    from core.pixels.geometry import Bounds
    from core.store.settings import Settings

    choices = Choices(
        model=MODEL, quality=QUALITY, size=SIZE, n=N, background=BACKGROUND, stream=False
    )
    settings = Settings(**SAVED, spend_cap_job_usd=CAP)
    estimate = quote_generate(Bounds(0, 0, W, H), job_options(settings, choices), PROMPT).usd
    return {"variation_prompt": DEFAULT_VARIATION_PROMPT, "generate_estimate": estimate}


def expected_fields(kind, output_format=None, n=N, stream=False):
    """The fields every entry point must send for the choices above (none else)."""
    fields = {
        "model": MODEL,
        "n": str(n),
        "size": SIZE,
        "quality": QUALITY,
        "background": BACKGROUND,
        "prompt": PROMPT if kind != "variation" else core_facts()["variation_prompt"],
    }
    if output_format:
        fields["output_format"] = output_format
    if stream:  # the core's default number of partial images
        fields.update(stream="true", partial_images="2")
    return fields


def differences(got, want):
    """{field: (received, expected)} for every field that is not as expected."""
    return {
        k: (got.get(k), want.get(k))
        for k in sorted(set(got) | set(want))
        if got.get(k) != want.get(k)
    }


def check_request(where, request, kind, want):
    assert request["path"].endswith(ENDPOINT[kind]), (
        f"{where}: sent to {request['path']}, not {ENDPOINT[kind]}"
    )
    assert request["status"] == 200 and request.get("valid") is not False, (
        f"{where}: the stand-in answered {request['status']} ({request.get('error')})"
    )
    got = fields_of(request)
    differ = differences(got, want)
    assert not differ, (
        f"{where}: the fields differ from the choices (field: (received, expected)): {differ}"
    )
    check_parts(where, request, kind)
    return got


def check_requests(where, requests, kind, output_format=None):
    """`requests` (the stand-in's records of one job) is one valid request of `kind`
    carrying exactly the expected fields and parts; returns its fields."""
    assert len(requests) == 1, (
        f"{where}: {len(requests)} Images requests reached the stand-in, not 1: "
        f"{[(r['path'], fields_of(r)) for r in requests]}"
    )
    return check_request(where, requests[0], kind, expected_fields(kind, output_format))


def check_streamed(where, requests, output_format=None):
    """Streaming chosen (the docker's box, ticked from the saved stream_previews): a
    generate of N images goes as N streamed requests of one image each
    (core.jobs.recipes.split)."""
    got = [(r["path"], fields_of(r)) for r in requests]
    assert len(requests) == N, (
        f"{where}: {len(requests)} Images requests, not the {N} streamed ones of n=1 that "
        f"streaming gives: {got}"
    )
    want = expected_fields("generate", output_format, n=1, stream=True)
    for i, request in enumerate(requests):
        check_request(f"{where}, request {i + 1}", request, "generate", want)


def check_parts(where, request, kind):
    got = [(f["name"].removesuffix("[]"), f["width"], f["height"]) for f in request["files"]]
    assert got == PART_SIZES[kind], (
        f"{where}: file parts (name, width, height) {got}, not {PART_SIZES[kind]}"
    )
    for part in request["files"]:
        assert part["content_type"] in IMAGE_TYPES, (
            f"{where}: part {part['name']} sent as {part['content_type']}"
        )
        if part["name"] == "mask":
            assert part["content_type"] == "image/png", (
                f"{where}: the mask sent as {part['content_type']}, not image/png (alpha)"
            )


def shapes(request):
    """The file parts as (name, content type, width, height): what two entry points
    must send alike for the same canvas and choices."""
    return [(f["name"], f["content_type"], f["width"], f["height"]) for f in request["files"]]


CAP_MESSAGE = re.compile(r"estimated \$(\d+\.\d+) is over the per-job cap of \$(\d+\.\d+)")


def check_cap_message(where, message, estimate):
    """The refusal names the job's estimate and the cap, each as the figure it rounds to."""
    found = CAP_MESSAGE.search(message or "")
    assert found, f"{where}: no estimate and per-job cap in the message {message!r}"
    for name, figure, value in (
        ("estimate", found.group(1), estimate),
        ("cap", found.group(2), CAP),
    ):
        decimals = len(figure.split(".")[1])
        assert abs(float(figure) - value) <= 0.5 * 10**-decimals + 1e-12, (
            f"{where}: the message gives the {name} as ${figure}, but it is ${value}: {message!r}"
        )
