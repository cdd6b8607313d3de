"""One path for every entry point: the CLI, Krita scripting and the GIMP procedures.

Given the same choices over the same saved settings, each entry point must send the
same requests to the stand-in, take the same spend-cap decision, refuse the same
"nothing to edit", and quote the figure the runner then checks. One helper per entry
point runs it as its host does (`core.cli.main`; `workflow.start` with fake Krita
objects; `workflows.generate/edit/variations` with GIMP's pixel reads served from
numpy) and returns what reached the stand-in and what the artist was told.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import re
import sys
import types
from dataclasses import dataclass

import numpy as np
import pytest

from core.cli import main as cli_main
from core.jobs.recipes import REMOVAL_PROMPT
from core.models.catalogue import get_model
from core.pixels.geometry import Bounds
from core.pixels.imaging import Image, Mask
from core.pixels.planning import CanvasSnapshot, ContextOptions, context_region, variation_region
from core.store.settings import Settings

from .test_gimp_helpers import gimp_module
from .test_krita_adapter import FakeSelection, plugin, rgba8_document  # noqa: F401 (fixture)

PROMPT = "a lighthouse at dusk"
MODEL = "gpt-image-2.6-flare"
W, H = 640, 480
BOX = Bounds(200, 150, 160, 120)  # the selection of the edit cases
# previews saved off too: the matrix streams nowhere (streaming is on only when chosen)
SAVED = {"grow_px": 4, "output_format": "webp", "context_padding_px": 96,
         "stream_previews": False,
         "spend_cap_job_usd": 1.0}  # a per-job cap well above every estimate here
CAP_BELOW = 0.004  # below every estimate here (they are 1 to 4 cents)
ENTRIES = ("cli", "krita", "gimp")


def _pixels(alpha: int) -> np.ndarray:
    """A smooth RGB gradient (cheap to encode) with one alpha everywhere."""
    ys, xs = np.mgrid[0:H, 0:W]
    rgb = np.stack([xs * 255 // W, ys * 255 // H, (xs + ys) % 256], axis=-1)
    return np.dstack([rgb, np.full((H, W), alpha)]).astype(np.uint8)


def _selection() -> Mask:
    coverage = np.full((BOX.height, BOX.width), 255, np.uint8)
    coverage[[0, -1], :] = coverage[:, [0, -1]] = 128  # a soft edge
    return Mask(coverage, BOX)


@dataclass(frozen=True)
class Case:
    """One job: its kind, the layer's pixels, the selection, the artist's choices."""

    name: str
    kind: str  # generate, edit, variation
    pixels: np.ndarray
    selection: Mask | None
    choices: dict
    endpoint: str = "edits"
    parts: tuple[str, ...] = ("image", "mask")
    prompt: str = PROMPT


COMMON = {"model": MODEL, "quality": "low", "n": 2, "output_format": "webp", "stream": False}
CASES = [
    Case("generate", "generate", np.zeros((1024, 1024, 4), np.uint8), None,
         {**COMMON, "size": "1024x1024", "background": "opaque"}, "generations", ()),
    Case("edit", "edit", _pixels(255), _selection(),
         {**COMMON, "size": "auto", "background": "opaque", "padding": 32}),
    # a variation of gpt-image-2.6 is an unmasked edit; GIMP's variations take no background
    # choice, and the core asks for "opaque" over an opaque layer by itself
    Case("variation", "variation", _pixels(255), None,
         {**COMMON, "size": "auto", "background": "opaque"}, parts=("image",)),
    # no selection, a half-transparent layer: the core fills the transparent pixels
    Case("alpha", "edit", _pixels(128), None,
         {**COMMON, "size": "1024x1024", "background": "opaque", "padding": 32}),
]
OPAQUE_FILL = Case("opaque", "edit", _pixels(255), None, CASES[3].choices)


@dataclass
class Outcome:
    requests: list  # the stand-in's records of this run
    estimate: float | None = None  # what the runner checked (job.result.estimate)
    quote: float | None = None  # what the panel or dialog showed before sending
    message: str = ""  # what the artist was told when the job did not go through
    reason: str | None = None  # NothingToEditError.reason, where the entry point exposes it


def sent(outcome: Outcome) -> list:
    """What each request carried: endpoint, every field, every file part's shape and bytes."""
    return [
        (r.endpoint, {k: str(v) for k, v in r.fields.items()},
         [(f.name, f.width, f.height, f.sha256) for f in r.files])
        for r in outcome.requests
    ]


