# `make screenshots`, GIMP side, part 1: run by GUI GIMP as a batch command
# (python-fu-eval). Opens an image and calls our generate procedure INTERACTIVE,
# so its dialog appears; x_grab.py takes the picture and the run is then ended.
import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp  # noqa: E402

image = Gimp.Image.new(640, 480, Gimp.ImageBaseType.RGB)
layer = Gimp.Layer.new(
    image, "Background", 640, 480, Gimp.ImageType.RGB_IMAGE, 100.0, Gimp.LayerMode.NORMAL
)
image.insert_layer(layer, None, 0)
Gimp.context_set_background(Gegl.Color.new("white"))
layer.fill(Gimp.FillType.BACKGROUND)
Gimp.Display.new(image)
procedure = Gimp.get_pdb().lookup_procedure("plug-in-openai-images-generate")
config = procedure.create_config()
config.set_property("run-mode", Gimp.RunMode.INTERACTIVE)
config.set_property("prompt", "A lighthouse on a cliff at dusk, oil painting")
config.set_property("image", image)
config.set_core_object_array("drawables", [layer])
procedure.run(config)
