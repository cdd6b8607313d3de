"""The bad-input matrix in real GIMP: awkward images, selections, layers and requests.

Each case builds a fresh image, runs one of our procedures non-interactively and
records: success or the message, the layers before and after, whether every
pixel of every layer that existed before is unchanged, and how many requests the
stand-in received for that case (read from its log through the control route).
check.py decides what each case must give: a clear message with the image
unchanged, or a correct result. Already covered elsewhere, so not repeated:
no selection on an opaque layer and an unknown model id (gimp_errors), 16-bit
linear and indexed images and an offset layer (gimp_edit).

Every case also records what its call cost: the seconds, the plug-in process's
peak RSS (its VmHWM, sampled every 20 ms from /proc while the call runs; the
plug-in is a child of GIMP's core process, as this script's own process is) and
the core's RSS before and at its highest sample during the call. The large cases
(8192² and 16384² canvases, a small selection in the middle) are the ones that
matter: the plug-in must read only the context around the selection. The
window_reads case calls our canvas reads directly and compares a window's read
with the whole-canvas read cut to it.
"""

# Measured (2 cores, warm profile) for large_16384, the edit call alone:
#   reading only the window:  GIMP 3.0.4 1.2-1.5 s, plug-in peak RSS 171-181 MiB;
#                             GIMP 3.2.6 1.1-1.7 s, 177-178 MiB
#   reading the whole canvas (before): 3.0.4 6.8 s, 3136 MiB; 3.2.6 6.1 s, 3141 MiB
# A plug-in run on a 96x64 image peaks at 139-173 MiB (imports), and at 457-467 MiB on
# a 16-bit or float one (the same before this change; not investigated). GIMP's core
# grows by up to ~350 MiB for a moment after any layer is inserted into an 8192² or
# 16384² image, also with no plug-in involved (a small layer inserted by a script did
# the same), so core_rss_mib_peak says little about the plug-in.

import hashlib
import json
import os
import random
import sys
import threading
import time
import urllib.request

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp  # noqa: E402
from gimp_calls import call  # noqa: E402 (tests/hosts/inhost)

W, H = 96, 64
EDIT = "plug-in-openai-images-edit"
GENERATE = "plug-in-openai-images-generate"


def standin(path, order=None):
    """The stand-in's control route: queue a fault, or read the request log."""
    root = os.environ["OPENAI_BASE_URL"].rsplit("/v1", 1)[0]
    data = json.dumps(order).encode() if order is not None else None
    request = urllib.request.Request(f"{root}/_standin/{path}", data=data)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read() or b"null")


def request_count():
    log = standin("requests")
    return len(log if isinstance(log, list) else log.get("requests", []))


def new_image(base=Gimp.ImageBaseType.RGB, w=W, h=H, fill=(30, 60, 90, 255)):
    image = Gimp.Image.new(w, h, base)
    kind = (
        Gimp.ImageType.GRAYA_IMAGE if base == Gimp.ImageBaseType.GRAY else Gimp.ImageType.RGBA_IMAGE
    )
    layer = Gimp.Layer.new(image, "photo", w, h, kind, 100.0, Gimp.LayerMode.NORMAL)
    image.insert_layer(layer, None, 0)
    pixels = []
    for y in range(h):
        for x in range(w):
            pixels += [(fill[0] + x * 2) & 255, (fill[1] + y * 3) & 255, fill[2], fill[3]]
    layer.get_buffer().set(Gegl.Rectangle.new(0, 0, w, h), "R'G'B'A u8", bytes(pixels))
    return image, layer


def all_layers(items):
    out = []
    for item in items:
        out.append(item)
        if hasattr(item, "get_children") and item.is_group():
            out += all_layers(item.get_children())
    return out


STRIP_ROWS = 512  # rows hashed at a time: a 16384-wide strip is 32 MiB in u8, 128 in float