def _taken(standin) -> list:
    requests = list(standin.requests)
    standin.clear_requests()
    return requests


# -- the CLI ---------------------------------------------------------------------------
CLI_FLAGS = {"model": "--model", "size": "--size", "quality": "--quality", "n": "-n",
             "background": "--background", "output_format": "--output-format",
             "padding": "--padding"}  # no --stream: the CLI streams only when asked


def run_cli(case: Case, standin, tmp_path) -> Outcome:
    command = {"generate": "generate", "edit": "edit", "variation": "vary"}[case.kind]
    # the extension says the format (issue 17): the one chosen, else the saved one
    fmt = case.choices.get("output_format") or Settings.load().output_format
    out = tmp_path / "out" / f"cli.{'jpg' if fmt == 'jpeg' else fmt}"
    argv = [command, "--prompt", case.prompt, "--out", str(out)]
    for key, value in case.choices.items():
        if key in CLI_FLAGS:
            argv += [CLI_FLAGS[key], str(value)]
    if case.kind != "generate":
        (tmp_path / "layer.png").write_bytes(Image(case.pixels).to_png())
        argv += ["--image", str(tmp_path / "layer.png")]
    if case.kind == "edit" and case.selection is None:
        argv.append("--alpha")  # what the plug-ins do with no selection, asked for by flag
    elif case.selection is not None:
        grey = np.zeros((H, W), np.uint8)
        b = case.selection.bounds
        grey[b.y:b.bottom, b.x:b.right] = case.selection.coverage
        white = Image(np.dstack([grey] * 3 + [np.full_like(grey, 255)]))  # white = edit
        (tmp_path / "sel.png").write_bytes(white.to_png())
        argv += ["--selection", str(tmp_path / "sel.png")]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main(argv)
    text = err.getvalue()
    printed = re.search(r"cost: estimated \$(\d+\.\d+)", text)
    return Outcome(_taken(standin), float(printed[1]) if printed else None,
                   message="" if code == 0 else text)


# -- Krita scripting -------------------------------------------------------------------
def run_krita(case: Case, standin, plugin) -> Outcome:  # noqa: F811 (the fixture's value)
    workflow = plugin.workflow
    errors = importlib.import_module("openai_images.core.errors")
    doc, _layer = rgba8_document(case.pixels)
    if case.selection is not None:
        b = case.selection.bounds
        doc.sel = FakeSelection(b.x, b.y, case.selection.coverage)
    plugin.krita.open_documents = [doc]
    keywords = {("count" if k == "n" else k): v for k, v in case.choices.items()}
    quote = workflow.quote(case.kind, doc, case.prompt, **keywords).usd
    workflow.set_runner(None)  # built afresh from this test's environment and settings
    try:
        job = workflow.start(case.kind, doc, case.prompt, auto_apply=False, **keywords)
    except errors.NothingToEditError as exc:
        return Outcome(_taken(standin), None, quote, workflow.describe_error(exc), exc.reason)
    assert job.job.wait(60), "the Krita job did not end"
    while not job.finished:
        job.poll()
    workflow.get_runner().client.close()
    workflow.set_runner(None)
    estimate = job.result.estimate.usd if job.result.estimate else None
    message = "" if job.state == "done" else workflow.describe_error(job.error)
    return Outcome(_taken(standin), estimate, quote, message)


# -- the GIMP procedures ---------------------------------------------------------------
class FakeGimpImage:
    def __init__(self, pixels: np.ndarray, selection: Mask | None) -> None:
        self.pixels, self.selection = pixels, selection

    def get_width(self) -> int:
        return self.pixels.shape[1]

    def get_height(self) -> int:
        return self.pixels.shape[0]


def _gimp_snapshot(image, layer, sample_merged, document_name, *, selection, window=None):
    canvas = Bounds(0, 0, image.get_width(), image.get_height())
    window = window or canvas
    crop = Image(image.pixels).crop(window)
    return CanvasSnapshot(crop, window.offset, selection, document_name, "painted", canvas)


