"""The job options of the panel: model, size, quality, count, background, advanced.

A plain widget that turns the user's choices into the keyword options of
`workflow.start` (the same names the scripting module takes), and follows
the chosen model's capabilities (qualities, n, background, streaming...).
Imports .qt and the core catalogue; no krita.
"""

from __future__ import annotations

from typing import Any

from .core.catalogue import DEFAULT_MODEL, get_model, known_models
from .qt import QtCore, QtWidgets

AUTO = "auto"
SIZE_PRESETS = ("1024x1024", "1536x1024", "1024x1536", "2048x2048", "2048x1152", "3840x2160")
BACKGROUNDS = (("auto", None), ("transparent", "transparent"), ("opaque", "opaque"))


class OptionsForm(QtWidgets.QWidget):
    changed = QtCore.pyqtSignal()
    spend_cap_day: float | None = None  # from the settings; the core refuses jobs above them
    spend_cap_job: float | None = None

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        form = QtWidgets.QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.model = QtWidgets.QComboBox()
        self.model.setEditable(True)  # any id: an OpenAI-compatible server's own models
        for spec in known_models():
            self.model.addItem(spec.id)
        self.model.setCurrentText(DEFAULT_MODEL)
        self.size = QtWidgets.QComboBox()
        self.size.setEditable(True)
        self.size.addItem("automatic (fit the selection)", AUTO)
        for preset in SIZE_PRESETS:
            self.size.addItem(preset, preset)
        self.quality = QtWidgets.QComboBox()
        self.count = QtWidgets.QSpinBox()
        self.count.setRange(1, 10)
        self.background = QtWidgets.QComboBox()
        for label, value in BACKGROUNDS:
            self.background.addItem(label, value)
        form.addRow("Model", self.model)
        form.addRow("Size", self.size)
        form.addRow("Quality", self.quality)
        form.addRow("Images", self.count)
        form.addRow("Background", self.background)
        self.advanced = self._advanced_group()
        self.advanced.setVisible(False)  # folded away until asked for
        self.advanced_toggle = QtWidgets.QToolButton()
        self.advanced_toggle.setText("Advanced options")
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.toggled.connect(self.advanced.setVisible)
        form.addRow(self.advanced_toggle)
        form.addRow(self.advanced)
        for combo in (self.model, self.size, self.quality, self.background):
            combo.currentTextChanged.connect(lambda _t: self.changed.emit())
        self.count.valueChanged.connect(lambda _v: self.changed.emit())
        self.model.currentTextChanged.connect(self._follow_model)
        self._follow_model(self.model.currentText())
        self._load_defaults()

    def _load_defaults(self) -> None:
        """Start from the user's saved defaults (shared with the GIMP plug-in)."""
        try:
            from .core.settings import Settings

            s = Settings.load()
        except Exception:  # unreadable settings: the built-in defaults stay
            return
        self.model.setCurrentText(s.model)
        if s.size != AUTO:
            self.size.setCurrentText(s.size)
        self.quality.setCurrentIndex(max(0, self.quality.findData(s.quality)))
        self.count.setValue(s.n)
        self.background.setCurrentIndex(max(0, self.background.findData(
            None if s.background == "auto" else s.background)))
        self.padding.setValue(s.context_padding_px)
        self.stream.setChecked(s.stream_previews)
        self.spend_cap_day = s.spend_cap_day_usd
        self.spend_cap_job = s.spend_cap_job_usd

    def _advanced_group(self) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox("Advanced")
        form = QtWidgets.QFormLayout(box)
        self.padding = QtWidgets.QSpinBox()
        self.padding.setRange(0, 4096)
        self.padding.setValue(64)
        self.padding.setSuffix(" px")
        self.whole_image = QtWidgets.QCheckBox("send the whole image as context")
        self.visible = QtWidgets.QCheckBox("read the visible image, not the active layer")
        self.fidelity = QtWidgets.QComboBox()
        self.fidelity.addItem("default", None)
        self.fidelity.addItem("high", "high")
        self.fidelity.addItem("low", "low")
        self.stream = QtWidgets.QCheckBox("show partial previews while rendering")
        self.stream.setChecked(True)
        self.markup = QtWidgets.QComboBox()  # filled by the docker from the document's layers
        self.references = QtWidgets.QListWidget()
        self.references.setMaximumHeight(70)
        form.addRow("Context padding", self.padding)
        form.addRow(self.whole_image)
        form.addRow(self.visible)
        form.addRow("Input fidelity", self.fidelity)
        form.addRow(self.stream)
        form.addRow("Markup layer", self.markup)
        form.addRow("Reference layers", self.references)
        return box

    def _follow_model(self, model_id: str) -> None:
        spec = get_model(model_id.strip() or DEFAULT_MODEL)
        current = self.quality.currentData()
        self.quality.clear()
        self.quality.addItem("default", None)
        for q in spec.qualities:
            self.quality.addItem(q, q)
        index = self.quality.findData(current)
        self.quality.setCurrentIndex(max(0, index))
        self.count.setMaximum(max(1, 10 if spec.streaming or spec.n_max > 1 else spec.n_max))
        self.background.setEnabled(spec.background)
        self.fidelity.setEnabled(bool(spec.input_fidelity))
        self.stream.setEnabled(spec.streaming)
        self.markup.setEnabled(spec.markup)

    def size_value(self) -> str:
        data = self.size.currentData()
        text = self.size.currentText().strip()
        if data is not None and self.size.itemText(self.size.currentIndex()) == text:
            return str(data)
        return text or AUTO

    def options(self) -> dict[str, Any]:
        """Keyword options for workflow.start / the scripting functions."""
        spec = get_model(self.model.currentText().strip() or DEFAULT_MODEL)
        opts: dict[str, Any] = {
            "model": spec.id,
            "size": self.size_value(),
            "quality": self.quality.currentData(),
            "n": self.count.value(),
            "background": self.background.currentData() if spec.background else None,
            "stream": self.stream.isChecked() and spec.streaming,
            "padding": self.padding.value(),
            "whole_image": self.whole_image.isChecked(),
            "visible": self.visible.isChecked(),
        }
        opts["spend_cap_day_usd"] = self.spend_cap_day
        opts["spend_cap_job_usd"] = self.spend_cap_job
        if spec.input_fidelity and self.fidelity.currentData():
            opts["input_fidelity"] = self.fidelity.currentData()
        return opts
