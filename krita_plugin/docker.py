"""The docker panel "OpenAI Images": prompt, options, Go/Cancel, progress, results, history.

Owns the panel's widgets and what the buttons do. Jobs run through
`workflow.start` (the same path as scripting) with `auto_apply=False`: the
results arrive as thumbnails; clicking one shows it as a locked preview layer,
Apply turns it into a layer, Discard removes the preview. Everything here
runs on the GUI thread; the job's events come from the workflow's timer.
The account's model list is fetched on a plain thread when the panel is first
shown (and on the form's refresh button); a timer here picks it up.
Imports krita, .qt and the plug-in's own modules.
"""

from __future__ import annotations

import html
import weakref
from typing import TYPE_CHECKING, Any

from krita import DockWidget, Krita

from .account_models import ModelListFetch
from .options_form import OptionsForm
from .qt import Qt, QtCore, QtGui, QtWidgets, qenum

if TYPE_CHECKING:
    from . import workflow
    from .core.jobs.runner import Progress

# `canvas` and `workflow` (numpy, the core's jobs, httpx) are imported in the
# methods that use them, on the first Go or result: building the panel at
# Krita's start must not pay for them (docs/performance.md, P7).

TITLE = "OpenAI Images"
STAGE_TEXT = {
    "queued": "Queued",
    "uploading": "Uploading",
    "rendering": "Rendering",
    "partial": "Partial preview {k}",
    "downloading": "Downloading",
}
_panels: list[weakref.ref[ImagesDocker]] = []


def panel_for_active_window() -> ImagesDocker | None:
    """The panel of the active window (the actions' target), else any live one."""
    live = [p for p in (ref() for ref in _panels) if p is not None]
    window = Krita.instance().activeWindow()
    qwindow = window.qwindow() if window is not None else None
    for panel in live:
        if qwindow is not None and panel.window() is qwindow:
            return panel
    return live[0] if live else None


def thumbnail(pixels: Any, size: int = 96) -> QtGui.QPixmap:
    """A QPixmap of an HxWx4 RGBA array, scaled to fit `size`."""
    h, w = pixels.shape[:2]
    data = pixels.tobytes()
    fmt = qenum(QtGui.QImage, "Format", "Format_RGBA8888")
    image = QtGui.QImage(data, w, h, 4 * w, fmt).copy()  # copy: `data` is freed after return
    keep = qenum(Qt, "AspectRatioMode", "KeepAspectRatio")
    smooth = qenum(Qt, "TransformationMode", "SmoothTransformation")
    return QtGui.QPixmap.fromImage(image).scaled(size, size, keep, smooth)


