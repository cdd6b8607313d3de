"""The stand-in follows the contract of 2026-12-02 (shared/openai-images.md section A).

Shut-down models answer 404 `model_not_found` in the real shape, also as the
default of a request without `model`; dates take effect by themselves and the
account's dates (set by a test) outrank the shipped table. Images 2.6 takes
xhigh/max, markup and `complexity`, which every other model refuses. The model
list carries `shutdown_date`. GPT edits not asked to be opaque come back with a
fifth of their pixels fully transparent, and a forced mode punches those holes
even into opaque ones. The `usage` of a live model costs, by core.jobs.cost's token
rates, what core.jobs.cost estimated for the request (section 12).
"""

from __future__ import annotations

import base64
import json
from collections import deque
from datetime import date

import httpx
import numpy as np
import pytest
from PIL import Image

from core.jobs.cost import actual_cost, estimate
from standin import render, rules
from standin.results import input_image_tokens, output_image_tokens
from standin.server import running_standin
from tests.test_standin import (
    KEY,
    client_for,
    decoded,
    edit,
    encode,
    error_of,
    gen,
    image_part,
    mask_png,
    picture,
    sse,
)

SHUT_DOWN = [
    "gpt-image-1.5",
    "gpt-image-1.5-2025-12-16",
    "gpt-image-1-mini",
    "chatgpt-image-latest",
    "gpt-image-1",
    "dall-e-2",
    "dall-e-3",
]
LIVE = [
    "gpt-image-2",
    "gpt-image-2-2026-04-21",
    "gpt-image-2.5-sunburst",
    "gpt-image-2.5-sunburst-2026-09-08",
    "gpt-image-2.5-flare",
    "gpt-image-2.5-flare-2026-09-08",
    "gpt-image-2.6-sunburst",
    "gpt-image-2.6-flare",
]
TODAY = date(2026, 12, 2)
W, H = 1024, 640
PIXELS = W * H


@pytest.fixture
def server():
    # Pinned, so the suite means the same thing whatever the machine's clock says.
    with running_standin(today=TODAY) as s:
        yield s


@pytest.fixture
def client(server):
    with client_for(server) as c:
        yield c


@pytest.fixture
def old_client():
    with running_standin(legacy=True, today=TODAY) as s, client_for(s) as c:
        yield c


def not_found_body(model: str) -> dict:
    return {
        "error": {
            "message": f"The model `{model}` does not exist or you do not have access to it.",
            "type": "invalid_request_error",
            "param": None,
            "code": "model_not_found",
        }
    }


def listed(client: httpx.Client) -> dict[str, str | None]:
    body = client.get("/models").json()
    assert body["object"] == "list"
    return {m["id"]: m["shutdown_date"] for m in body["data"]}


def alpha_of(response: httpx.Response, index: int = 0) -> np.ndarray:
    assert response.status_code == 200, response.text
    image = decoded(response.json()["data"][index]["b64_json"])
    return np.asarray(image.convert("RGBA"))[..., 3]


