"""The job options of the panel: model, size, quality, complexity, count, background, advanced.

A plain widget that turns the user's choices into the keyword options of
`workflow.start` (the same names the scripting module takes), and follows
the chosen model's capabilities (qualities, complexity, n, background, markup,
streaming...). The model list is the catalogue's live models, plus the
account's image models once the docker has fetched them (`show_account_models`,
marked "(account)"); what is offered and how it is marked is model_choices.py's.
Imports .qt, .model_choices and the core catalogue; no krita (the docker hands
in the document whose layers the markup and reference lists show).
"""

from __future__ import annotations

from typing import Any

from . import model_choices as choices
from .core import glossary as words
from .core.models.catalogue import DEFAULT_MODEL, ModelSpec, get_model, max_candidates
from .core.models.size_presets import size_presets
from .i18n import _
from .qt import Qt, QtCore, QtWidgets, qenum

AUTO = "auto"
BACKGROUNDS = ((words.AUTO, None), (words.N_("Transparent"), "transparent"),
               (words.N_("Opaque"), "opaque"))


class OptionsForm(QtWidgets.QWidget):
    changed = QtCore.pyqtSignal()
    settings_notice: str | None = None  # a saved model moved off a shut-down one, said once

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        form = QtWidgets.QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.model = QtWidgets.QComboBox()
        self.model.setEditable(True)  # any id: an OpenAI-compatible server's own models
        self.account_ids: list[str] = []  # the ids added from the account's list
        self._fill_models([], None)
        self.select_model(DEFAULT_MODEL)
        self.refresh_models = QtWidgets.QToolButton()  # the docker connects it
        self.refresh_models.setText("↻")
        self.refresh_models.setToolTip(_("Fetch the account's model list again"))
        model_row = QtWidgets.QHBoxLayout()
        model_row.addWidget(self.model, 1)
        model_row.addWidget(self.refresh_models)
        self.size = QtWidgets.QComboBox()
        self.size.setEditable(True)  # any WIDTHxHEIGHT; the items follow the model
        self.quality = QtWidgets.QComboBox()
        self.complexity = QtWidgets.QComboBox()
        self.complexity.setToolTip(_("Planning effort, apart from quality (some models only)"))
        self.count = QtWidgets.QSpinBox()
        self.count.setRange(1, 10)
        self.background = QtWidgets.QComboBox()
        for label, value in BACKGROUNDS:
            self.background.addItem(_(label), value)
        form.addRow(_(words.MODEL), model_row)
        form.addRow(_(words.SIZE), self.size)
        form.addRow(_(words.QUALITY), self.quality)
        form.addRow(_(words.COMPLEXITY), self.complexity)
        form.addRow(_(words.CANDIDATES), self.count)
        form.addRow(_(words.BACKGROUND), self.background)
        self.advanced = self._advanced_group()
        self.advanced.setVisible(False)  # folded away until asked for
        self.advanced_toggle = QtWidgets.QToolButton()
        self.advanced_toggle.setText(_(words.ADVANCED))
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.toggled.connect(self.advanced.setVisible)
        form.addRow(self.advanced_toggle)
        form.addRow(self.advanced)
        for combo in (self.model, self.size, self.quality, self.background):
            combo.currentTextChanged.connect(lambda _t: self.changed.emit())
        for combo in (self.model, self.size):  # long ids must not widen a narrow docker
            combo.setSizeAdjustPolicy(qenum(QtWidgets.QComboBox, "SizeAdjustPolicy",
                                            "AdjustToMinimumContentsLengthWithIcon"))
            combo.setMinimumContentsLength(12)
        self.count.valueChanged.connect(lambda _v: self.changed.emit())
        self.model.currentTextChanged.connect(lambda _t: self._follow_model(self.model_id()))
        self._follow_model(self.model_id())
        self._load_defaults()

    def _load_defaults(self) -> None:
        """Start from the user's saved defaults (shared with the GIMP plug-in)."""
        try:
            from .core.store.settings import Settings

            s, self.settings_notice = Settings.load_with_notice()
        except Exception:  # unreadable settings: the built-in defaults stay
            return
        self.select_model(s.model)
        if s.size != AUTO:
            self.size.setCurrentText(s.size)
        self.quality.setCurrentIndex(max(0, self.quality.findData(s.quality)))
        self.count.setValue(s.n)
        self.background.setCurrentIndex(max(0, self.background.findData(
            None if s.background == "auto" else s.background)))
        self.padding.setValue(s.context_padding_px)
        self.stream.setChecked(s.stream_previews)

    def _advanced_group(self) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox()
        form = QtWidgets.QFormLayout(box)
        self.padding = QtWidgets.QSpinBox()
        self.padding.setRange(0, 4096)
        self.padding.setValue(64)
        self.padding.setSuffix(" px")
        self.whole_image = QtWidgets.QCheckBox(_(words.WHOLE_IMAGE))
        self.visible = QtWidgets.QCheckBox(_(words.VISIBLE_IMAGE))
        self.visible.setToolTip(_("Read the visible image, not the active layer"))
        self.fidelity = QtWidgets.QComboBox()
        self.fidelity.addItem(_(words.MODEL_DEFAULT), None)
        self.fidelity.addItem("high", "high")
        self.fidelity.addItem("low", "low")
        self.stream = QtWidgets.QCheckBox(_(words.STREAM_PREVIEWS))
        self.stream.setToolTip(_("Show partial images while the model renders"))
        self.stream.setChecked(True)
        self.as_is = QtWidgets.QCheckBox(_("Use prompt as-is"))
        self.as_is.setToolTip(
            _("Ask a model that rewrites prompts (DALL·E 3) to use yours unchanged"))
        self.markup = QtWidgets.QComboBox()  # filled by the docker from the document's layers
        self.references = QtWidgets.QListWidget()
        self.references.setMaximumHeight(70)
        form.addRow(_(words.CONTEXT_PADDING), self.padding)
        form.addRow(self.whole_image)
        form.addRow(self.visible)
        form.addRow(_(words.INPUT_FIDELITY), self.fidelity)
        form.addRow(self.stream)
        form.addRow(self.as_is)
        form.addRow(_(words.MARKUP_LAYER), self.markup)
        form.addRow(_(words.REFERENCE_LAYERS), self.references)
        return box

    def _fill_sizes(self, spec: ModelSpec) -> None:
        """The model's size presets (core.models.size_presets, GIMP's too), keeping the
        chosen size or the typed one; "auto" on a model without it becomes its first size."""
        current = self.size_value() if self.size.count() else AUTO
        self.size.blockSignals(True)
        self.size.clear()
        for size in size_presets(spec):
            self.size.addItem(_(words.SIZE_AUTO) if size == AUTO else size, size)
        self.size.blockSignals(False)
        index = self.size.findData(current)
        if index < 0 and current == AUTO:
            index = 0
        if index >= 0:
            self.size.setCurrentIndex(index)
        else:
            self.size.setCurrentText(current)  # typed by the artist: kept as typed

    def _follow_model(self, model_id: str) -> None:
        spec = get_model(model_id.strip() or DEFAULT_MODEL)
        self._fill_sizes(spec)
        for combo, items in ((self.quality, choices.quality_items(spec, _)),
                             (self.complexity, choices.complexity_items(spec, _))):
            current = combo.currentData()
            combo.clear()
            for label, data in items:  # the items' words are translated where they are made
                combo.addItem(label, data)
            combo.setCurrentIndex(choices.keep_choice(items, current))
        self.complexity.setEnabled(bool(spec.complexity))
        self.count.setMaximum(max_candidates(spec))  # the core's bound for every entry point
        self.background.setEnabled(spec.background)
        self.fidelity.setEnabled(bool(spec.input_fidelity))
        self.stream.setEnabled(spec.streaming)
        self.markup.setEnabled(spec.markup)
        self.as_is.setEnabled(spec.rewrites_prompt)

    def model_id(self) -> str:
        """The chosen id: an item's data ("x (account)" is x), or the text typed in, marks
        stripped (a label copied into the box, "x (ends 2026-12-16)", is x too)."""
        text = self.model.currentText()
        index = self.model.currentIndex()
        if index >= 0 and self.model.itemText(index) == text and self.model.itemData(index):
            return str(self.model.itemData(index))
        return choices.strip_marks(text) or DEFAULT_MODEL

    def select_model(self, model_id: str) -> None:
        """Choose `model_id`'s item, whatever its marks; an id no item has is typed in."""
        index = self.model.findData(model_id)
        if index >= 0:
            self.model.setCurrentIndex(index)
        else:
            self.model.setCurrentText(model_id)

    def _fill_models(self, account_ids: list[str], dates: choices.AccountDates | None) -> None:
        """The live catalogue models, then the account's extras; `dates` (the account's
        shutdown dates) outrank the catalogue's, for both."""
        self.model.clear()
        for label, model_id in choices.model_items(account=dates):
            self.model.addItem(label, model_id)
        listed = [str(self.model.itemData(i)) for i in range(self.model.count())]
        self.account_ids = choices.account_extras(account_ids, listed, account=dates)
        for model_id in self.account_ids:
            self.model.addItem(*choices.account_item(model_id, account=dates))

    def show_account_models(
        self, account_ids: list[str] | None, dates: choices.AccountDates | None = None
    ) -> None:
        """Rebuild the list with the account's image models and dates; None (not fetched)
        keeps the catalogue's list, with a quiet tooltip rather than an alarm."""
        if account_ids is None:
            self.refresh_models.setToolTip(
                "The account's model list is not available (no key yet, or the server "
                "does not list models); the catalogue's models are shown.")
            return
        chosen = self.model_id()
        self.model.blockSignals(True)  # one model change at the end, not one per item
        self._fill_models(account_ids, dates)
        self.model.blockSignals(False)
        self.select_model(chosen)
        self._follow_model(self.model_id())
        self.refresh_models.setToolTip(
            f"{len(self.account_ids)} more model(s) from the account; click to fetch again")

    def fill_layer_lists(self, document: Any) -> None:
        """The markup and reference lists from `document`'s top-level layers (None: empty)."""
        names = [] if document is None else [n.name() for n in document.topLevelNodes()]
        self.markup.clear()
        self.markup.addItem(_("None"), None)
        self.references.clear()
        for name in names:
            self.markup.addItem(name, name)
            item = QtWidgets.QListWidgetItem(name)
            item.setFlags(item.flags() | qenum(Qt, "ItemFlag", "ItemIsUserCheckable"))
            item.setCheckState(qenum(Qt, "CheckState", "Unchecked"))
            self.references.addItem(item)

    def guide_layers(self, document: Any) -> dict[str, Any]:
        """The markup layer (when the model takes one) and the checked reference layers."""
        nodes = {n.name(): n for n in document.topLevelNodes()}
        guides: dict[str, Any] = {}
        markup = self.markup.currentData() if self.markup.isEnabled() else None
        if markup in nodes:
            guides["markup"] = nodes[markup]
        checked = qenum(Qt, "CheckState", "Checked")
        refs = [self.references.item(i).text() for i in range(self.references.count())
                if self.references.item(i).checkState() == checked]
        if refs:
            guides["references"] = [nodes[r] for r in refs if r in nodes]
        return guides

    def size_value(self) -> str:
        data = self.size.currentData()
        text = self.size.currentText().strip()
        if data is not None and self.size.itemText(self.size.currentIndex()) == text:
            return str(data)
        return text or AUTO

    def cost_text(self, kind: str, document: Any, prompt: str) -> str:
        """The core's estimate for this job as it would be planned (the size the plan
        sends, its inputs): the figure the spend caps check."""
        if document is None:
            return _("Estimated cost: open a document")
        from . import workflow

        opts = self.options()
        try:
            est = workflow.quote(kind, document, prompt, **opts)
        except Exception:  # an unknown size or model while typing: no estimate, no error
            return _("Estimated cost: unknown")
        from .core.jobs.quote import describe

        return describe(est)

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
        if spec.input_fidelity and self.fidelity.currentData():
            opts["input_fidelity"] = self.fidelity.currentData()
        if spec.complexity and self.complexity.currentData():  # "model default": none sent
            opts["complexity"] = self.complexity.currentData()
        return opts