def pixel_digest(layer, w, h):
    """A hash of every pixel at the image's own precision, read in horizontal strips so a
    16384² layer never sits whole in this process. 8-bit perceptual images are read as
    they are stored; anything else as float, which every precision converts into
    exactly (so any change of a stored value changes the hash)."""
    exact_u8 = layer.get_image().get_precision() == Gimp.Precision.U8_NON_LINEAR
    fmt = "R'G'B'A u8" if exact_u8 else "RGBA float"
    digest = hashlib.sha256()
    buffer = layer.get_buffer()
    for top in range(0, h, STRIP_ROWS):
        rows = min(STRIP_ROWS, h - top)
        digest.update(
            buffer.get(Gegl.Rectangle.new(0, top, w, rows), 1.0, fmt, Gegl.AbyssPolicy.NONE)
        )
    return digest.hexdigest()


def state(image):
    """Names, geometry and a digest of the pixels (at the image's own precision) of every
    layer."""
    out = []
    for layer in all_layers(image.get_layers()):
        ok, x, y = layer.get_offsets()
        w, h = layer.get_width(), layer.get_height()
        out.append((layer.get_name(), x, y, w, h, layer.get_visible(), pixel_digest(layer, w, h)))
    return out


def mib(kib):
    return None if kib is None else round(kib / 1024, 1)


def vm_kib(pid, field):
    """A VmRSS/VmHWM figure of process `pid` in KiB, None once it has gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def plugin_pids(core):
    """Our plug-in's processes: children of GIMP's core running openai-images.py."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == core and b"openai-images.py" in command:
            pids.append(int(entry))
    return pids


class PeakWatch:
    """The highest VmHWM seen among the plug-in's processes while a call runs (a sample
    every 20 ms; VmHWM only grows, so the last sample before the process exits is
    close to its true peak), and the core's VmRSS before and at its highest sample."""

    def __init__(self):
        self.core = os.getppid()
        self.peak_kib = 0
        self.samples = 0
        self.core_peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self):
        while not self._stop.wait(0.02):
            self.core_peak_kib = max(self.core_peak_kib, vm_kib(self.core, "VmRSS") or 0)
            for pid in plugin_pids(self.core):
                self.samples += 1
                self.peak_kib = max(self.peak_kib, vm_kib(pid, "VmHWM") or 0)

    def __enter__(self):
        self.core_before_kib = vm_kib(self.core, "VmRSS")
        self.started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.seconds = time.monotonic() - self.started
        self._stop.set()
        self._thread.join()

    def facts(self):
        return {
            "seconds": round(self.seconds, 2),
            "plugin_peak_rss_mib": mib(self.peak_kib) if self.samples else None,
            "plugin_samples": self.samples,
            "core_rss_mib_before": mib(self.core_before_kib),
            "core_rss_mib_peak": mib(self.core_peak_kib),
        }


def attempt(image, name, drawables, fault=None, **values):
    """Run one procedure and collect the facts check.py needs."""
    before = state(image)
    sent_before = request_count()
    if fault:
        standin("faults", {"name": fault, "count": 1, "params": {}})
    watch = PeakWatch()
    with watch:
        facts = call(name, image, drawables, **values)
    facts["cost"] = watch.facts()
    after = state(image)
    facts["sent"] = request_count() - sent_before
    facts["unchanged"] = after == before
    facts["old_layers_kept"] = all(layer in after for layer in before)
    facts["new_layers"] = [
        {"name": n, "x": x, "y": y, "w": w, "h": h}
        for (n, x, y, w, h, _v, _p) in after
        if (n, x, y, w, h) not in {(b[0], b[1], b[2], b[3], b[4]) for b in before}
    ]
    image.delete()
    return facts


def case_empty_selection():
    image, layer = new_image()
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 10, 10, 30, 20)
    image.select_rectangle(Gimp.ChannelOps.SUBTRACT, 10, 10, 30, 20)
    return attempt(image, EDIT, [layer], prompt="a cat")


