# GUI GIMP, batch command: our edit procedure INTERACTIVE over a selection, so its
# dialog (multi-line prompt, size presets, advanced options folded) is on screen.
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
image.select_ellipse(Gimp.ChannelOps.REPLACE, 200, 120, 240, 200)
Gimp.Display.new(image)
procedure = Gimp.get_pdb().lookup_procedure("plug-in-openai-images-edit")
config = procedure.create_config()
config.set_property("run-mode", Gimp.RunMode.INTERACTIVE)
config.set_property("prompt", "A red kite with a long tail, high in a windy sky, watercolour")
config.set_property("model", "gpt-image-2")
config.set_property("image", image)
config.set_core_object_array("drawables", [layer])
procedure.run(config)
