"""Krita panel: the model, quality and complexity pickers follow the models alive today.

The plug-in's package is built from the working tree under a name of its own
(with the core inside, as installed), and its one Qt module is replaced by a
small fake of the widgets the options form uses, so the form itself runs here:
no Krita and no PyQt. The real widgets are proven in tests/hosts/scenarios/krita_*.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import threading
import time
import types
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "openai_images_pickers"
NOV_15 = date(2026, 11, 15)  # gpt-image-1.5 and friends: 16 days left (shut down on Dec 1)
DEC_2 = date(2026, 12, 2)


# -- a fake of the few Qt widgets the options form uses ----------------------------------
class Signal:
    def __init__(self):
        self.slots = []
        self.blocked = False

    def connect(self, slot):
        self.slots.append(slot)

    def emit(self, *args):
        if not self.blocked:
            for slot in list(self.slots):
                slot(*args)


class SignalDescriptor:
    """QtCore.pyqtSignal(): one Signal per instance."""

    def __set_name__(self, owner, name):
        self.name = "_signal_" + name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        if self.name not in obj.__dict__:
            obj.__dict__[self.name] = Signal()
        return obj.__dict__[self.name]


class Widget:
    def __init__(self, *args):
        self.enabled, self.visible, self.tooltip, self.text_ = True, True, "", ""
        self._signals = {}

    SIGNALS = ("clicked", "toggled", "currentTextChanged", "valueChanged")

    def __getattr__(self, name):  # the Qt signals the form connects, made on first use
        if name not in self.SIGNALS:
            raise AttributeError(name)
        return self._signals.setdefault(name, Signal())

    def blockSignals(self, on):  # noqa: N802 (Qt's names)
        for signal in self._signals.values():
            signal.blocked = on

    def setEnabled(self, on):  # noqa: N802
        self.enabled = bool(on)

    def isEnabled(self):  # noqa: N802
        return self.enabled

    def setVisible(self, on):  # noqa: N802
        self.visible = bool(on)

    def setToolTip(self, text):  # noqa: N802
        self.tooltip = text

    def setText(self, text):  # noqa: N802
        self.text_ = text

    def setCheckable(self, on):  # noqa: N802
        pass

    def setContentsMargins(self, *margins):  # noqa: N802
        pass

    def addRow(self, *parts):  # noqa: N802
        pass

    def addWidget(self, *parts):  # noqa: N802
        pass

    def setMaximumHeight(self, h):  # noqa: N802
        pass


class ComboBox(Widget):
    """QComboBox as the form uses it: items of (text, data), an editable text, signals."""

    def __init__(self, *args):
        super().__init__()
        self.items, self.index, self.edit_text = [], -1, ""

    def _moved(self, index):
        self.index = index
        self.edit_text = self.items[index][0] if index >= 0 else ""
        self.currentTextChanged.emit(self.edit_text)

    def setEditable(self, on):  # noqa: N802
        pass

    def setSizeAdjustPolicy(self, policy):  # noqa: N802
        pass

    def setMinimumContentsLength(self, length):  # noqa: N802
        pass

    def addItem(self, text, data=None):  # noqa: N802
        self.items.append((text, data))
        if self.index < 0:
            self._moved(0)

    def clear(self):
        self.items = []
        self._moved(-1)

    def removeItem(self, index):  # noqa: N802
        del self.items[index]
        self._moved(min(self.index, len(self.items) - 1))

    def count(self):
        return len(self.items)

    def itemText(self, index):  # noqa: N802
        return self.items[index][0]

    def itemData(self, index):  # noqa: N802
        return self.items[index][1]

    def findData(self, data):  # noqa: N802
        return next((i for i, (_t, d) in enumerate(self.items) if d == data), -1)

    def currentIndex(self):  # noqa: N802
        return self.index

    def currentText(self):  # noqa: N802
        return self.edit_text

    def currentData(self):  # noqa: N802
        return self.items[self.index][1] if self.index >= 0 else None

    def setCurrentIndex(self, index):  # noqa: N802
        if index != self.index:
            self._moved(index)

    def setCurrentText(self, text):  # noqa: N802
        # an editable QComboBox only sets its line edit; the current index stays
        if text != self.edit_text:
            self.edit_text = text
            self.currentTextChanged.emit(text)


class SpinBox(Widget):
    def __init__(self, *args):
        super().__init__()
        self.value_, self.maximum = 0, 99

    def setRange(self, low, high):  # noqa: N802
        self.maximum = high

    def setMaximum(self, high):  # noqa: N802
        self.maximum = high

    def setSuffix(self, text):  # noqa: N802
        pass

    def setValue(self, value):  # noqa: N802
        self.value_ = min(value, self.maximum)

    def value(self):
        return self.value_


class CheckBox(Widget):
    def __init__(self, *args):
        super().__init__()
        self.checked = False

    def setChecked(self, on):  # noqa: N802
        self.checked = bool(on)

    def isChecked(self):  # noqa: N802
        return self.checked


def fake_qt(name):
    qt = types.ModuleType(name)
    qt.QtCore = types.SimpleNamespace(pyqtSignal=SignalDescriptor)
    qt.QtWidgets = types.SimpleNamespace(
        QWidget=Widget, QFormLayout=Widget, QHBoxLayout=Widget, QGroupBox=Widget,
        QToolButton=Widget, QListWidget=Widget, QComboBox=ComboBox, QSpinBox=SpinBox,
        QCheckBox=CheckBox,
    )
    qt.Qt = types.SimpleNamespace()
    qt.qenum = lambda owner, scope, member: member
    return qt


@pytest.fixture(scope="module")
def plugin():
    """krita_plugin/ as the package PACKAGE, the working tree's core as its .core."""
    saved = dict(sys.modules)
    package = types.ModuleType(PACKAGE)  # krita_plugin/__init__.py registers with Krita: skip it
    package.__path__ = [str(ROOT / "krita_plugin")]
    sys.modules[PACKAGE] = package
    init = ROOT / "core" / "__init__.py"
    spec = importlib.util.spec_from_file_location(
        PACKAGE + ".core", init, submodule_search_locations=[str(init.parent)]
    )
    sys.modules[PACKAGE + ".core"] = core = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(core)
    sys.modules[PACKAGE + ".qt"] = fake_qt(PACKAGE + ".qt")
    try:
        yield types.SimpleNamespace(
            choices=importlib.import_module(PACKAGE + ".model_choices"),
            form=importlib.import_module(PACKAGE + ".options_form"),
            fetch=importlib.import_module(PACKAGE + ".account_models"),
        )
    finally:
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]
        sys.modules.update({k: v for k, v in saved.items() if k.split(".")[0] == PACKAGE})


