"""Fast tests of the Krita adapter's pure parts, against a fake `krita` module.

The plug-in is assembled exactly as it is installed (packaging/assemble.py:
krita_plugin/ becomes the package `openai_images` with core/ inside), and its
one Qt module is replaced by a stub, so no Krita and no PyQt are needed. The
behaviour in the real hosts is proven by tests/hosts/scenarios/krita_*.
"""

from __future__ import annotations

import importlib
import sys
import threading
import time
import types
from pathlib import Path

import numpy as np
import pytest

from .conftest import TEST_KEY

ROOT = Path(__file__).resolve().parent.parent


# -- a fake Krita -----------------------------------------------------------------
class FakeNode:
    def __init__(self, doc, name, kind="paintlayer"):
        self.doc, self._name, self.kind = doc, name, kind
        self.parent, self.children, self.is_locked = None, [], False
        self.reads = []
        self.visible = True
        self.model, self.depth, self.profile = doc.model, doc.depth, doc.profile
        bpp = doc.bytes_per_pixel
        self.data = np.zeros((doc.h, doc.w, bpp), np.uint8)

    def name(self):
        return self._name

    def setVisible(self, visible):  # noqa: N802
        self.visible = visible

    def type(self):
        return self.kind

    def colorModel(self):  # noqa: N802 (Krita's names)
        return self.model

    def colorDepth(self):  # noqa: N802
        return self.depth

    def colorProfile(self):  # noqa: N802
        return self.profile

    def pixelData(self, x, y, w, h):  # noqa: N802
        self.reads.append((x, y, w, h))
        return self.data[y:y + h, x:x + w].tobytes()

    def setPixelData(self, data, x, y, w, h):  # noqa: N802
        self.data = self.data.copy()
        self.data[y:y + h, x:x + w] = np.frombuffer(bytes(data), np.uint8).reshape(h, w, -1)
        self.written = (x, y, w, h)

    def parentNode(self):  # noqa: N802
        return self.parent

    def childNodes(self):  # noqa: N802
        return list(self.children)

    def addChildNode(self, child, above):  # noqa: N802
        child.parent = self
        index = 0 if above is None else self.children.index(above) + 1
        self.children.insert(index, child)

    def setLocked(self, value):  # noqa: N802
        self.is_locked = value

    def remove(self):
        self.parent.children.remove(self)
        self.parent = None


class FakeSelection:
    def __init__(self, x, y, coverage):
        self.x_, self.y_, self.coverage = x, y, coverage

    def x(self):
        return self.x_

    def y(self):
        return self.y_

    def width(self):
        return self.coverage.shape[1]

    def height(self):
        return self.coverage.shape[0]

    def pixelData(self, x, y, w, h):  # noqa: N802
        assert (x, y, w, h) == (self.x_, self.y_, self.width(), self.height())
        return self.coverage.tobytes()


