"""The History tab: past results from the core's history, kept across documents and crashes.

Re-apply a result to the current document (as a new layer at its region),
copy its prompt and settings back into the panel, open the history folder.
Imports krita, .qt, .canvas (lazily) and the core history; runs on the GUI thread.
"""

from __future__ import annotations

from typing import Any

from krita import Krita

from .i18n import _
from .qt import QtCore, QtGui, QtWidgets, qenum

ROLE = qenum(QtCore.Qt, "ItemDataRole", "UserRole")
LIMIT = 200


def _history() -> Any:
    from .core.store.history import History

    return History()


def patch_of(entry: Any) -> Any:
    """A history entry as a LayerPatch at its recorded region (the canvas origin if none)."""
    from .core.pixels.geometry import Bounds
    from .core.pixels.imaging import Image
    from .core.pixels.planning import LayerPatch, layer_name

    image = Image.decode(entry.read_image())
    x, y = (entry.meta.region or (0, 0, 0, 0))[:2]
    bounds = Bounds(x, y, image.width, image.height)
    return LayerPatch(image, bounds, layer_name(entry.meta.prompt or "history", 0))


class HistoryTab(QtWidgets.QWidget):
    def __init__(self, panel: Any) -> None:
        super().__init__()
        self.panel = panel
        box = QtWidgets.QVBoxLayout(self)
        self.list = QtWidgets.QListWidget()
        self.list.setIconSize(QtCore.QSize(64, 64))
        box.addWidget(self.list)
        # two rows of two: four buttons in one row made the docker's smallest width ~400 px
        grid = QtWidgets.QGridLayout()
        for index, (text, slot) in enumerate((
                (_("Apply to document"), self.reapply), (_("Use prompt"), self.reuse),
                (_("Open folder"), self.open_folder), (_("Refresh"), self.refresh))):
            button = QtWidgets.QPushButton(text)
            button.clicked.connect(slot)
            grid.addWidget(button, index // 2, index % 2)
        box.addLayout(grid)
        self.refreshed = False

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        if not self.refreshed:  # read the disk only when the tab is first shown
            self.refresh()
        super().showEvent(event)

    def refresh(self) -> None:
        self.refreshed = True
        self.list.clear()
        try:
            entries = _history().list(limit=LIMIT)
        except Exception as exc:
            self.panel._say(_("History unavailable: {reason}").format(reason=exc))
            return
        for entry in entries:
            meta = entry.meta
            text = f"{meta.prompt or '(no prompt)'}\n{meta.model} · {meta.size} · {meta.created}"
            item = QtWidgets.QListWidgetItem(text)
            item.setData(ROLE, entry)
            icon = QtGui.QIcon(str(entry.image_path))
            item.setIcon(icon)
            self.list.addItem(item)

    def _current(self) -> Any:
        item = self.list.currentItem()
        return item.data(ROLE) if item is not None else None

    def reapply(self) -> None:
        entry = self._current()
        doc = Krita.instance().activeDocument()
        if entry is None or doc is None:
            self.panel._say(_("Choose a history entry and open a document."))
            return
        from . import canvas  # numpy: on first use, not at Krita's start

        patch = patch_of(entry)
        canvas.apply_patch(doc, patch)
        self.panel._say(_("Added '{name}'.").format(name=patch.name))

    def reuse(self) -> None:
        entry = self._current()
        if entry is None:
            return
        meta = entry.meta
        self.panel.prompt.setPlainText(meta.prompt or "")
        self.panel.form.model.setCurrentText(meta.model)
        settings = meta.settings or {}
        if settings.get("size"):
            self.panel.form.size.setCurrentText(str(settings["size"]))
        if settings.get("n"):
            self.panel.form.count.setValue(int(settings["n"]))
        QtWidgets.QApplication.clipboard().setText(meta.prompt or "")

    def open_folder(self) -> None:
        try:
            folder = str(_history().root)
        except Exception as exc:
            self.panel._say(_("History unavailable: {reason}").format(reason=exc))
            return
        QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(folder))
