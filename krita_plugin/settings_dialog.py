"""The settings dialog: API key, endpoint, Azure, organization/project, network, spend cap.

The key goes through the core's KeyStore (OS keychain, or the private key
file if the user chooses it); it is shown masked and never written to kritarc.
Everything else is the core's settings file. Imports .qt and the core; no krita.
"""

from __future__ import annotations

import os
from typing import Any

from .core.pixels.engine import DESCRIPTIONS, ENGINE
from .core.store.secrets import KeyStore, mask_key
from .qt import Qt, QtWidgets, qenum

# (settings field, label, placeholder)
TEXT_FIELDS = (
    ("base_url", "Base URL", "https://api.openai.com/v1 (or the stand-in's address)"),
    ("azure_deployment", "Azure deployment", "only for Azure OpenAI"),
    ("azure_api_version", "Azure api-version", "for example 2025-04-01-preview"),
    ("organization", "Organization", "optional"),
    ("project", "Project", "optional"),
    ("proxy", "Proxy", "http://host:port (optional)"),
    ("ca_bundle", "CA bundle", "a PEM file for a company proxy (optional)"),
)
STORES = (("OS keychain (recommended)", "auto"), ("private key file", "file"))


def has_api_key() -> bool:
    try:
        return KeyStore().get()[0] is not None
    except Exception:  # a broken keychain must not break the panel
        return False


def _load_settings() -> Any:
    from .core.store.settings import Settings

    return Settings.load()


class SettingsDialog(QtWidgets.QDialog):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("OpenAI Images settings")
        form = QtWidgets.QFormLayout(self)
        self.settings = _load_settings()
        key, source = KeyStore().get()
        self.key = QtWidgets.QLineEdit()
        self.key.setEchoMode(qenum(QtWidgets.QLineEdit, "EchoMode", "Password"))
        self.key.setPlaceholderText(
            f"stored: {mask_key(key)} ({source})" if key else "sk-… (not stored yet)"
        )
        self.store = QtWidgets.QComboBox()
        for label, value in STORES:
            self.store.addItem(label, value)
        self.store.setCurrentIndex(max(0, self.store.findData(self.settings.key_store)))
        form.addRow("API key", self.key)
        form.addRow("Keep the key in", self.store)
        self.fields: dict[str, QtWidgets.QLineEdit] = {}
        for name, label, hint in TEXT_FIELDS:
            edit = QtWidgets.QLineEdit(str(getattr(self.settings, name) or ""))
            edit.setPlaceholderText(hint)
            self.fields[name] = edit
            form.addRow(label, edit)
        if os.environ.get("OPENAI_BASE_URL"):  # the environment wins over this field
            self.fields["base_url"].setToolTip(
                "OPENAI_BASE_URL is set in the environment and is used instead: "
                + os.environ["OPENAI_BASE_URL"])
        self.timeout = QtWidgets.QDoubleSpinBox()
        self.timeout.setRange(5, 3600)
        self.timeout.setSuffix(" s")
        self.timeout.setValue(float(self.settings.read_timeout))
        self.deadlines = {}  # the whole exchange, where the timeout is per read
        for name in ("attempt_deadline", "job_deadline"):
            box = QtWidgets.QDoubleSpinBox()
            box.setRange(30, 14400)
            box.setSuffix(" s")
            box.setValue(float(getattr(self.settings, name)))
            self.deadlines[name] = box
        self.cap_job = self._cap_box(self.settings.spend_cap_job_usd)
        self.cap_day = self._cap_box(self.settings.spend_cap_day_usd)
        form.addRow("Timeout", self.timeout)
        form.addRow("Deadline per attempt", self.deadlines["attempt_deadline"])
        form.addRow("Deadline per job", self.deadlines["job_deadline"])
        self.mark = QtWidgets.QCheckBox("Mark results as made with AI (a document annotation)")
        self.mark.setChecked(bool(self.settings.mark_provenance))
        form.addRow("Provenance", self.mark)
        form.addRow("Spend cap per job", self.cap_job)
        form.addRow("Spend cap per day", self.cap_day)
        # Which pixel engine this Krita runs (issue 16): numpy + Pillow, the bundle's own
        form.addRow("Pixel engine", QtWidgets.QLabel(DESCRIPTIONS[ENGINE]))
        self.error = QtWidgets.QLabel()
        self.error.setTextFormat(qenum(Qt, "TextFormat", "PlainText"))  # messages are text
        form.addRow(self.error)
        ok = qenum(QtWidgets.QDialogButtonBox, "StandardButton", "Ok")
        cancel = qenum(QtWidgets.QDialogButtonBox, "StandardButton", "Cancel")
        buttons = QtWidgets.QDialogButtonBox(ok | cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    @staticmethod
    def _cap_box(value: float | None) -> QtWidgets.QDoubleSpinBox:
        box = QtWidgets.QDoubleSpinBox()
        box.setRange(0, 100000)
        box.setPrefix("$ ")
        box.setSpecialValueText("no cap")  # shown at 0
        box.setValue(float(value or 0))
        return box

    def _save(self) -> None:
        from dataclasses import replace

        try:
            store = self.store.currentData()
            new_key = self.key.text().strip()
            if new_key:
                KeyStore(store=store).set(new_key)
            values: dict[str, Any] = {n: e.text().strip() for n, e in self.fields.items()}
            values["read_timeout"] = self.timeout.value()
            values.update({n: box.value() for n, box in self.deadlines.items()})
            values["mark_provenance"] = self.mark.isChecked()
            values["spend_cap_job_usd"] = self.cap_job.value() or None
            values["spend_cap_day_usd"] = self.cap_day.value() or None
            values["key_store"] = store
            updated = replace(self.settings, **values)
            updated.check()
            updated.save()
        except Exception as exc:  # shown in the dialog, never a traceback
            self.error.setText(f"Not saved: {exc}")
            return
        self.accept()