class FakeDocument:
    CHANNEL_BYTES = {"U8": 1, "U16": 2}

    def __init__(self, w, h, model="RGBA", depth="U8", profile="sRGB-elle-V2-srgbtrc.icc"):
        self.w, self.h, self.model, self.depth, self.profile = w, h, model, depth, profile
        self.root = FakeNode(self, "root", "grouplayer")
        self.active = None
        self.sel = None
        self.closed = False
        self.file = ""

    @property
    def bytes_per_pixel(self):
        return 4 * self.CHANNEL_BYTES[self.depth]

    def width(self):
        return self.w

    def height(self):
        return self.h

    def colorModel(self):  # noqa: N802
        return self.model

    def colorDepth(self):  # noqa: N802
        return self.depth

    def colorProfile(self):  # noqa: N802
        return self.profile

    def setColorSpace(self, model, depth, profile):  # noqa: N802
        """Only U16 <-> U8 RGBA, as Krita stores them: little-endian 16-bit channels."""
        for node in self.root.children:
            if self.depth == "U16" and depth == "U8":
                node.data = (node.data.view("<u2") >> 8).astype(np.uint8)
            elif self.depth == "U8" and depth == "U16":
                node.data = (node.data.astype("<u2") * 257).view(np.uint8)
            node.depth, node.profile = depth, profile
        self.model, self.depth, self.profile = model, depth, profile
        return True

    def createNode(self, name, kind):  # noqa: N802
        return FakeNode(self, name, kind)

    def rootNode(self):  # noqa: N802
        return self.root

    def activeNode(self):  # noqa: N802
        return self.active

    def selection(self):
        return self.sel

    def pixelData(self, x, y, w, h):  # noqa: N802
        raise AssertionError("the projection is not read in these tests")

    def refreshProjection(self):  # noqa: N802
        pass

    def waitForDone(self):  # noqa: N802
        pass

    def fileName(self):  # noqa: N802
        return self.file

    def name(self):
        return "Untitled"

    def close(self):
        self.closed = True

    def setAnnotation(self, kind, description, data):  # noqa: N802
        self.annotations = {**getattr(self, "annotations", {}), kind: (description, bytes(data))}


class FakeKrita:
    def __init__(self):
        self.created = []
        self.open_documents = []

    def documents(self):
        return list(self.open_documents)

    def createDocument(self, w, h, name, model, depth, profile, res):  # noqa: N802
        doc = FakeDocument(w, h, model, depth, profile)
        self.created.append(doc)
        return doc


class FakeTimer:
    """QTimer stand-in: the tests call KritaJob.poll() themselves."""

    def __init__(self):
        self.timeout = types.SimpleNamespace(connect=lambda slot: None)
        self.running = False

    def start(self, ms):
        self.running = True

    def stop(self):
        self.running = False


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "packaging"))
    import assemble

    dest = tmp_path_factory.mktemp("pykrita")
    assemble.assemble_krita(dest)
    qt = types.ModuleType("openai_images.qt")
    qt.QByteArray = bytes
    qt.to_bytes = bytes
    qt.process_events = lambda: None
    qt.QTimer = FakeTimer
    sys.modules["openai_images.qt"] = qt
    sys.path.insert(0, str(dest))
    saved = {k: v for k, v in sys.modules.items() if k == "krita"}
    try:
        canvas = importlib.import_module("openai_images.canvas")
        krita = types.ModuleType("krita")
        krita.Krita = types.SimpleNamespace(instance=lambda: fake)
        fake = FakeKrita()
        sys.modules["krita"] = krita
        workflow = importlib.import_module("openai_images.workflow")
        yield types.SimpleNamespace(canvas=canvas, krita=fake, workflow=workflow)
    finally:
        ours = [m for m in sys.modules if m.split(".")[0] == "openai_images"]
        for name in ours:
            del sys.modules[name]
        sys.modules.pop("krita", None)
        sys.modules.update(saved)
        sys.path.remove(str(dest))


def rgba8_document(pixels_rgba):
    h, w = pixels_rgba.shape[:2]
    doc = FakeDocument(w, h)
    layer = FakeNode(doc, "painted")
    layer.data = pixels_rgba[..., [2, 1, 0, 3]].copy()  # Krita stores B,G,R,A
    doc.root.addChildNode(layer, None)
    doc.active = layer
    return doc, layer


GOLDEN_RGBA = np.array(
    [[[255, 0, 0, 255], [0, 255, 0, 128]], [[0, 0, 255, 0], [10, 20, 30, 40]]], np.uint8
)