def case_selection_outside_layer():
    image, _ = new_image()
    small = Gimp.Layer.new(
        image, "small", 30, 20, Gimp.ImageType.RGBA_IMAGE, 100.0, Gimp.LayerMode.NORMAL
    )
    image.insert_layer(small, None, 0)
    small.get_buffer().set(
        Gegl.Rectangle.new(0, 0, 30, 20), "R'G'B'A u8", bytes([9, 9, 9, 255]) * 600
    )
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 60, 40, 30, 20)
    return attempt(image, EDIT, [small], prompt="a cat")


def case_precision(precision):
    image, layer = new_image()
    image.convert_precision(precision)
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 20, 10, 40, 30)
    return attempt(image, EDIT, [layer], prompt="a red balloon")


def case_grey():
    image, layer = new_image(Gimp.ImageBaseType.GRAY)
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 20, 10, 40, 30)
    return attempt(image, EDIT, [layer], prompt="a red balloon")


def case_group_active():
    image, layer = new_image()
    group = (
        Gimp.GroupLayer.new(image, "group")
        if hasattr(Gimp, "GroupLayer")
        else Gimp.Layer.group_new(image)
    )
    image.insert_layer(group, None, 0)
    inner = Gimp.Layer.new(
        image, "inner", W, H, Gimp.ImageType.RGBA_IMAGE, 100.0, Gimp.LayerMode.NORMAL
    )
    image.insert_layer(inner, group, 0)
    inner.get_buffer().set(
        Gegl.Rectangle.new(0, 0, W, H), "R'G'B'A u8", bytes([200, 10, 10, 255]) * (W * H)
    )
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 20, 10, 40, 30)
    return attempt(image, EDIT, [group], prompt="a red balloon")


def case_one_pixel(procedure):
    image, layer = new_image(w=1, h=1)
    if procedure == EDIT:
        Gimp.Selection.all(image)
    return attempt(image, procedure, [layer], prompt="a dot")


def case_request(fault=None, **values):
    image, layer = new_image()
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 20, 10, 40, 30)
    return attempt(image, EDIT, [layer], fault=fault, **{"prompt": "a cat", **values})


def case_large(side):
    """A side x side canvas whose layer holds noise only around a small centred selection
    (filling it all would cost minutes and prove nothing: the edit must read only the
    context around the selection)."""
    image = Gimp.Image.new(side, side, Gimp.ImageBaseType.RGB)
    layer = Gimp.Layer.new(
        image, "photo", side, side, Gimp.ImageType.RGBA_IMAGE, 100.0, Gimp.LayerMode.NORMAL
    )
    image.insert_layer(layer, None, 0)
    patch, centre = 1024, side // 2
    noise = bytearray(random.Random(side).randbytes(patch * patch * 4))
    noise[3::4] = b"\xff" * (patch * patch)
    corner = centre - patch // 2
    layer.get_buffer().set(
        Gegl.Rectangle.new(corner, corner, patch, patch), "R'G'B'A u8", bytes(noise)
    )
    image.select_rectangle(Gimp.ChannelOps.REPLACE, centre - 128, centre - 96, 256, 192)
    facts = attempt(image, EDIT, [layer], prompt="a red balloon")
    facts["selection"] = [centre - 128, centre - 96, 256, 192]
    return facts


def plugin_package():
    """Our installed package, imported into this process to call its canvas reads
    directly; numpy (vendored, or the harness's beside the Windows bundle) lets the
    facts compare pixels, whichever pixel engine the package runs."""
    folder = os.path.join(Gimp.directory(), "plug-ins", "openai-images")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    from openai_images import _vendor

    _vendor.activate()
    from harness_numpy import load

    load()
    from openai_images import canvas
    from openai_images.core.pixels.geometry import Bounds

    return canvas, Bounds