class ImagesDocker(DockWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(TITLE)
        self.job: workflow.KritaJob | None = None
        self.preview_layer: Any = None
        self.preview_index: int | None = None
        self.models_fetch: ModelListFetch | None = None
        self._models_asked = False
        self._models_timer = QtCore.QTimer(self)
        self._models_timer.setInterval(200)
        self._models_timer.timeout.connect(self._collect_account_models)
        tabs = QtWidgets.QTabWidget()
        scroll = QtWidgets.QScrollArea()  # the panel stays usable in a short docker
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._build_create_tab())
        tabs.addTab(scroll, "Create")
        from .history_tab import HistoryTab

        self.history = HistoryTab(self)
        tabs.addTab(self.history, "History")
        self.setWidget(tabs)
        _panels.append(weakref.ref(self))
        self._refresh_key_notice()

    # -- layout ----------------------------------------------------------------
    def _build_create_tab(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        box = QtWidgets.QVBoxLayout(page)
        self.key_notice = QtWidgets.QLabel()
        self.key_notice.setWordWrap(True)
        self.key_notice.setOpenExternalLinks(True)
        box.addWidget(self.key_notice)
        self.recent = QtWidgets.QComboBox()
        self.recent.addItem("Recent prompts…")
        self.recent.activated.connect(self._use_recent)
        box.addWidget(self.recent)
        self.prompt = QtWidgets.QPlainTextEdit()
        self.prompt.setPlaceholderText("Describe the image, or what goes in the selection")
        self.prompt.setMaximumHeight(90)
        box.addWidget(self.prompt)
        self.kind = QtWidgets.QComboBox()
        for label, kind in (("Generate", "generate"), ("Edit selection", "edit"),
                            ("Variations", "variation")):
            self.kind.addItem(label, kind)
        box.addWidget(self.kind)
        self.form = OptionsForm()
        box.addWidget(self.form)
        self.cost = QtWidgets.QLabel()
        box.addWidget(self.cost)
        row = QtWidgets.QHBoxLayout()
        self.go = QtWidgets.QPushButton("Go")
        self.go.clicked.connect(self.start_selected_kind)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        settings = QtWidgets.QPushButton("Settings…")
        settings.clicked.connect(self.open_settings)
        for w in (self.go, self.cancel_button, settings):
            row.addWidget(w)
        box.addLayout(row)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Ready")
        box.addWidget(self.progress)
        self.results = QtWidgets.QListWidget()
        self.results.setViewMode(qenum(QtWidgets.QListView, "ViewMode", "IconMode"))
        self.results.setIconSize(QtCore.QSize(96, 96))
        self.results.setMinimumHeight(120)
        self.results.currentRowChanged.connect(self.preview)
        box.addWidget(self.results)
        row = QtWidgets.QHBoxLayout()
        self.apply_button = QtWidgets.QPushButton("Apply")
        self.apply_button.clicked.connect(self.apply_selected)
        self.apply_all_button = QtWidgets.QPushButton("Apply all")
        self.apply_all_button.clicked.connect(self.apply_all)
        self.discard_button = QtWidgets.QPushButton("Discard")
        self.discard_button.clicked.connect(self.discard)
        for w in (self.apply_button, self.apply_all_button, self.discard_button):
            row.addWidget(w)
        box.addLayout(row)
        self.status = QtWidgets.QLabel()
        # server text (errors, revised prompts) is shown as text, never rendered as HTML
        self.status.setTextFormat(qenum(Qt, "TextFormat", "PlainText"))
        self.status.setWordWrap(True)
        box.addWidget(self.status)
        box.addStretch(1)
        self.form.changed.connect(self._update_cost)
        self.kind.currentIndexChanged.connect(lambda _i: self._update_cost())
        self.form.refresh_models.clicked.connect(lambda _checked=False: self.fetch_account_models())
        # Krita sends no signal when layers change: refresh the lists when they are shown
        self.form.advanced_toggle.toggled.connect(lambda _on: self._fill_layer_lists())
        self.prompt.textChanged.connect(self._update_cost)
        self._update_cost()
        if self.form.settings_notice:  # the settings were just migrated: say so, once
            self._say(f"Saved settings: {self.form.settings_notice}.")
        return page

    # -- Krita hooks -------------------------------------------------------------
    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self._models_asked:  # the first time the panel needs the model list
            self.fetch_account_models()

    def canvasChanged(self, canvas_: Any) -> None:  # noqa: N802 (Krita's name)
        self._fill_layer_lists()

    def _fill_layer_lists(self) -> None:
        self.form.fill_layer_lists(Krita.instance().activeDocument())

    # -- jobs --------------------------------------------------------------------
    def start_generate(self) -> None:
        self.start("generate")

    def start_edit(self) -> None:
        self.start("edit")

    def start_variations(self) -> None:
        self.start("variation")

    def start_selected_kind(self) -> None:
        self.start(self.kind.currentData())

    def start(self, kind: str) -> None:
        doc = Krita.instance().activeDocument()
        if doc is None:
            self._say("Open or create a document first.")
            return
        if self.job is not None and not self.job.finished:
            self._say("A job is already running; cancel it first.")
            return
        prompt = self.prompt.toPlainText().strip()
        if kind != "variation" and not prompt:
            self._say("Write a prompt first.")
            return
        self.discard()
        options = self.form.options()
        from . import load_problem

        problem = load_problem()  # the first real import of numpy, Pillow and httpx
        if problem is not None:
            self._say(problem)
            return
        from . import workflow

        try:
            if kind == "edit":
                options.update(self.form.guide_layers(doc))
            self.job = workflow.start(
                kind, doc, prompt, auto_apply=False, show_partials=options["stream"],
                on_event=self._on_event, **options,
            )
        except Exception as exc:  # a user message, never a traceback
            self._say(workflow.describe_error(exc))
            return
        self._remember_prompt(prompt)
        self.go.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)  # busy until the job ends
        self.progress.setFormat("Queued")
        self._say("")

    def cancel(self) -> None:
        if self.job is not None and not self.job.finished:
            self.job.cancel()
            self.progress.setFormat("Cancelling…")

    def _on_event(self, job: workflow.KritaJob, event: Progress) -> None:
        if job is not self.job:
            return
        if event.stage == "finished":
            self._job_finished(job)
            return
        text = STAGE_TEXT.get(event.stage)
        if text:
            k = (event.partial_index or 0) + 1
            suffix = "" if event.candidate is None or job.options.n == 1 else (
                f" (image {event.candidate + 1} of {job.options.n})")
            self.progress.setFormat(text.format(k=k) + suffix)

    def _job_finished(self, job: workflow.KritaJob) -> None:
        from . import workflow

        self.go.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        if job.state == "done":
            self.progress.setFormat("Done")
            self._show_results(job)
            self.history.refresh()
        elif job.state == "cancelled":
            self.progress.setFormat("Cancelled")
        else:
            self.progress.setFormat("Failed")
            self._say(workflow.describe_error(job.error))

    def _show_results(self, job: workflow.KritaJob) -> None:
        from . import workflow

        self.results.clear()
        for cand in job.result.candidates:
            item = QtWidgets.QListWidgetItem(QtGui.QIcon(thumbnail(cand.patch.image.pixels)), "")
            # a tooltip renders what looks like HTML: escape the name (a prompt)
            item.setToolTip(html.escape(cand.patch.name))
            self.results.addItem(item)
        self._say(workflow.result_summary(job.result))
        if job.result.candidates:
            self.results.setCurrentRow(0)

    # -- results -----------------------------------------------------------------
    def preview(self, row: int) -> None:
        from . import canvas, workflow

        job = self.job
        if job is None or row < 0 or row >= len(job.result.candidates):
            return
        if not workflow.document_is_open(job.document):
            self._say("The document of these results was closed; they are in the History tab.")
            return
        self._remove_preview()
        patch = job.result.candidates[row].patch
        self.preview_layer = canvas.show_preview(job.document, patch, above=job.above)
        self.preview_index = row

    def _remove_preview(self) -> None:
        if self.preview_layer is not None and self.job is not None:
            from . import canvas

            canvas.remove_layer(self.job.document, self.preview_layer)
        self.preview_layer = None
        self.preview_index = None

    def apply_selected(self) -> None:
        row = self.results.currentRow()
        if self.job is None or row < 0:
            self._say("No result to apply.")
            return
        self._apply([row])

    def apply_all(self) -> None:
        if self.job is not None:
            self._apply(range(len(self.job.result.candidates)))

    def _apply(self, rows: Any) -> None:
        from . import workflow

        job = self.job
        if job is None or not workflow.document_is_open(job.document):
            self._say("The document of these results was closed; re-apply them from History.")
            return
        self._remove_preview()
        layers = job.apply(list(rows))
        self._say(f"Added {len(layers)} layer(s).")

    def discard(self) -> None:
        self._remove_preview()
        self.results.clear()

    # -- the account's models ------------------------------------------------------
    def fetch_account_models(self) -> None:
        """GET /models off the GUI thread; `_collect_account_models` shows the result."""
        self._models_asked = True
        try:
            from . import workflow

            runner = workflow.get_runner()
        except Exception:  # no key yet: the catalogue's list is all there is
            self.form.show_account_models(None)
            return
        # a fetch still running is superseded; the runner's cache of shutdown dates
        # gets the same answer, so the jobs' check and the picker agree
        self.models_fetch = ModelListFetch(runner.client, runner.account)
        self._models_timer.start()

    def _collect_account_models(self) -> None:
        fetch = self.models_fetch
        if fetch is None or not fetch.done:
            return
        self._models_timer.stop()
        self.models_fetch = None
        self.form.show_account_models(fetch.result, fetch.dates)

    # -- small things --------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.status.setText(text)

    def _use_recent(self, index: int) -> None:
        if index > 0:
            self.prompt.setPlainText(self.recent.itemText(index))

    def _remember_prompt(self, prompt: str) -> None:
        if not prompt:
            return
        found = self.recent.findText(prompt)
        if found > 0:
            self.recent.removeItem(found)
        self.recent.insertItem(1, prompt)
        while self.recent.count() > 21:
            self.recent.removeItem(self.recent.count() - 1)

    def _update_cost(self) -> None:
        kind = self.kind.currentData() or "generate"
        doc = Krita.instance().activeDocument()
        self.cost.setText(self.form.cost_text(kind, doc, self.prompt.toPlainText().strip()))

    def _refresh_key_notice(self) -> None:
        from .settings_dialog import has_api_key

        if has_api_key():
            self.key_notice.hide()
            return
        self.key_notice.setText(
            "No API key yet. Get one at "
            "<a href='https://platform.openai.com/api-keys'>platform.openai.com/api-keys</a> "
            "and enter it in Settings. To try the panel without one, start the project's "
            "local stand-in server (<code>python -m standin</code> in the source tree) and "
            "enter the address it prints as the base URL, with any key."
        )
        self.key_notice.show()

    def open_settings(self) -> None:
        from . import workflow
        from .qt import exec_dialog
        from .settings_dialog import SettingsDialog

        if exec_dialog(SettingsDialog(self)):
            workflow.set_runner(None)  # rebuilt from the new settings on the next job
            self._refresh_key_notice()
            self.fetch_account_models()  # another key or server: another list
