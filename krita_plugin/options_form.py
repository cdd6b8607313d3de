"""The job options of the panel: model, size, quality, count, background, advanced.

A plain widget that turns the user's choices into the keyword options of
`workflow.start` (the same names the scripting module takes), and follows
the chosen model's capabilities (qualities, n, background, streaming...).
The model list is the catalogue's, plus the account's image models once the
docker has fetched them (`show_account_models`, marked "(account)").
Imports .qt, .account_models and the core catalogue; no krita.
"""

from __future__ import annotations

from typing import Any

from .account_models import ACCOUNT_MARK, account_extras
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
            self.model.addItem(spec.id, spec.id)
        self.model.setCurrentText(DEFAULT_MODEL)
        self.account_ids: list[str] = []  # the ids added from the account's list
        self.refresh_models = QtWidgets.QToolButton()  # the docker connects it
        self.refresh_models.setText("↻")
        self.refresh_models.setToolTip("Fetch the account's model list again")
        model_row = QtWidgets.QHBoxLayout()
        model_row.addWidget(self.model, 1)
        model_row.addWidget(self.refresh_models)
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
        form.addRow("Model", model_row)
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
        self.model.currentTextChanged.connect(lambda _t: self._follow_model(self.model_id()))
        self._follow_model(self.model_id())
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
        self.as_is = QtWidgets.QCheckBox("Use prompt as-is")
        self.as_is.setToolTip("Ask a model that rewrites prompts (DALL·E 3) to use yours unchanged")
        self.markup = QtWidgets.QComboBox()  # filled by the docker from the document's layers
        self.references = QtWidgets.QListWidget()
        self.references.setMaximumHeight(70)
        form.addRow("Context padding", self.padding)
        form.addRow(self.whole_image)
        form.addRow(self.visible)
        form.addRow("Input fidelity", self.fidelity)
        form.addRow(self.stream)
        form.addRow(self.as_is)
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
        self.as_is.setEnabled(spec.rewrites_prompt)

    def model_id(self) -> str:
        """The chosen id: an item's data ("x (account)" is x), or the text typed in."""
        text = self.model.currentText()
        index = self.model.currentIndex()
        if index >= 0 and self.model.itemText(index) == text and self.model.itemData(index):
            return str(self.model.itemData(index))
        return text.strip().removesuffix(ACCOUNT_MARK) or DEFAULT_MODEL

    def show_account_models(self, account_ids: list[str] | None) -> None:
        """Add the account's image models the catalogue lacks; None (not fetched) keeps
        the catalogue's list, with a quiet tooltip rather than an alarm."""
        if account_ids is None:
            self.refresh_models.setToolTip(
                "The account's model list is not available (no key yet, or the server "
                "does not list models); the catalogue's models are shown.")
            return
        chosen = self.model_id()
        for i in reversed(range(self.model.count())):
            if self.model.itemData(i) in self.account_ids:
                self.model.removeItem(i)
        listed = [str(self.model.itemData(i)) for i in range(self.model.count())]
        self.account_ids = account_extras(account_ids, listed)
        for model_id in self.account_ids:
            self.model.addItem(model_id + ACCOUNT_MARK, model_id)
        index = self.model.findData(chosen)
        if index >= 0:
            self.model.setCurrentIndex(index)
        else:
            self.model.setCurrentText(chosen)
        self.refresh_models.setToolTip(
            f"{len(self.account_ids)} more model(s) from the account; click to fetch again")

    def size_value(self) -> str:
        data = self.size.currentData()
        text = self.size.currentText().strip()
        if data is not None and self.size.itemText(self.size.currentIndex()) == text:
            return str(data)
        return text or AUTO

    def options(self) -> dict[str, Any]:
        """Keyword options for workflow.start / the scripting functions."""
        spec = get_model(self.model_id())
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
            "prompt_as_is": self.as_is.isChecked() and spec.rewrites_prompt,
        }
        opts["spend_cap_day_usd"] = self.spend_cap_day
        opts["spend_cap_job_usd"] = self.spend_cap_job
        if spec.input_fidelity and self.fidelity.currentData():
            opts["input_fidelity"] = self.fidelity.currentData()
        return opts
