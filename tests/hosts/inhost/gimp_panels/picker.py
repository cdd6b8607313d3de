# GUI GIMP, batch command: the candidate picker over an image, with four candidates
# of the stand-in's kind (colour fields), the first previewed on the canvas.
import os
import sys

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("GimpUi", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp, GimpUi  # noqa: E402

sys.path.insert(0, os.path.join(Gimp.directory(), "plug-ins", "openai-images"))
from openai_images import _vendor  # noqa: E402

_vendor.activate()
Gegl.init(None)
import numpy as np  # noqa: E402
from openai_images import picker_window  # noqa: E402
from openai_images.core.pixels.geometry import Bounds  # noqa: E402
from openai_images.core.pixels.imaging import Image  # noqa: E402
from openai_images.core.pixels.planning import LayerPatch  # noqa: E402

W, H = 480, 320
GimpUi.init("openai-images")
image = Gimp.Image.new(W, H, Gimp.ImageBaseType.RGB)
layer = Gimp.Layer.new(image, "Background", W, H, Gimp.ImageType.RGB_IMAGE, 100.0,
                       Gimp.LayerMode.NORMAL)
image.insert_layer(layer, None, 0)
Gimp.context_set_background(Gegl.Color.new("white"))
layer.fill(Gimp.FillType.BACKGROUND)
Gimp.Display.new(image)
ys, xs = np.mgrid[0:H, 0:W]
patches = []
for k, (r, g, b) in enumerate(((230, 90, 40), (40, 160, 220), (90, 200, 90), (200, 80, 200))):
    pixels = np.zeros((H, W, 4), np.uint8)
    shade = (xs / W * 0.6 + ys / H * 0.4)
    pixels[..., 0] = (r * shade).astype(np.uint8)
    pixels[..., 1] = (g * (1 - shade / 2)).astype(np.uint8)
    pixels[..., 2] = (b * shade).astype(np.uint8)
    pixels[..., 3] = 255
    patches.append(LayerPatch(Image(pixels), Bounds(0, 0, W, H), f"candidate {k + 1}"))
picker_window.pick(image, layer, patches)