# -- tests ----------------------------------------------------------------------------
def test_snapshot_reads_the_active_layer_and_the_soft_selection(plugin):
    doc, _layer = rgba8_document(GOLDEN_RGBA)
    doc.file = "/tmp/art/painting.kra"
    doc.sel = FakeSelection(1, 0, np.array([[255], [64]], np.uint8))
    snap = plugin.canvas.read_snapshot(doc, selection=plugin.canvas.read_selection(doc))
    assert np.array_equal(snap.image.pixels, GOLDEN_RGBA)
    assert (snap.selection.bounds.x, snap.selection.bounds.y) == (1, 0)
    assert (snap.selection.bounds.width, snap.selection.bounds.height) == (1, 2)
    assert snap.selection.coverage.tolist() == [[255], [64]]
    assert (snap.canvas.width, snap.canvas.height) == (2, 2)
    assert snap.document_name == "painting.kra" and snap.layer_name == "painted"
    assert plugin.krita.created == [], "an 8-bit sRGB document needs no conversion"


def test_a_window_reads_only_its_pixels_and_keeps_the_canvas(plugin):
    from openai_images.core.pixels.geometry import Bounds

    pixels = np.arange(4 * 5 * 4, dtype=np.uint8).reshape(4, 5, 4)
    doc, layer = rgba8_document(pixels)
    snap = plugin.canvas.read_snapshot(doc, window=Bounds(1, 2, 3, 2))
    assert np.array_equal(snap.image.pixels, pixels[2:4, 1:4])
    assert (snap.origin.x, snap.origin.y) == (1, 2)
    assert (snap.canvas.width, snap.canvas.height) == (5, 4)
    assert layer.reads == [(1, 2, 3, 2)], "read beyond the window"


def test_an_empty_selection_is_no_selection(plugin):
    doc, _layer = rgba8_document(GOLDEN_RGBA)
    doc.sel = FakeSelection(0, 0, np.zeros((2, 2), np.uint8))
    assert plugin.canvas.read_selection(doc) is None
    doc.sel = None
    assert plugin.canvas.read_selection(doc) is None


def test_a_16_bit_document_is_read_through_a_temporary_copy(plugin):
    doc, layer = rgba8_document(GOLDEN_RGBA)
    doc.setColorSpace("RGBA", "U16", "sRGB-elle-V2-g10.icc")
    stored = layer.data.copy()
    snap = plugin.canvas.read_snapshot(doc)
    assert np.array_equal(snap.image.pixels, GOLDEN_RGBA)
    temp = plugin.krita.created[-1]
    assert temp.closed, "the temporary conversion document was left open"
    assert doc.colorDepth() == "U16" and np.array_equal(layer.data, stored)


def test_apply_patch_adds_one_layer_above_the_active_one(plugin):
    from openai_images.core.pixels.geometry import Bounds
    from openai_images.core.pixels.imaging import Image
    from openai_images.core.pixels.planning import LayerPatch

    doc, layer = rgba8_document(np.zeros((4, 5, 4), np.uint8))
    top = FakeNode(doc, "top")
    doc.root.addChildNode(top, layer)
    patch = LayerPatch(Image(GOLDEN_RGBA.copy()), Bounds(3, 1, 2, 2), "a red umbrella")
    new = plugin.canvas.apply_patch(doc, patch)
    assert [n.name() for n in doc.root.children] == ["painted", "a red umbrella", "top"]
    assert new.written == (3, 1, 2, 2)
    assert np.array_equal(new.data[1:3, 3:5], GOLDEN_RGBA[..., [2, 1, 0, 3]])
    assert not new.data[:, :3].any() and not new.data[0].any(), "pixels outside the patch"
    assert not new.is_locked and not layer.data.any(), "the source layer was written"


def test_a_preview_is_locked_and_removable(plugin):
    from openai_images.core.pixels.geometry import Bounds
    from openai_images.core.pixels.imaging import Image
    from openai_images.core.pixels.planning import LayerPatch

    doc, _layer = rgba8_document(np.zeros((2, 2, 4), np.uint8))
    patch = LayerPatch(Image(GOLDEN_RGBA.copy()), Bounds(0, 0, 2, 2), "cat")
    preview = plugin.canvas.show_preview(doc, patch)
    assert preview.is_locked and preview.name() == "[preview] cat"
    plugin.canvas.remove_layer(doc, preview)
    assert [n.name() for n in doc.root.children] == ["painted"]
    plugin.canvas.remove_layer(doc, preview)  # already gone: no error


