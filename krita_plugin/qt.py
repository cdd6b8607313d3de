"""The one module of the plug-in that imports PyQt.

Krita 5 embeds Qt 5 (PyQt5) and Krita 6 embeds Qt 6 (PyQt6). Krita 5.3 and 6
install an import hook that refuses the other binding, and on Krita 5.2
importing PyQt6 (if it happened to be installed) would load a second Qt into
the process and crash it. So the binding is chosen from Krita's own Qt major
version, never by trying PyQt6 first. Every other module imports the Qt names
from here.

Also owns the few spellings that differ between the two bindings: scoped enums
(PyQt6 has only `Qt.AlignmentFlag.AlignLeft`), `exec()` vs `exec_()`, QAction's
module, and QByteArray to bytes.
"""

from __future__ import annotations

import sys
from typing import Any


def _krita_qt_major() -> int:
    """5 or 6. `pykrita.qt_major_version()` exists since Krita 5.3; 5.2 is always Qt 5."""
    try:
        import pykrita  # Krita's embedded module

        return int(pykrita.qt_major_version())
    except (ImportError, AttributeError):
        pass
    # Outside Krita (unit tests) follow whichever binding is already loaded.
    return 6 if "PyQt6.QtCore" in sys.modules else 5


QT_MAJOR = _krita_qt_major()

if QT_MAJOR == 6:
    from PyQt6 import QtCore, QtGui, QtWidgets  # noqa: F401

    QAction = QtGui.QAction
else:
    from PyQt5 import QtCore, QtGui, QtWidgets  # noqa: F401

    QAction = QtWidgets.QAction

Qt = QtCore.Qt
QTimer = QtCore.QTimer
QByteArray = QtCore.QByteArray


def qenum(owner: Any, scope: str, member: str) -> Any:
    """`owner.scope.member` (PyQt6, and PyQt5 for scoped enums) or `owner.member` (PyQt5)."""
    scoped = getattr(owner, scope, None)
    if scoped is not None and hasattr(scoped, member):
        return getattr(scoped, member)
    return getattr(owner, member)


def to_bytes(data: Any) -> bytes:
    """QByteArray (either binding) or bytes -> bytes."""
    if isinstance(data, bytes):
        return data
    if hasattr(data, "data"):
        return bytes(data.data())
    return bytes(data)


def exec_dialog(dialog: Any) -> int:
    """Run a modal dialog: `exec()` in PyQt6, `exec_()` in PyQt5."""
    run = getattr(dialog, "exec", None) or dialog.exec_
    return int(run())


def process_events() -> None:
    """Let Qt handle pending events (repaints, timers) while a script waits."""
    app = QtWidgets.QApplication.instance()
    if app is not None:
        app.processEvents()