@pytest.fixture(scope="module")
def gimp():
    """The GIMP package's workflows with a fake `gi`; only canvas.py's reads are faked."""
    saved = {name: sys.modules.get(name) for name in ("gi", "gi.repository")}
    gi = types.ModuleType("gi")
    gi.require_version = lambda name, version: None
    gi.repository = types.ModuleType("gi.repository")
    gi.repository.Gimp = gi.repository.Gegl = types.SimpleNamespace()
    sys.modules.update({"gi": gi, "gi.repository": gi.repository})
    ours = ("canvas", "running", "workflows")
    try:
        canvas = gimp_module("canvas")
        canvas.read_selection = lambda image: image.selection
        canvas.read_snapshot = _gimp_snapshot
        canvas.read_layers = lambda image, layers, window=None: []
        canvas.document_name = lambda image: "painting.xcf"
        canvas.active_layer = lambda drawables: drawables[0] if drawables else None
        yield types.SimpleNamespace(
            workflows=gimp_module("workflows"), arguments=gimp_module("arguments"),
            messages=gimp_module("messages"), errors=gimp_module("core.errors"),
        )
    finally:
        package = sys.modules["gimp_plugin"]
        for name in ours:  # they hold the fake Gimp: no other test may get them
            sys.modules.pop(f"gimp_plugin.{name}", None)
            if hasattr(package, name):
                delattr(package, name)
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


GIMP_ARGUMENTS = {"prompt": "prompt", "model": "model", "size": "size", "quality": "quality",
                  "n": "count", "background": "background", "padding": "context-padding",
                  "stream": "stream-previews"}  # no output format argument: the saved one


def gimp_values(gimp, procedure: str, choices: dict):
    """The run's values as GIMP hands them over: the procedure's arguments (their
    defaults where not chosen); a choice the procedure has no argument for is not made."""
    arguments = gimp.arguments
    given = {a.name: a.default for a in arguments.procedure_arguments(procedure)}
    given.update({GIMP_ARGUMENTS[k]: v for k, v in choices.items() if k in GIMP_ARGUMENTS})
    return arguments.read_values(procedure, given.get)


def run_gimp(case: Case, standin, gimp) -> Outcome:
    arguments, workflows = gimp.arguments, gimp.workflows
    procedure, run = {
        "generate": (arguments.GENERATE, workflows.generate),
        "edit": (arguments.EDIT, workflows.edit),
        "variation": (arguments.VARIATIONS, workflows.variations),
    }[case.kind]
    image = FakeGimpImage(case.pixels, case.selection)
    values = gimp_values(gimp, procedure, {**case.choices, "prompt": case.prompt})
    assert arguments.combination_problem(values) is None
    box = Bounds(0, 0, image.get_width(), image.get_height())
    selection = case.selection.bounds if case.selection is not None else None
    quote = workflows.quote(procedure, values, box, selection).usd
    runners: list = []

    def make_runner():
        runners.append(workflows._make_runner())
        return runners[-1]

    try:
        job, _layer = run(image, ["painted"], values, False, make_runner)
    except gimp.errors.NothingToEditError as exc:
        return Outcome(_taken(standin), None, quote, gimp.messages.describe(exc), exc.reason)
    assert job.wait(60), "the GIMP job did not end"
    for runner in runners:
        runner.client.close()
    estimate = job.result.estimate.usd if job.result.estimate else None
    message = "" if job.state == "done" else gimp.messages.describe(job.error)
    return Outcome(_taken(standin), estimate, quote, message)


@pytest.fixture
def entries(api_env, tmp_path, plugin, gimp):  # noqa: F811
    """Each entry point as `run(case) -> Outcome`, against the stand-in, with SAVED saved."""
    Settings(**SAVED).save()
    return {
        "cli": lambda case: run_cli(case, api_env, tmp_path),
        "krita": lambda case: run_krita(case, api_env, plugin),
        "gimp": lambda case: run_gimp(case, api_env, gimp),
    }


def api_size(padding: int | None) -> str:
    """The size "auto" comes to: the context of BOX at `padding`, or (None) the canvas."""
    spec, canvas = get_model(MODEL), Bounds(0, 0, W, H)
    if padding is None:
        api = variation_region(canvas, canvas, spec, "auto")[1]
    else:
        api = context_region(BOX, canvas, spec, ContextOptions(padding_px=padding), "auto")[1]
    return f"{api.width}x{api.height}"