def items(combo):
    return [combo.itemText(i) for i in range(combo.count())]


def choose(form, model_id):
    """What the artist does: pick the model's item in the combo box."""
    index = form.model.findData(model_id)
    assert index >= 0, f"{model_id} is not offered"
    form.model.setCurrentIndex(index)


# -- the pure helpers ------------------------------------------------------------------------
def test_only_live_models_are_offered(plugin):
    ids = [model_id for _label, model_id in plugin.choices.model_items(DEC_2)]
    assert {"gpt-image-2", "gpt-image-2.6-flare", "gpt-image-2.6-sunburst"} <= set(ids)
    for gone in ("gpt-image-1.5", "gpt-image-1-mini", "chatgpt-image-latest", "dall-e-3"):
        assert gone not in ids


def test_a_model_in_its_last_days_is_offered_marked(plugin):
    labels = dict((i, label) for label, i in plugin.choices.model_items(NOV_15))
    assert labels["gpt-image-1.5"] == "gpt-image-1.5 (ends 2026-12-01)"
    assert labels["gpt-image-2"] == "gpt-image-2"  # no shutdown date: no mark
    assert "gpt-image-1" not in labels  # shut down on 2026-10-23


def test_the_account_date_outranks_the_catalogue(plugin):
    # Azure retires gpt-image-1.5 on Dec 16: alive there on Dec 2, and marked
    account = {"gpt-image-1.5": date(2026, 12, 16)}
    labels = dict((i, label) for label, i in plugin.choices.model_items(DEC_2, account))
    assert labels["gpt-image-1.5"] == "gpt-image-1.5 (ends 2026-12-16)"


@pytest.mark.parametrize("text", [
    "gpt-image-1.5 (ends 2026-12-01)", " gpt-image-1.5 (account) ",
    "gpt-image-1.5 (account) (ends 2026-12-01)", "gpt-image-1.5",
])
def test_marks_are_stripped_from_the_chosen_id(plugin, text):
    assert plugin.choices.strip_marks(text) == "gpt-image-1.5"


def test_shut_down_account_models_are_not_added(plugin):
    account = ["gpt-4o", "whisper-1", "gpt-image-2", "dall-e-3", "acme-image-xl", "dall-e-3",
               "gpt-image-1.5", "old-image-model"]
    listed = ["gpt-image-2"]
    dates = {"old-image-model": date(2026, 11, 1)}  # the account's own date: gone
    assert plugin.choices.account_extras(account, listed, DEC_2, dates) == ["acme-image-xl"]


def test_quality_and_complexity_follow_the_model(plugin):
    from openai_images_pickers.core.models.catalogue import get_model

    two, flare = get_model("gpt-image-2"), get_model("gpt-image-2.6-flare")
    assert [d for _l, d in plugin.choices.quality_items(two)] == [
        None, "low", "medium", "high"]  # "auto" is the first item, None: not twice
    assert "xhigh" in [d for _l, d in plugin.choices.quality_items(flare)]
    assert plugin.choices.complexity_items(two) == [("Model default", None)]
    assert plugin.choices.complexity_items(flare) == [
        ("Model default", None), ("low", "low"), ("medium", "medium"), ("high", "high")]
    flare_items = plugin.choices.quality_items(flare)
    assert plugin.choices.keep_choice(plugin.choices.quality_items(two), "xhigh") == 0
    assert flare_items[plugin.choices.keep_choice(flare_items, "xhigh")][1] == "xhigh"


# -- the form itself, on the fake widgets -------------------------------------------------------
@pytest.fixture
def form(plugin, user_dirs):
    return plugin.form.OptionsForm()