def add_layer(image, parent, name, w, h, x, y, seed):
    layer = Gimp.Layer.new(
        image, name, w, h, Gimp.ImageType.RGBA_IMAGE, 100.0, Gimp.LayerMode.NORMAL
    )
    image.insert_layer(layer, parent, 0)
    layer.set_offsets(x, y)
    noise = bytearray(random.Random(seed).randbytes(w * h * 4))
    noise[3::4] = bytes((i * 7) & 255 for i in range(w * h))  # every alpha, 0 included
    layer.get_buffer().set(Gegl.Rectangle.new(0, 0, w, h), "R'G'B'A u8", bytes(noise))
    return layer


def case_window_reads():
    """Reading only a window gives exactly the whole-canvas read cut to that window, for
    awkward layers: offset and partly outside, wholly outside, in a group, the group
    itself, content-locked, the visible image, and at 16-bit linear precision."""
    canvas, Bounds = plugin_package()
    image, background = new_image(w=120, h=90)
    layers = {
        "photo": background,
        "offset": add_layer(image, None, "offset", 60, 50, -20, 30, 1),
        "outside": add_layer(image, None, "outside", 20, 20, 100, 0, 2),
        "locked": add_layer(image, None, "locked", 120, 90, 0, 0, 3),
    }
    layers["locked"].set_lock_content(True)
    group = Gimp.GroupLayer.new(image, "group") if hasattr(Gimp, "GroupLayer") else None
    group = group or Gimp.Layer.group_new(image)
    image.insert_layer(group, None, 0)
    layers["group"] = group
    layers["in_group"] = add_layer(image, group, "in_group", 50, 40, 40, 45, 4)
    window = Bounds(10, 20, 50, 40)
    before, images = state(image), len(Gimp.get_images())
    facts = {}
    for precision in ("u8", "u16_linear"):
        if precision == "u16_linear":
            image.convert_precision(Gimp.Precision.U16_LINEAR)
            before = state(image)
        for name, layer in [*layers.items(), ("visible", None)]:
            whole = canvas.read_snapshot(image, layer, layer is None, "doc", selection=None)
            part = canvas.read_snapshot(
                image, layer, layer is None, "doc", selection=None, window=window
            )
            cut = whole.image.pixels[window.y : window.bottom, window.x : window.right]
            facts[f"{precision} {name}"] = bool(
                (part.image.pixels == cut).all() and part.origin == window.offset
            )
        (markup,) = canvas.read_layers(image, [layers["offset"]], window)
        (whole,) = canvas.read_layers(image, [layers["offset"]])
        cut = whole.pixels[window.y : window.bottom, window.x : window.right]
        facts[f"{precision} read_layers"] = bool((markup.pixels == cut).all())
    facts["image_unchanged"] = state(image) == before
    facts["no_copy_left"] = len(Gimp.get_images()) == images
    image.delete()
    return facts


CASES = {
    "empty_selection": case_empty_selection,
    "selection_outside_layer": case_selection_outside_layer,
    "u16_perceptual": lambda: case_precision(Gimp.Precision.U16_NON_LINEAR),
    "float32_linear": lambda: case_precision(Gimp.Precision.FLOAT_LINEAR),
    "grey": case_grey,
    "group_layer_active": case_group_active,
    "one_pixel_generate": lambda: case_one_pixel(GENERATE),
    "one_pixel_edit": lambda: case_one_pixel(EDIT),
    "prompt_over_limit": lambda: case_request(prompt="x" * 32_001),
    "size_not_accepted": lambda: case_request(size="1000x1000"),
    "http_401": lambda: case_request(fault="401"),
    "moderation_blocked": lambda: case_request(fault="moderation_blocked"),
    "window_reads": case_window_reads,
    "large_8192": lambda: case_large(8192),
    "large_16384": lambda: case_large(16384),
}


def run(out):
    facts = {}
    for name, case in CASES.items():
        try:
            facts[name] = case()
        except Exception as exc:  # one broken case must not hide the others
            facts[name] = {"crash": repr(exc)}
    return facts