def blob_count(holes: np.ndarray, cell: int = 16) -> int:
    """Connected groups of 16x16 cells that are mostly holes (4-neighbour flood fill)."""
    h, w = holes.shape[0] // cell, holes.shape[1] // cell
    grid = holes[: h * cell, : w * cell].reshape(h, cell, w, cell).mean(axis=(1, 3)) > 0.5
    seen = np.zeros_like(grid)
    count = 0
    for start in zip(*np.nonzero(grid), strict=True):
        if seen[start]:
            continue
        count += 1
        queue = deque([start])
        seen[start] = True
        while queue:
            y, x = queue.popleft()
            for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                if 0 <= ny < h and 0 <= nx < w and grid[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    queue.append((ny, nx))
    return count


MASK_BOX = (100, 60, 900, 560)  # 800x500: 61 % of the frame, room for every hole


def masked_files(box: tuple[int, int, int, int] = MASK_BOX) -> list:
    return [image_part(picture(W, H)), ("mask", ("m.png", mask_png(W, H, box), "image/png"))]


def inside(box: tuple[int, int, int, int]) -> np.ndarray:
    where = np.zeros((H, W), bool)
    where[box[1] : box[3], box[0] : box[2]] = True
    return where


EDIT = {"model": "gpt-image-2", "prompt": "a lighthouse", "size": f"{W}x{H}"}


# ------------------------------------------------------------------ 1. lifecycle


@pytest.mark.parametrize("model", SHUT_DOWN)
def test_shut_down_models_answer_as_models_that_do_not_exist(client, model):
    files = [image_part(picture(256, 256))]
    response = edit(client, files, model=model, prompt="p")
    assert error_of(response, 404) and response.json() == not_found_body(model)
    response = gen(client, model=model, prompt="p")
    assert response.status_code == 404 and response.json() == not_found_body(model)


def test_edit_without_model_gets_the_shut_down_documented_default(client, server):
    response = edit(client, [image_part(picture(256, 256))], prompt="p")
    assert error_of(response, 404) and response.json() == not_found_body("gpt-image-1.5")
    assert server.requests[-1].model is None  # the client sent none
    # A generation with a GPT-only field defaults to gpt-image-1, gone since 2026-10-23.
    response = gen(client, prompt="p", background="opaque")
    assert response.json() == not_found_body("gpt-image-1")


def test_legacy_server_keeps_the_old_defaults_and_models(old_client):
    response = edit(old_client, [image_part(picture(256, 256))], prompt="p", size="1024x1024")
    assert response.status_code == 200, response.text
    assert response.json()["size"] == "1024x1024"
    variation = old_client.post(
        "/images/variations", files=[image_part(picture(256, 256))], data={"size": "256x256"}
    )
    assert variation.status_code == 200, variation.text
    assert set(SHUT_DOWN) <= set(listed(old_client))


@pytest.mark.parametrize(
    ("today", "served"),
    [("2026-11-30", True), ("2026-12-01", False), ("2026-12-02", False)],
)
def test_a_shutdown_date_takes_effect_by_itself(today, served):
    with running_standin(today=today) as s, client_for(s) as c:
        status = gen(c, model="gpt-image-1.5", prompt="p", size="1024x1024").status_code
        assert status == (200 if served else 404)
        # Listed while it answers, with the date it stops; dropped from then on.
        assert listed(c).get("gpt-image-1.5", "absent") == ("2026-12-01" if served else "absent")


def test_the_day_can_move_on_a_running_server(server, client):
    server.today = "2026-11-30"
    assert gen(client, model="gpt-image-1-mini", prompt="p").status_code == 200
    server.today = date(2026, 12, 1)
    assert gen(client, model="gpt-image-1-mini", prompt="p").status_code == 404
    server.today = None  # back to the machine's clock
    assert server.today == date.today()


def test_azure_keeps_gpt_image_15_until_its_own_date(server):
    url = server.root_url + "/openai/deployments/gpt-image-1.5/images/generations"
    call = {"params": {"api-version": "2025-04-01-preview"}, "headers": {"api-key": KEY}}
    body = {"prompt": "a fox", "size": "1024x1024"}
    assert httpx.post(url, json=body, **call).status_code == 200
    server.today = "2026-12-16"  # section A: Azure retires gpt-image-1.5 that day
    assert error_of(httpx.post(url, json=body, **call), 404)["code"] == "model_not_found"


# ------------------------------------------------------------------ 2. images 2.6


@pytest.mark.parametrize("model", ["gpt-image-2.6-sunburst", "gpt-image-2.6-flare"])
@pytest.mark.parametrize("quality", ["low", "medium", "high", "xhigh", "max"])
def test_images_26_qualities(client, model, quality):
    response = gen(client, model=model, prompt="p", size="1536x864", quality=quality)
    assert response.status_code == 200, response.text
    assert (response.json()["quality"], response.json()["size"]) == (quality, "1536x864")


def test_auto_quality_on_26_and_max_refused_on_gpt_image_2(client):
    assert gen(client, model="gpt-image-2.6-flare", prompt="p").json()["quality"] == "high"
    error = error_of(gen(client, **{**EDIT, "quality": "max"}), 400)
    assert (error["param"], error["code"]) == ("quality", "invalid_value")


@pytest.mark.parametrize("level", ["low", "medium", "high"])
def test_complexity_on_26_generations_and_edits(client, level):
    body = {"model": "gpt-image-2.6-sunburst", "prompt": "p", "complexity": level}
    assert gen(client, **body).status_code == 200
    response = edit(client, [image_part(picture(W, H))], **body, background="opaque")
    assert response.status_code == 200, response.text
    json_edit = {
        **body,
        "images": [{"image_url": "data:image/png;base64," + _b64(encode(picture(W, H)))}],
    }
    assert client.post("/images/edits", json=json_edit).status_code == 200


@pytest.mark.parametrize(
    "model", [m for m in LIVE if not m.startswith("gpt-image-2.6")] + ["dall-e-3"]
)
def test_complexity_is_refused_everywhere_but_26(model):
    with running_standin(legacy=True, today=TODAY) as s, client_for(s) as c:
        response = gen(c, model=model, prompt="p", complexity="low")
        assert error_of(response, 400) == {
            "message": f"Unsupported parameter: 'complexity' is not supported with the model "
            f"'{model}'.",
            "type": "invalid_request_error",
            "param": "complexity",
            "code": "unsupported_parameter",
        }
        assert s.rejected[-1].error_code == "unsupported_parameter"


def test_unknown_complexity_value_on_26(client):
    body = {"model": "gpt-image-2.6-flare", "prompt": "p", "complexity": "extreme"}
    error = error_of(gen(client, **body), 400)
    assert (error["param"], error["code"]) == ("complexity", "invalid_value")
    assert "'low', 'medium', and 'high'" in error["message"]


def scribble(width: int = W, height: int = H) -> tuple:
    """A transparent PNG with one opaque stroke: a markup."""
    rgba = np.zeros((height, width, 4), np.uint8)
    rgba[height // 2 - 4 : height // 2 + 4, width // 4 : 3 * width // 4] = (255, 0, 0, 255)
    return ("markup", ("k.png", encode(Image.fromarray(rgba)), "image/png"))


@pytest.mark.parametrize("model", ["gpt-image-2.6-sunburst", "gpt-image-2.6-flare"])
def test_markup_on_26(client, model):
    base = {"model": model, "prompt": "p", "size": f"{W}x{H}"}
    ok = edit(client, [image_part(picture(W, H)), scribble()], **base)
    assert ok.status_code == 200, ok.text
    with_mask = [*masked_files(), scribble()]
    error = error_of(edit(client, with_mask, **base), 400)
    assert (error["param"], error["message"]) == (
        "markup",
        "'markup' cannot be combined with 'mask'.",
    )
    opaque = ("markup", ("k.png", mask_png(W, H, (0, 0, 0, 0)), "image/png"))
    error = error_of(edit(client, [image_part(picture(W, H)), opaque], **base), 400)
    assert (error["param"], error["code"]) == ("markup", "invalid_markup")
    small = edit(client, [image_part(picture(W, H)), scribble(512, 320)], **base)
    assert error_of(small, 400)["code"] == "invalid_markup_size"


def test_markup_is_refused_on_gpt_image_2(client):
    error = error_of(edit(client, [image_part(picture(W, H)), scribble()], **EDIT), 400)
    assert (error["param"], error["code"]) == ("markup", "unsupported_parameter")


# ------------------------------------------------------------------ 3. the model list


def test_model_list_carries_shutdown_date_and_drops_the_dead(client):
    body = client.get("/models").json()
    for entry in body["data"]:
        assert set(entry) == {"id", "object", "created", "owned_by", "shutdown_date"}
        assert entry["object"] == "model"
    assert listed(client) == dict.fromkeys(LIVE)
    one = client.get("/models/gpt-image-2.6-flare").json()
    assert (one["id"], one["shutdown_date"]) == ("gpt-image-2.6-flare", None)
    assert client.get("/models/gpt-image-1.5").json() == not_found_body("gpt-image-1.5")


def test_legacy_list_has_dall_e_2_without_a_date(old_client):
    models = listed(old_client)
    assert models["dall-e-2"] is None and set(models.values()) == {None}


def test_the_account_outranks_the_shipped_data(server, client):
    # A future date is listed and the model still answers.
    server.set_shutdown_date("gpt-image-2.6-flare", "2027-03-01")
    assert listed(client)["gpt-image-2.6-flare"] == "2027-03-01"
    assert client.get("/models/gpt-image-2.6-flare").json()["shutdown_date"] == "2027-03-01"
    assert gen(client, model="gpt-image-2.6-flare", prompt="p").status_code == 200
    # A date that has passed drops it, as OpenAI drops shut-down models.
    server.set_shutdown_date("gpt-image-2", date(2026, 12, 1))
    assert "gpt-image-2" not in listed(client)
    assert gen(client, **EDIT).json() == not_found_body("gpt-image-2")
    # And the account can keep a model the shipped table calls shut down.
    server.set_shutdown_date("gpt-image-1.5", "2026-12-16")
    assert listed(client)["gpt-image-1.5"] == "2026-12-16"
    assert gen(client, model="gpt-image-1.5", prompt="p").status_code == 200
    assert server.shutdown_dates == {
        "gpt-image-2.6-flare": "2027-03-01",
        "gpt-image-2": "2026-12-01",
        "gpt-image-1.5": "2026-12-16",
    }
    server.clear_shutdown_dates()
    assert listed(client) == dict.fromkeys(LIVE)
    with pytest.raises(KeyError):
        server.set_shutdown_date("gpt-image-9", None)


def test_lifecycle_control_route_for_clients_inside_a_host(server, client):
    route = server.root_url + "/_standin/lifecycle"
    reply = httpx.post(route, json={"model": "gpt-image-2.5-flare", "shutdown_date": "2027-01-15"})
    assert reply.json() == {
        "today": "2026-12-02",
        "shutdown_dates": {"gpt-image-2.5-flare": "2027-01-15"},
    }
    assert listed(client)["gpt-image-2.5-flare"] == "2027-01-15"
    httpx.post(route, json={"today": "2027-01-15"})
    assert "gpt-image-2.5-flare" not in listed(client)
    assert httpx.get(route).json()["today"] == "2027-01-15"
    httpx.post(route, json={"clear": True, "today": "2026-11-30"})
    assert listed(client)["gpt-image-1.5"] == "2026-12-01"
    assert (
        httpx.post(route, json={"model": "gpt-image-9", "shutdown_date": None}).status_code == 400
    )
    assert httpx.post(route, json={"today": "yesterday"}).status_code == 400
    assert all(r.endpoint == "models" for r in server.requests)  # control calls unrecorded


# ------------------------------------------------------------------ 4. partly transparent edits


def test_auto_edit_comes_back_a_fifth_transparent_in_blobs_inside_the_mask(client):
    response = edit(client, masked_files(), **EDIT)
    holes = alpha_of(response) == 0
    assert holes.sum() == round(0.217 * PIXELS)
    assert not holes[~inside(MASK_BOX)].any()  # all inside the area being edited
    assert 1 <= blob_count(holes) <= 8  # a few blobs, not noise
    assert set(np.unique(alpha_of(response))) == {0, 255}
    # The real service reported nothing unusual: the stand-in reports "opaque" too,
    # so a client must look at the pixels, not the field.
    assert response.json()["background"] == "opaque"


def test_holes_keep_the_rgb_and_the_drift_outside_the_mask(client):
    source = np.asarray(picture(W, H)).astype(int)
    response = edit(client, masked_files(), **EDIT)
    rgba = np.asarray(decoded(response.json()["data"][0]["b64_json"])).astype(int)
    assert rgba.shape == (H, W, 4)
    drift = np.abs(rgba[..., :3] - source)
    outside = ~inside(MASK_BOX)
    assert drift[outside].min() == 1 and drift[outside].max() == 3  # re-rendered, shifted
    holes = rgba[..., 3] == 0
    assert drift[holes].mean() > 30  # the edit's paint is still under the holes
    assert rgba[holes][:, :3].any()  # not blanked to black


def test_explicit_auto_is_the_same_as_no_background(client):
    absent = edit(client, masked_files(), **EDIT).json()["data"][0]["b64_json"]
    # a fresh server: on the same one an identical request is a repeat, rendered anew
    with running_standin(today=TODAY) as fresh, client_for(fresh) as other:
        auto = edit(other, masked_files(), **EDIT, background="auto").json()["data"][0]
    assert absent == auto["b64_json"]


def test_opaque_edit_is_fully_opaque(client):
    response = edit(client, masked_files(), **EDIT, background="opaque")
    assert alpha_of(response).min() == 255
    assert response.json()["background"] == "opaque"


def test_transparent_edit_has_transparency_and_says_so(client):
    response = edit(client, masked_files(), **EDIT, background="transparent")
    assert (alpha_of(response) == 0).sum() >= round(0.217 * PIXELS)
    assert response.json()["background"] == "transparent"


def test_whole_image_edit_for_variations_has_holes_too(client):
    response = edit(client, [image_part(picture(W, H))], **EDIT)
    holes = alpha_of(response) == 0
    assert holes.sum() == round(0.217 * PIXELS) and 1 <= blob_count(holes) <= 8


def test_a_small_mask_is_all_holes_and_the_rest_spills_out(client):
    box = (0, 0, 256, 256)  # 10 % of the frame
    holes = alpha_of(edit(client, masked_files(box), **EDIT)) == 0
    assert holes[inside(box)].all()
    assert holes.sum() == round(0.217 * PIXELS)


def test_json_edit_and_every_image_of_n_have_holes(client):
    url = "data:image/png;base64," + _b64(encode(picture(W, H)))
    response = client.post("/images/edits", json={**EDIT, "images": [{"image_url": url}], "n": 2})
    for index in (0, 1):
        assert (alpha_of(response, index) == 0).sum() == round(0.217 * PIXELS)


def test_jpeg_edits_and_generations_stay_opaque(client):
    jpeg = edit(client, masked_files(), **EDIT, output_format="jpeg")
    assert decoded(jpeg.json()["data"][0]["b64_json"]).mode == "RGB"
    assert alpha_of(gen(client, **EDIT)).min() == 255


def test_dalle_edits_on_legacy_have_no_holes(old_client):
    body = {"model": "dall-e-2", "prompt": "p", "size": "256x256", "response_format": "b64_json"}
    response = edit(old_client, [image_part(picture(256, 256))], **body)
    assert alpha_of(response).min() == 255


def test_streamed_edit_keeps_its_partials_and_ends_with_holes(client):
    files = masked_files()
    with client.stream(
        "POST", "/images/edits", data={**EDIT, "stream": "true", "partial_images": "2"}, files=files
    ) as response:
        events = sse(response)
    assert [n for n, _ in events] == ["image_edit.partial_image"] * 2 + ["image_edit.completed"]
    final = np.asarray(decoded(events[-1][1]["b64_json"]).convert("RGBA"))
    assert (final[..., 3] == 0).sum() == round(0.217 * PIXELS)
    gaps = [
        np.abs(np.asarray(decoded(d["b64_json"]).convert("RGBA")).astype(float) - final).mean()
        for _, d in events[:2]
    ]
    assert gaps[0] > gaps[1] > 0


def test_forced_holes_mode_punches_opaque_edits(server, client):
    server.forced_holes = 0.3
    response = edit(client, masked_files(), **EDIT, background="opaque")
    assert (alpha_of(response) == 0).sum() == round(0.3 * PIXELS)
    assert response.json()["background"] == "opaque"  # as asked, whatever the pixels say
    assert alpha_of(gen(client, **EDIT)).min() == 255  # generations stay as they are
    server.forced_holes = 0.0
    assert alpha_of(edit(client, masked_files(), **EDIT, background="opaque")).min() == 255


def test_forced_holes_by_fault_header_queue_and_control_route(server, client):
    opaque = {**EDIT, "background": "opaque"}
    by_header = client.post(
        "/images/edits",
        data=opaque,
        files=masked_files(),
        headers={"X-Standin-Fault": "holes; fraction=0.25"},
    )
    assert (alpha_of(by_header) == 0).sum() == round(0.25 * PIXELS)
    assert server.requests[-1].fault == "holes"
    server.inject("transparent_holes")  # the field's share by default
    assert (alpha_of(edit(client, masked_files(), **opaque)) == 0).sum() == round(0.217 * PIXELS)
    assert alpha_of(edit(client, masked_files(), **opaque)).min() == 255  # consumed
    reply = httpx.post(server.root_url + "/_standin/holes", json={"fraction": 0.217})
    assert reply.json() == {"forced_holes": 0.217} and server.forced_holes == 0.217
    assert (alpha_of(edit(client, masked_files(), **opaque)) == 0).any()


def test_standin_cli_forwards_today(monkeypatch):
    seen = {}

    class Probe:
        def __init__(self, **kwargs):
            seen.update(kwargs)
            raise SystemExit(0)

    monkeypatch.setattr("standin.__main__.StandinServer", Probe)
    from standin.__main__ import main

    with pytest.raises(SystemExit):
        main(["--today", "2026-11-30"])
    assert seen["today"] == "2026-11-30"


# ------------------------------------------------------------------ golden tests: pure parts


def test_punch_holes_golden():
    base = Image.fromarray(np.full((4, 5, 3), 90, np.uint8))
    region = Image.fromarray(np.array([[255] * 2 + [0] * 3] * 4, np.uint8))
    out = np.asarray(render.punch_holes(1, base, region, fraction=0.25))
    assert out.shape == (4, 5, 4)
    holes = out[..., 3] == 0
    assert holes.sum() == 5 and not holes[:, 2:].any()  # 5 of 20, all in the 8-pixel region
    assert (out[..., :3] == 90).all()  # RGB kept
    assert np.array_equal(out, np.asarray(render.punch_holes(1, base, region, fraction=0.25)))


def test_rules_table_lifecycle():
    assert {m for m, r in rules.MODELS.items() if r.shutdown is None} == set(LIVE)
    assert rules.MODELS["gpt-image-1.5-2025-12-16"].shutdown == date(2026, 12, 1)
    assert [m for m, r in rules.MODELS.items() if r.complexity] == [
        "gpt-image-2.6-sunburst",
        "gpt-image-2.6-flare",
    ]
    assert all(rules.MODELS[m].markup and "max" in rules.MODELS[m].qualities for m in LIVE[2:])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_control_body_must_be_json(server):
    reply = httpx.post(
        server.root_url + "/_standin/holes",
        content=b"{nope",
        headers={"Content-Type": "application/json"},
    )
    assert reply.status_code == 400 and "JSON" in json.loads(reply.content)["error"]


# ------------------------------------------------------------------ 5. usage follows today's prices
#
# What the stand-in bills (its `usage`, booked by core.jobs.cost.actual_cost) must agree
# with what the plug-in estimated beforehand (core.jobs.cost.estimate over core/jobs/prices.json)
# for the live models, as the real service's usage agrees with its published prices
# (shared/openai-images.md section 12: a per-image price is the output-token cost of
# one image). Before the stand-in's token table followed the model family, gpt-image-2
# and later billed gpt-image-1's counts: half the estimate at medium and high, a third
# more at low.

USAGE_MODELS = ["gpt-image-2.6-flare", "gpt-image-2"]
QUALITIES = ["low", "medium", "high"]
PROMPT = "a lighthouse at dusk, seen from the cliff path"
TOLERANCE = 0.25


def _booked_and_estimated(model, quality, size, usage, n=1, inputs=(), partials=0):
    """(actual_cost of the reply's usage, estimate of the same request)."""
    booked = actual_cost(model, usage)
    est = estimate(
        model,
        quality,
        size,
        n,
        len(PROMPT),
        input_images=len(inputs),
        input_pixels=sum(w * h for w, h in inputs),
        partial_images=partials,
    )
    assert booked is not None and booked > 0
    return booked, est.usd


def _output_side(model, usage):
    """What the reply's output tokens alone cost: the images, without prompt or inputs."""
    return actual_cost(
        model,
        {
            "output_tokens": usage["output_tokens"],
            "output_tokens_details": usage["output_tokens_details"],
        },
    )


@pytest.mark.parametrize("model", USAGE_MODELS)
@pytest.mark.parametrize("quality", QUALITIES)
@pytest.mark.parametrize("size", ["1024x1024", "1024x1536", "1536x1024", "1024x640"])
def test_generation_usage_costs_what_was_estimated(client, model, quality, size):
    response = gen(client, model=model, prompt=PROMPT, size=size, quality=quality)
    assert response.status_code == 200, response.text
    usage = response.json()["usage"]
    booked, estimated = _booked_and_estimated(model, quality, size, usage)
    assert booked == pytest.approx(estimated, rel=TOLERANCE)
    # The image part on its own is the per-image price (tokens = price / $30 per M).
    images_only = estimate(model, quality, size).usd
    assert _output_side(model, usage) == pytest.approx(images_only, rel=0.02)


# Edits: the input is the size of the output and square or 1024x640, where the
# stand-in's tile count and core.jobs.cost's square-equivalent one agree (765 tokens
# both). For a 1536x1024 input they do not (1105 against 765: see
# test_input_image_tokens_follow_the_documented_tile_formula).
@pytest.mark.parametrize("model", USAGE_MODELS)
@pytest.mark.parametrize("quality", QUALITIES)
@pytest.mark.parametrize(("width", "height"), [(1024, 1024), (1024, 640)])
def test_masked_edit_usage_costs_what_was_estimated(client, model, quality, width, height):
    box = (width // 8, height // 8, width // 2, height // 2)
    files = [
        image_part(picture(width, height)),
        ("mask", ("m.png", mask_png(width, height, box), "image/png")),
    ]
    size = f"{width}x{height}"
    response = edit(
        client, files, model=model, prompt=PROMPT, size=size, quality=quality, background="opaque"
    )
    assert response.status_code == 200, response.text
    usage = response.json()["usage"]
    assert usage["input_tokens_details"]["image_tokens"] == 765  # the image; the mask is free
    booked, estimated = _booked_and_estimated(model, quality, size, usage, inputs=[(width, height)])
    assert booked == pytest.approx(estimated, rel=TOLERANCE)
    assert _output_side(model, usage) == pytest.approx(estimate(model, quality, size).usd, rel=0.02)


@pytest.mark.parametrize("quality", ["auto", "xhigh", "max"])
def test_auto_xhigh_and_max_on_26_cost_what_was_estimated(client, quality):
    """auto is billed as high; xhigh/max as prices.json's guessed multiples of high."""
    model = "gpt-image-2.6-flare"
    body = {"model": model, "prompt": PROMPT, "size": "1536x1024"}
    if quality != "auto":
        body["quality"] = quality
    usage = gen(client, **body).json()["usage"]
    booked, estimated = _booked_and_estimated(model, quality, "1536x1024", usage)
    assert booked == pytest.approx(estimated, rel=TOLERANCE)
    images_only = estimate(model, quality, "1536x1024").usd
    assert _output_side(model, usage) == pytest.approx(images_only, rel=0.02)


def test_n_images_and_streamed_partials_cost_what_was_estimated(client):
    model = "gpt-image-2.6-flare"
    body = {"model": model, "prompt": PROMPT, "size": "1024x1024", "quality": "medium"}
    usage = gen(client, **body, n=2).json()["usage"]
    booked, estimated = _booked_and_estimated(model, "medium", "1024x1024", usage, n=2)
    assert booked == pytest.approx(estimated, rel=TOLERANCE)
    with client.stream(
        "POST", "/images/generations", json={**body, "stream": True, "partial_images": 2}
    ) as response:
        events = sse(response)
    usage = events[-1][1]["usage"]
    booked, estimated = _booked_and_estimated(model, "medium", "1024x1024", usage, partials=2)
    assert booked == pytest.approx(estimated, rel=TOLERANCE)


def test_output_tokens_per_family():
    # gpt-image-2 and later: section 12.2's per-image price / $30 per M (section 12.1).
    for model in (
        "gpt-image-2",
        "gpt-image-2-2026-04-21",
        "gpt-image-2.5-sunburst",
        "gpt-image-2.6-flare",
    ):
        assert [output_image_tokens(q, 1024, 1024, model) for q in QUALITIES] == [200, 1767, 7033]
        assert [output_image_tokens(q, 1024, 1536, model) for q in QUALITIES] == [167, 1367, 5500]
        assert [output_image_tokens(q, 1536, 1024, model) for q in QUALITIES] == [167, 1367, 5500]
        assert output_image_tokens("high", 1024, 640, model) == round(7033 * 0.625)
        assert output_image_tokens("xhigh", 1024, 1024, model) == 2 * 7033
        assert output_image_tokens("max", 1536, 1024, model) == 4 * 5500
    # gpt-image-1, 1.5 and mini (legacy compatible servers) keep gpt-image-1's counts.
    for model in ("gpt-image-1", "gpt-image-1.5", "gpt-image-1-mini", "chatgpt-image-latest"):
        assert [output_image_tokens(q, 1024, 1024, model) for q in QUALITIES] == [272, 1056, 4160]
        assert [output_image_tokens(q, 1536, 1024, model) for q in QUALITIES] == [400, 1568, 6208]


def test_legacy_models_bill_gpt_image_1_counts(old_client):
    for model in ("gpt-image-1", "gpt-image-1.5", "gpt-image-1-mini"):
        reply = gen(old_client, model=model, prompt="p", size="1024x1536", quality="high")
        assert reply.json()["usage"]["output_tokens"] == 6240, model
    reply = gen(old_client, model="gpt-image-2", prompt="p", size="1024x1536", quality="high")
    assert reply.json()["usage"]["output_tokens"] == 5500


def test_input_image_tokens_follow_the_documented_tile_formula():
    # core/jobs/prices.json "input_image_tokens": fit in 2048x2048, short side down to 768,
    # 85 + 170 per 512-px tile, counted on the image's own sides.
    assert input_image_tokens((1024, 1024), None) == 85 + 170 * 4  # 768x768: 2x2 tiles
    assert input_image_tokens((1024, 640), None) == 85 + 170 * 4  # not enlarged: 2x2
    assert input_image_tokens((1536, 1024), None) == 85 + 170 * 6  # 1152x768: 3x2
    assert input_image_tokens((4096, 1024), None) == 85 + 170 * 4  # 2048x512: 4x1
    assert input_image_tokens((1536, 1024), "high") == 2 * (85 + 170 * 6)
