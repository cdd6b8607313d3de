"""The Extension: actions in Krita's Tools menu with default shortcuts.

Each action forwards to the docker panel of the active window (which holds
the prompt and options); without one it says how to open it. Shortcuts can be
changed in Krita's shortcut settings like any other action.
Imports krita, .qt and .docker (lazily); no pixels here.
"""

from __future__ import annotations

import sys
from typing import Any

from krita import Extension, Krita

from .qt import QtGui, QtWidgets

# id, menu text, default shortcut, panel method
ACTIONS = (
    ("openai_images_generate", "OpenAI Images: Generate", "Ctrl+Alt+G", "start_generate"),
    ("openai_images_edit", "OpenAI Images: Edit Selection", "Ctrl+Alt+E", "start_edit"),
    ("openai_images_variations", "OpenAI Images: Variations", "Ctrl+Alt+V", "start_variations"),
    ("openai_images_apply", "OpenAI Images: Apply Result", "Ctrl+Alt+Return", "apply_selected"),
    ("openai_images_cancel", "OpenAI Images: Cancel", "Ctrl+Alt+Backspace", "cancel"),
)
MENU = "tools/scripts/openai_images"


class ImagesExtension(Extension):
    def __init__(self, parent: Any) -> None:
        super().__init__(parent)

    def setup(self) -> None:
        pass

    def createActions(self, window: Any) -> None:  # noqa: N802 (Krita's name)
        for action_id, text, shortcut, method in ACTIONS:
            action = window.createAction(action_id, text, MENU)
            action.setShortcut(QtGui.QKeySequence(shortcut))
            action.triggered.connect(lambda _checked=False, m=method: _forward(m))


def _forward(method: str) -> None:
    from .docker import panel_for_active_window

    panel = panel_for_active_window()
    if panel is None:
        _message("Open the panel first: Settings > Dockers > OpenAI Images.")
        return
    getattr(panel, method)()


def _message(text: str) -> None:
    window = Krita.instance().activeWindow()
    parent = window.qwindow() if window is not None else None
    QtWidgets.QMessageBox.information(parent, "OpenAI Images", text)


class BrokenInstallExtension(Extension):
    """Registered instead of the plug-in when a bundled library cannot be imported."""

    def __init__(self, parent: Any, library: str, error: str) -> None:
        super().__init__(parent)
        self.library = library
        self.error = error

    def setup(self) -> None:
        notifier = Krita.instance().notifier()
        notifier.setActive(True)
        notifier.windowCreated.connect(self._tell)

    def createActions(self, window: Any) -> None:  # noqa: N802
        pass

    def _tell(self) -> None:
        text = (
            f"OpenAI Images cannot start: the library '{self.library}' does not load "
            f"({self.error}).\n\nReinstall the OpenAI Images bundle made for your system "
            f"(openai-images-krita-…-<system>.zip); this Krita runs Python "
            f"{sys.version_info[0]}.{sys.version_info[1]} on {sys.platform}."
        )
        print("openai_images:", text.replace("\n\n", " "), flush=True)
        if Krita.instance().batchmode():
            return
        _message(text)