def test_a_patch_goes_back_into_a_16_bit_document(plugin):
    from openai_images.core.pixels.geometry import Bounds
    from openai_images.core.pixels.imaging import Image
    from openai_images.core.pixels.planning import LayerPatch

    doc, _layer = rgba8_document(np.zeros((2, 2, 4), np.uint8))
    doc.setColorSpace("RGBA", "U16", "sRGB-elle-V2-g10.icc")
    patch = LayerPatch(Image(GOLDEN_RGBA.copy()), Bounds(0, 0, 2, 2), "cat")
    new = plugin.canvas.apply_patch(doc, patch)
    sixteen = new.data.view("<u2").reshape(2, 2, 4)
    assert np.array_equal(sixteen, GOLDEN_RGBA[..., [2, 1, 0, 3]].astype(np.uint16) * 257)


def test_script_options_become_job_options(plugin):
    opts = plugin.workflow.job_options(model="gpt-image-1.5", count=3, padding=16,
                                       whole_image=True, quality="high", stream=True)
    assert (opts.model, opts.n, opts.quality, opts.stream) == ("gpt-image-1.5", 3, "high", True)
    assert (opts.context.padding_px, opts.context.whole_image) == (16, True)
    with pytest.raises(TypeError, match="colour"):
        plugin.workflow.job_options(colour="red")


def _edit_recipe(plugin, doc, **options):
    canvas_port = importlib.import_module("openai_images.core.jobs.canvas_port")
    port = plugin.workflow.DocumentPort(doc)
    return canvas_port.edit_job(port, "a cat", plugin.workflow.job_options(**options))


def test_an_opaque_layer_without_selection_has_nothing_to_edit(plugin):
    """The core's rule (alpha < 255 counts as transparent), worded in Krita's terms."""
    errors = importlib.import_module("openai_images.core.errors")
    doc, _layer = rgba8_document(np.full((3, 3, 4), 255, np.uint8))
    with pytest.raises(errors.NothingToEditError) as caught:
        _edit_recipe(plugin, doc)
    assert caught.value.reason == "opaque_layer"
    assert "select an area" in plugin.workflow.describe_error(caught.value)
    pixels = np.full((3, 3, 4), 255, np.uint8)
    pixels[2, 2, 3] = 200  # half transparent only: still something to fill
    doc, _layer = rgba8_document(pixels)
    plan = _edit_recipe(plugin, doc).plan()
    assert plan.fill == "alpha" and plan.region.width >= 1


def test_an_edit_reads_only_the_context_around_the_selection(plugin):
    doc, layer = rgba8_document(np.full((300, 400, 4), 255, np.uint8))
    coverage = np.full((20, 30), 255, np.uint8)
    doc.sel = FakeSelection(200, 150, coverage)
    plan = _edit_recipe(plugin, doc, padding=10).plan()
    from openai_images.core.pixels.geometry import Bounds

    box = plan.region
    assert box.contains(Bounds(200, 150, 30, 20).pad(10)) and box.width < 400
    assert box.height < 300
    (read,) = layer.reads
    assert read[2] < 400 and read[3] < 300, "read beyond the window"


class FakeJob:
    """The core Job's surface that KritaJob uses: events, done, state, result."""

    def __init__(self, events, candidates, state="done", mark_provenance=True):
        self.events, self.state, self.cancelled = list(events), state, False
        self.result = types.SimpleNamespace(candidates=candidates)
        self.options = types.SimpleNamespace(mark_provenance=mark_provenance)
        self.error = None

    @property
    def done(self):
        return not self.events

    def poll_events(self):
        events, self.events = self.events[:1], self.events[1:]
        return events

    def cancel(self):
        self.cancelled = True