def test_the_form_offers_live_models_and_the_default(form, plugin):
    from openai_images_pickers.core.models.catalogue import DEFAULT_MODEL

    ids = [form.model.itemData(i) for i in range(form.model.count())]
    assert "gpt-image-1.5" not in ids and "dall-e-2" not in ids
    assert form.model_id() == DEFAULT_MODEL == form.options()["model"]


def test_complexity_follows_the_chosen_model_and_is_sent_only_when_chosen(form):
    choose(form, "gpt-image-2.6-flare")
    assert form.complexity.isEnabled()
    assert items(form.complexity) == ["Model default", "low", "medium", "high"]
    assert "complexity" not in form.options()  # model default: nothing sent
    form.complexity.setCurrentIndex(form.complexity.findData("high"))
    form.quality.setCurrentIndex(form.quality.findData("xhigh"))
    assert (form.options()["complexity"], form.options()["quality"]) == ("high", "xhigh")
    choose(form, "gpt-image-2")
    assert not form.complexity.isEnabled() and items(form.complexity) == ["Model default"]
    assert "xhigh" not in items(form.quality) and form.options()["quality"] is None
    assert "complexity" not in form.options()


def test_markup_is_enabled_for_the_models_that_take_it(form):
    choose(form, "gpt-image-2.6-flare")
    assert form.markup.isEnabled()
    choose(form, "gpt-image-2")
    assert not form.markup.isEnabled()


def test_a_label_typed_into_the_box_reads_as_its_id(form):
    form.model.setCurrentText("gpt-image-2.6-sunburst (ends 2027-01-05)")
    assert form.model_id() == "gpt-image-2.6-sunburst"
    assert form.complexity.isEnabled()  # followed the stripped id, not the unknown label


def test_the_account_list_rebuilds_the_combo_and_keeps_the_choice(form):
    choose(form, "gpt-image-2")
    form.show_account_models(["gpt-image-2", "dall-e-3", "acme-image-xl", "gpt-image-1.5"],
                             {"gpt-image-1.5": date(2099, 1, 1)})
    labels = items(form.model)
    assert "acme-image-xl (account)" in labels
    assert not [t for t in labels if t.startswith("dall-e-3")], "a shut-down id was added"
    # the account says gpt-image-1.5 lives on there: offered again, from the catalogue
    assert "gpt-image-1.5" in labels and form.account_ids == ["acme-image-xl"]
    assert form.model_id() == "gpt-image-2"
    form.model.setCurrentIndex(form.model.findData("acme-image-xl"))
    assert form.model_id() == "acme-image-xl"


def test_a_saved_shut_down_model_is_migrated_and_said_once(plugin, user_dirs):
    _data, config = user_dirs
    config.mkdir(parents=True)
    (config / "settings.json").write_text(json.dumps({"model": "gpt-image-1.5"}), "utf-8")
    first = plugin.form.OptionsForm()
    assert first.settings_notice and "gpt-image-1.5 was shut down" in first.settings_notice
    assert first.model_id() == "gpt-image-2.6-flare"
    assert plugin.form.OptionsForm().settings_notice is None  # written back: said once


# -- the account's list, fetched off the GUI thread -------------------------------------------
def test_the_fetch_hands_ids_and_dates_to_the_form_and_the_cache(plugin):
    class Client:
        def __init__(self):
            self.threads = []

        def list_model_entries(self):
            self.threads.append(threading.current_thread())
            return [{"id": "gpt-image-2", "shutdown_date": None},
                    {"id": "gpt-image-1.5", "shutdown_date": "2026-12-16"}]

    class Cache:
        stored = None

        def store(self, entries):
            self.stored = entries

    client, cache = Client(), Cache()
    fetch = plugin.fetch.ModelListFetch(client, cache)
    deadline = time.monotonic() + 30
    while not fetch.done and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.threads and client.threads[0] is not threading.current_thread()
    assert fetch.result == ["gpt-image-2", "gpt-image-1.5"]
    assert fetch.dates == {"gpt-image-2": None, "gpt-image-1.5": date(2026, 12, 16)}
    assert [e["id"] for e in cache.stored] == ["gpt-image-2", "gpt-image-1.5"]


def test_the_size_presets_follow_the_model_and_keep_a_typed_size(form):
    """The size box offers the model's presets (core.models.size_presets, as GIMP does):
    a free-size model "auto" and up to 4K; dall-e-3 only its three sizes, so a chosen
    "auto" it cannot take becomes its first size; a typed size stays as typed."""
    sizes = [form.size.itemData(i) for i in range(form.size.count())]
    assert sizes[0] == "auto" and "3840x2160" in sizes, sizes
    assert form.size_value() == "auto"
    form.select_model("dall-e-3")
    assert items(form.size) == ["1024x1024", "1792x1024", "1024x1792"]
    assert form.size_value() == "1024x1024" and form.options()["size"] == "1024x1024"
    form.select_model("gpt-image-2.6-flare")
    form.size.setCurrentText("1232x816")
    form.select_model("gpt-image-2")
    assert form.size_value() == "1232x816", "a typed size was lost on a change of model"
