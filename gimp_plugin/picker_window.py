"""The candidate picker's window: thumbnails large enough to judge, Keep, Keep all, Discard.

The view of picker.CandidatePicker. Clicking a thumbnail previews that
candidate on the canvas; Keep makes the previewed one a layer and leaves the
window open for more; Keep all makes the rest layers and closes; Discard (or
closing the window) keeps nothing more. Whatever ends the window, the preview
layer is removed (CandidatePicker.close, in a finally). Only interactive runs
import this module (it needs a display).
"""

from __future__ import annotations

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gtk", "3.0")
from gi.repository import Gtk  # noqa: E402

from .core import glossary  # noqa: E402
from .dialog import pixbuf_of  # noqa: E402
from .i18n import _  # noqa: E402
from .messages import TITLE  # noqa: E402
from .picker import CandidatePicker  # noqa: E402

THUMBNAIL = 200  # px: big enough to judge a candidate, four fit a 1024 px wide screen
KEEP, KEEP_ALL = 1, 2


def pick(image, anchor, patches) -> tuple[list, list[int]]:
    """Run the picker; returns (the layers added, the candidate indices kept)."""
    picker = CandidatePicker(image, anchor, patches)
    picker.open()
    window = Gtk.Dialog(title=f"{TITLE}: " + _("Choose candidates"), modal=True)
    window.add_button(_(glossary.DISCARD), Gtk.ResponseType.CANCEL)
    window.add_button(_(glossary.KEEP_ALL), KEEP_ALL)
    keep = window.add_button(_(glossary.KEEP), KEEP)
    hint = Gtk.Label(label=_("Click a candidate to see it on the canvas."), xalign=0.0)
    flow = Gtk.FlowBox(selection_mode=Gtk.SelectionMode.SINGLE, homogeneous=True,
                       max_children_per_line=4, min_children_per_line=2)
    captions = []
    for index, patch in enumerate(patches):
        cell = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=2)
        cell.pack_start(Gtk.Image.new_from_pixbuf(pixbuf_of(patch, THUMBNAIL)), False, False, 0)
        caption = Gtk.Label(label=_(glossary.CANDIDATE_K_OF_N).format(k=index + 1,
                                                                       n=len(patches)))
        cell.pack_start(caption, False, False, 0)
        captions.append(caption)
        flow.add(cell)
    area = window.get_content_area()
    area.set_border_width(12)
    area.pack_start(hint, False, False, 6)
    area.pack_start(flow, False, False, 6)

    def chosen(_flow, child) -> None:
        picker.preview(child.get_index())
        keep.set_sensitive(child.get_index() not in picker.kept)

    flow.connect("child-activated", chosen)
    window.show_all()
    first = flow.get_child_at_index(0)
    flow.select_child(first)
    chosen(flow, first)
    try:
        while True:
            response = window.run()
            if response == KEEP and picker.previewed is not None:
                index = picker.previewed
                picker.keep(index)
                captions[index].set_text(captions[index].get_text() + " · " + _("kept"))
                keep.set_sensitive(False)
                if not picker.remaining():
                    break
                continue
            if response == KEEP_ALL:
                picker.keep_all()
            break
    finally:
        picker.close()
        window.destroy()
    return picker.layers, picker.kept