def _patch(name, bounds=(0, 0, 2, 2)):
    from openai_images.core.pixels.geometry import Bounds
    from openai_images.core.pixels.imaging import Image
    from openai_images.core.pixels.planning import LayerPatch

    return LayerPatch(Image(GOLDEN_RGBA.copy()), Bounds(*bounds), name)


def test_a_job_previews_partials_then_applies_its_results(plugin):
    from openai_images.core.jobs.runner import Progress

    doc, _layer = rgba8_document(np.zeros((2, 2, 4), np.uint8))
    plugin.krita.open_documents = [doc]
    entry = types.SimpleNamespace(
        id="20261208-x", meta=types.SimpleNamespace(job="edit", model="gpt-image-2"))
    candidates = [types.SimpleNamespace(patch=_patch("boat"), entry=entry),
                  types.SimpleNamespace(patch=_patch("boat (2)"), entry=entry)]
    events = [Progress("rendering"), Progress("partial", preview=_patch("boat"), partial_index=0),
              Progress("partial", preview=_patch("boat"), partial_index=1), Progress("done")]
    seen = []
    job = plugin.workflow.KritaJob(FakeJob(events, candidates), doc,
                                   on_event=lambda j, e: seen.append((e.stage, names(doc))))
    while not job.finished:
        job.poll()
    assert seen[1] == ("partial", ["painted", "[preview] boat"])
    assert seen[2] == ("partial", ["painted", "[preview] boat"]), "the old partial stayed"
    assert job.partials_shown == 2
    # bottom to top: every host stacks the first candidate uppermost, only it visible
    assert names(doc) == ["painted", "boat (2)", "boat"]
    assert [n.name() for n in job.layers] == ["boat", "boat (2)"]
    assert [n.visible for n in job.layers] == [True, False]
    assert seen[-1][0] == "finished" and not job._timer.running
    # provenance (issue 21): the document keeps the XMP as an annotation
    description, xmp = doc.annotations["openai-images-provenance"]
    assert "gpt-image-2" in description
    assert b"compositeWithTrainedAlgorithmicMedia" in xmp and b"20261208-x" in xmp


def test_byte_progress_events_pass_through_to_the_panel_and_touch_no_layer(plugin):
    """Issue 17: the core's "uploading"/"downloading" events with byte counts reach the
    panel's handler as they are; they are no previews and add nothing to the document."""
    from openai_images.core.jobs.runner import Progress

    doc, _layer = rgba8_document(np.zeros((2, 2, 4), np.uint8))
    plugin.krita.open_documents = [doc]
    events = [Progress("uploading", candidate=0, bytes_done=0, bytes_total=900),
              Progress("uploading", candidate=0, bytes_done=900, bytes_total=900),
              Progress("rendering", candidate=0),
              Progress("downloading", candidate=0, bytes_done=50, bytes_total=None),
              Progress("done")]
    seen = []
    job = plugin.workflow.KritaJob(FakeJob(events, []), doc,
                                   on_event=lambda j, e: seen.append((e.stage, e.bytes_done)))
    while not job.finished:
        job.poll()
    assert seen == [("uploading", 0), ("uploading", 900), ("rendering", None),
                    ("downloading", 50), ("done", None), ("finished", None)]
    assert job.partials_shown == 0 and names(doc) == ["painted"]


def test_a_job_whose_document_was_closed_applies_nothing(plugin):
    from openai_images.core.jobs.runner import Progress

    doc, _layer = rgba8_document(np.zeros((2, 2, 4), np.uint8))
    plugin.krita.open_documents = []
    candidates = [types.SimpleNamespace(patch=_patch("boat"), entry=None)]
    job = plugin.workflow.KritaJob(FakeJob([Progress("done")], candidates), doc)
    while not job.finished:
        job.poll()
    assert job.layers == [] and names(doc) == ["painted"]


def names(doc):
    return [n.name() for n in doc.root.children]


# -- the account's model list ------------------------------------------------------------
def wait_for(fetch, seconds=30.0):
    deadline = time.monotonic() + seconds
    while not fetch.done and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fetch.done, "the model list fetch did not end"


