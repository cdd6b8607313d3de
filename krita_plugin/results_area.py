"""The lower part of the docker: the job's button row, its progress, the candidates and the
status line, which stays in view whatever the options above it take (issue 18).

The candidates are thumbnails with Apply / Apply all / Discard under them,
enabled only while there are candidates to apply. The status line and the
thumbnails' tooltips can hold API text (errors, revised prompts): the line is
plain text and the tooltips are escaped (plain_text.py). What the buttons do is
the docker's; this module only builds and enables them.
Imports .qt, .i18n, .plain_text and the core glossary; no krita.
"""

from __future__ import annotations

from typing import Any

from .core import glossary
from .i18n import _
from .plain_text import literal_tooltip
from .qt import Qt, QtCore, QtGui, QtWidgets, qenum

ICON = 96  # thumbnails large enough to judge a candidate in a narrow docker


def thumbnail(pixels: Any, size: int = ICON) -> QtGui.QPixmap:
    """A QPixmap of an HxWx4 RGBA array, scaled to fit `size`."""
    h, w = pixels.shape[:2]
    data = pixels.tobytes()
    fmt = qenum(QtGui.QImage, "Format", "Format_RGBA8888")
    image = QtGui.QImage(data, w, h, 4 * w, fmt).copy()  # copy: `data` is freed after return
    keep = qenum(Qt, "AspectRatioMode", "KeepAspectRatio")
    smooth = qenum(Qt, "TransformationMode", "SmoothTransformation")
    return QtGui.QPixmap.fromImage(image).scaled(size, size, keep, smooth)


def plain_label() -> QtWidgets.QLabel:
    """A wrapping label that shows its text as typed, whatever it contains."""
    label = QtWidgets.QLabel()
    label.setTextFormat(qenum(Qt, "TextFormat", "PlainText"))
    label.setWordWrap(True)
    return label


def candidate_tooltip(candidate: Any) -> str:
    """The layer name (from the prompt) and, when the model rewrote it, the revised prompt."""
    meta = getattr(candidate.entry, "meta", None)
    revised = getattr(meta, "revised_prompt", None) or ""
    return literal_tooltip(candidate.patch.name, revised)


class ResultsArea(QtWidgets.QWidget):
    def __init__(self) -> None:
        super().__init__()
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        row = QtWidgets.QHBoxLayout()
        self.go = QtWidgets.QPushButton(_(glossary.JOB_NAMES["generate"]))
        self.cancel_button = QtWidgets.QPushButton(_(glossary.CANCEL))
        self.cancel_button.setEnabled(False)
        self.settings_button = QtWidgets.QPushButton(_(glossary.SETTINGS))
        for w in (self.go, self.cancel_button, self.settings_button):
            row.addWidget(w)
        box.addLayout(row)
        self.progress = QtWidgets.QProgressBar()
        box.addWidget(self.progress)
        self.list = QtWidgets.QListWidget()
        self.list.setViewMode(qenum(QtWidgets.QListView, "ViewMode", "IconMode"))
        self.list.setIconSize(QtCore.QSize(ICON, ICON))
        self.list.setResizeMode(qenum(QtWidgets.QListView, "ResizeMode", "Adjust"))
        self.list.setMinimumHeight(ICON + 24)  # one row of thumbnails, always
        box.addWidget(self.list, 1)
        row = QtWidgets.QHBoxLayout()
        self.apply_button = QtWidgets.QPushButton(_(glossary.APPLY))
        self.apply_all_button = QtWidgets.QPushButton(_(glossary.APPLY_ALL))
        self.discard_button = QtWidgets.QPushButton(_(glossary.DISCARD))
        for w in (self.apply_button, self.apply_all_button, self.discard_button):
            row.addWidget(w)
        box.addLayout(row)
        self.status = plain_label()  # errors and notices from the server: text, never HTML
        box.addWidget(self.status)
        self.set_candidates([])

    def set_candidates(self, candidates: list[Any]) -> None:
        """Show `candidates` (core Candidates) as thumbnails; [] empties the list. The
        result buttons are enabled exactly when there is something to apply."""
        self.list.clear()
        for cand in candidates:
            item = QtWidgets.QListWidgetItem(QtGui.QIcon(thumbnail(cand.patch.image.pixels)), "")
            item.setToolTip(candidate_tooltip(cand))
            self.list.addItem(item)
        self.enable_results(bool(candidates))

    def enable_results(self, on: bool) -> None:
        for button in (self.apply_button, self.apply_all_button, self.discard_button):
            button.setEnabled(on)

    def name_job(self, kind: str) -> None:
        """The main button says what it will do: Generate, Fill selection, Variations."""
        self.go.setText(_(glossary.JOB_NAMES.get(kind, glossary.JOB_NAMES["generate"])))