# -- the tests -------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_same_choices_send_the_same_requests_from_every_entry_point(case, entries):
    runs = {name: entries[name](case) for name in ENTRIES}
    sent_by = {name: sent(outcome) for name, outcome in runs.items()}
    assert sent_by["krita"] == sent_by["cli"]
    assert sent_by["gimp"] == sent_by["cli"]
    [(endpoint, fields, files)] = sent_by["cli"]  # n=2 in one request: no streaming
    assert endpoint == case.endpoint
    wanted = {"model": MODEL, "quality": "low", "n": "2", "background": "opaque",
              "output_format": "webp"}
    assert {k: fields.get(k) for k in wanted} == wanted
    # "auto" is fitted to what is sent: the edit's context at the chosen padding (32, not
    # the saved 96), the variation's whole canvas
    size = case.choices["size"]
    if size == "auto":
        size = api_size(case.choices.get("padding"))
    assert fields["size"] == size
    assert tuple(part for part, *_ in files) == case.parts
    # the per-job cap saved (1 USD) is above the estimate: every job went through, and the
    # figure the panel and the dialog showed is the one the runner checked
    assert all(outcome.message == "" for outcome in runs.values())
    krita, gimp = runs["krita"], runs["gimp"]
    assert krita.quote == pytest.approx(krita.estimate, rel=1e-9)
    assert gimp.quote == pytest.approx(gimp.estimate, rel=1e-9)
    assert gimp.estimate == pytest.approx(krita.estimate, rel=1e-9)
    assert runs["cli"].estimate == pytest.approx(krita.estimate, abs=0.0005)  # printed .3f


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_saved_job_cap_below_the_estimate_stops_every_entry_point(case, entries):
    Settings(**{**SAVED, "spend_cap_job_usd": CAP_BELOW}).save()
    runs = {name: entries[name](case) for name in ENTRIES}
    assert {name: outcome.requests for name, outcome in runs.items()} == dict.fromkeys(
        ENTRIES, [])
    estimate = runs["krita"].estimate
    assert estimate > CAP_BELOW and runs["gimp"].estimate == pytest.approx(estimate, rel=1e-9)
    assert runs["krita"].quote == pytest.approx(estimate, rel=1e-9)  # the panel warned of it
    for name, outcome in runs.items():
        said = f"estimated ${estimate:.3f} is over the per-job cap of ${CAP_BELOW:.3f}"
        assert said in outcome.message, name


def test_nothing_to_edit_is_one_rule_for_every_entry_point(entries):
    """An opaque layer with no selection is refused by all, before any request; a
    half-transparent one is filled by all (the "alpha" case of the matrix above)."""
    runs = {name: entries[name](OPAQUE_FILL) for name in ENTRIES}
    assert {name: outcome.requests for name, outcome in runs.items()} == dict.fromkeys(
        ENTRIES, [])
    assert runs["krita"].reason == runs["gimp"].reason == "opaque_layer"
    assert "select an area" in runs["krita"].message
    assert "Select the area to repaint first" in runs["gimp"].message
    # the CLI says the core's own words for the reason, as a usage error
    assert "nothing to edit: nothing is selected and the layer has no transparent pixels" in (
        runs["cli"].message)


def test_an_empty_prompt_removes_the_selection_from_the_cli_and_krita_scripting(entries):
    """Issue 19: an edit with no words removes what is selected, in the core's words, so
    the entry points that leave the prompt to the core send the same request. (The Krita
    docker and the GIMP procedures still refuse an empty prompt before the core sees it.)"""
    case = Case("remove", "edit", _pixels(255), _selection(), CASES[1].choices, prompt="")
    runs = {name: entries[name](case) for name in ("cli", "krita")}
    assert sent(runs["krita"]) == sent(runs["cli"])
    [(endpoint, fields, files)] = sent(runs["cli"])
    assert (endpoint, fields["prompt"]) == ("edits", REMOVAL_PROMPT)
    assert tuple(part for part, *_ in files) == ("image", "mask")
    # the panel's figure counts the prompt that is sent, as the runner's does
    assert runs["krita"].quote == pytest.approx(runs["krita"].estimate, rel=1e-9)


@pytest.mark.parametrize("entry", ENTRIES)
def test_saved_job_defaults_apply_where_nothing_is_chosen(entry, entries):
    """A GIMP argument left at its default counts as not chosen, like a missing flag or
    keyword (failed for GIMP before gimp_plugin.workflows.choices said so)."""
    saved = {**SAVED, "quality": "low", "n": 2, "context_padding_px": 32,
             "stream_previews": False}
    Settings(**saved).save()
    case = Case("saved", "edit", _pixels(255), _selection(), {"model": MODEL, "size": "auto"})
    [(endpoint, fields, files)] = sent(entries[entry](case))
    assert api_size(32) != api_size(64), "the saved padding must show in the size"
    assert (fields.get("quality"), fields["n"]) == ("low", "2")
    assert fields["size"] == api_size(32)
    assert "x".join(map(str, files[0][1:3])) == api_size(32)