def test_only_live_image_models_the_combo_lacks_are_added(plugin):
    from openai_images.model_choices import account_extras

    # dall-e-3 is still listed by some servers, but shut down: a job on it would be refused
    account = ["gpt-4o", "whisper-1", "gpt-image-2", "dall-e-3", "acme-image-xl", "acme-image-xl"]
    assert account_extras(account, ["gpt-image-2"]) == ["acme-image-xl"]


def test_the_model_list_comes_from_the_server_on_another_thread(plugin, standin):
    from openai_images.account_models import ModelListFetch
    from openai_images.core.api.client import ClientConfig, ImagesClient

    standin.legacy = True  # the stand-in then also lists the retired dall-e-3
    client = ImagesClient(ClientConfig(api_key=TEST_KEY, base_url=standin.base_url))
    threads = []
    real = client.list_model_entries
    client.list_model_entries = lambda: threads.append(threading.current_thread()) or real()
    fetch = ModelListFetch(client)
    wait_for(fetch)
    client.close()
    assert threads and threads[0] is not threading.current_thread()
    assert "dall-e-3" in fetch.result and "gpt-image-2" in fetch.result
    assert set(fetch.dates) == set(fetch.result)  # every id, with its date or None
    assert [r.endpoint for r in standin.requests] == ["models"]


def test_a_model_list_that_cannot_be_fetched_leaves_no_result(plugin):
    from openai_images.account_models import ModelListFetch
    from openai_images.core.errors import ImagesError

    class NoModels:
        def list_model_entries(self):
            raise ImagesError("404: this server has no /models")

    fetch = ModelListFetch(NoModels())
    wait_for(fetch)
    assert fetch.result is None


def test_the_status_after_a_job_names_cost_failures_and_notices_plainly(plugin):
    """The docker's last line: a refused history folder (a notice of the core's) is
    shown, masked and on one line, next to the cost and the failed candidates."""
    job_handle = importlib.import_module("openai_images.core.jobs.job_handle")
    errors = importlib.import_module("openai_images.core.errors")
    result = job_handle.JobResult()
    result.actual_cost_usd = 0.0421
    result.failures.append(errors.ResponseError("bad <b>image</b>\nsecond line", "req_1"))
    result.notices.append("history: /x is a symbolic link; saved in /tmp/h instead\n\x1b[31m")
    text = plugin.workflow.result_summary(result)
    assert text.startswith("cost $0.042; 1 image(s) failed: bad <b>image</b>")
    assert "saved in /tmp/h instead" in text
    assert "\n" not in text and "\x1b" not in text


@pytest.mark.parametrize(
    ("profile", "passes"),
    [
        ("sRGB-elle-V2-srgbtrc.icc", True),  # Krita's own sRGB: bytes pass as they are
        ("sRGB-elle-V2-g10.icc", False),  # linear, though "srgb" is in the name
        ("krita25_lcms-builtin-sRGB_g100-truegamma.icc", False),  # linear too
        ("sRGB IEC61966-2.1", False),  # maybe sRGB: Krita converts it, which is right
        ("ClayRGB-elle-V2-g22.icc", False),
    ],
)
def test_only_krita_s_own_srgb_skips_the_conversion(plugin, profile, passes):
    """An 8-bit document in a linear 'sRGB' profile was taken for sRGB by its name and
    read and written 74 levels off (issue 15): now only the exact built-in profile
    skips Krita's conversion, which every other profile goes through."""
    doc, _layer = rgba8_document(GOLDEN_RGBA)
    doc.profile = profile
    for node in doc.root.children:
        node.profile = profile
    before = len(plugin.krita.created)
    plugin.canvas.read_snapshot(doc)
    converted = len(plugin.krita.created) > before
    assert converted is not passes
    assert plugin.canvas.ColorSpace("RGBA", "U8", profile).is_srgb8 is passes
