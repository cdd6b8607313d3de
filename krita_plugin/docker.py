"""The docker panel "OpenAI Images": prompt, options, the job's button, progress, results.

Owns the panel's layout and what the buttons do. The panel is a vertical
splitter: the prompt and options scroll above, and the job's button row, its
progress, the candidates and the status line stay in view below
(results_area.py), so the results are on screen without scrolling at
1280x1024. The main button names the job (glossary.JOB_NAMES); Apply and
Discard are enabled only with candidates; recent prompts are kept across
restarts in the config folder (core.store.recent_prompts), never in the document. Jobs run through
`workflow.start` (the same path as scripting) with `auto_apply=False`: the
results arrive as thumbnails; clicking one shows it as a locked preview layer,
Apply turns it into a layer, Discard removes the preview. Everything here
runs on the GUI thread; the job's events come from the workflow's timer.
The account's model list is fetched on a plain thread when the panel is first
shown (and on the form's refresh button); a timer here picks it up.
Imports krita, .qt and the plug-in's own modules.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from krita import DockWidget, Krita

from .account_models import ModelListFetch
from .core import glossary
from .i18n import _
from .job_progress import JobProgress
from .options_form import OptionsForm
from .qt import Qt, QtCore, QtWidgets, qenum
from .results_area import ResultsArea, plain_label

if TYPE_CHECKING:
    from . import workflow
    from .core.jobs.runner import Progress

# `canvas` and `workflow` (numpy, the core's jobs, httpx) are imported in the
# methods that use them, on the first Go or result: building the panel at
# Krita's start must not pay for them (docs/performance.md, P7).

TITLE = glossary.PRODUCT
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
        tabs.addTab(self._build_create_tab(), _("Create"))
        from .history_tab import HistoryTab

        self.history = HistoryTab(self)
        tabs.addTab(self.history, _("History"))
        self.setWidget(tabs)
        _panels.append(weakref.ref(self))
        self._refresh_key_notice()

    # -- layout ----------------------------------------------------------------
    def _build_create_tab(self) -> QtWidgets.QWidget:
        self.splitter = QtWidgets.QSplitter(qenum(Qt, "Orientation", "Vertical"))
        scroll = QtWidgets.QScrollArea()  # the options stay usable in a short docker
        scroll.setWidgetResizable(True)
        page = self._build_options()
        scroll.setWidget(page)
        # A scroll area asks for no width of its own, so at the docker's smallest width
        # the options would scroll sideways: ask for theirs (the advanced group's too,
        # folded away now), plus the vertical bar and the frame.
        need = max(page.minimumSizeHint().width(),
                   self.form.advanced.minimumSizeHint().width() + 2 * page.layout().spacing())
        extent = scroll.style().pixelMetric(
            qenum(QtWidgets.QStyle, "PixelMetric", "PM_ScrollBarExtent"))
        scroll.setMinimumWidth(need + extent + 2 * scroll.frameWidth())
        self.options_scroll = scroll
        self.lower = ResultsArea()
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(self.lower)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        lower = self.lower
        self.go, self.cancel_button = lower.go, lower.cancel_button
        self.progress, self.results, self.status = lower.progress, lower.list, lower.status
        self.apply_button, self.apply_all_button = lower.apply_button, lower.apply_all_button
        self.discard_button = lower.discard_button
        self.tracker = JobProgress(self.progress)
        self.go.clicked.connect(self.start_selected_kind)
        self.cancel_button.clicked.connect(self.cancel)
        lower.settings_button.clicked.connect(self.open_settings)
        self.results.currentRowChanged.connect(self.preview)
        self.apply_button.clicked.connect(self.apply_selected)
        self.apply_all_button.clicked.connect(self.apply_all)
        self.discard_button.clicked.connect(self.discard)
        self.form.changed.connect(self._update_cost)
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.form.refresh_models.clicked.connect(lambda _checked=False: self.fetch_account_models())
        # Krita sends no signal when layers change: refresh the lists when they are shown
        self.form.advanced_toggle.toggled.connect(lambda _on: self._fill_layer_lists())
        self.prompt.textChanged.connect(self._update_cost)
        self._kind_changed()
        if self.form.settings_notice:  # the settings were just migrated: say so, once
            self._say(_("Saved settings: {notice}.").format(notice=self.form.settings_notice))
        return self.splitter

    def _build_options(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        box = QtWidgets.QVBoxLayout(page)
        self.key_notice = QtWidgets.QLabel()  # our own words and link: rich text on purpose
        self.key_notice.setWordWrap(True)
        self.key_notice.setOpenExternalLinks(True)
        box.addWidget(self.key_notice)
        self.recent = QtWidgets.QComboBox()
        self.recent.activated.connect(self._use_recent)
        box.addWidget(self.recent)
        self._fill_recent(self._recent_store().load())
        self.prompt = QtWidgets.QPlainTextEdit()
        self.prompt.setPlaceholderText(_(glossary.PROMPT_PLACEHOLDER))
        self.prompt.setMaximumHeight(90)
        box.addWidget(self.prompt)
        self.kind = QtWidgets.QComboBox()
        for kind, label in glossary.JOB_NAMES.items():
            self.kind.addItem(_(label), kind)
        box.addWidget(self.kind)
        self.form = OptionsForm()
        box.addWidget(self.form)
        self.cost = plain_label()
        box.addWidget(self.cost)
        box.addStretch(1)
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
            self._say(_("Open or create a document first."))
            return
        if self.job is not None and not self.job.finished:
            self._say(_("A job is already running; cancel it first."))
            return
        prompt = self.prompt.toPlainText().strip()
        if kind == "generate" and not prompt:  # an empty edit is a removal (the core's rule)
            self._say(_("Write a prompt first."))
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
        opts = self.job.options
        self.tracker.start(opts.n, opts.partial_images if opts.stream else 0)
        self._say("")

    def cancel(self) -> None:
        if self.job is not None and not self.job.finished:
            self.job.cancel()
            self.tracker.cancelling()

    def _on_event(self, job: workflow.KritaJob, event: Progress) -> None:
        if job is not self.job:
            return
        if event.stage == "finished":
            self._job_finished(job)
            return
        self.tracker.event(event)

    def _job_finished(self, job: workflow.KritaJob) -> None:
        from . import workflow

        self.go.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.tracker.finish(job.state)
        if job.state == "done":
            self._show_results(job)
            self.history.refresh()
        elif job.state != "cancelled":
            self._say(workflow.describe_error(job.error))

    def _show_results(self, job: workflow.KritaJob) -> None:
        from . import workflow

        self.lower.set_candidates(job.result.candidates)
        took = self.tracker.last_elapsed
        summary = workflow.result_summary(job.result)
        if took is not None:  # the bar says "Done"; the line says how long it took
            took_text = _(glossary.DONE_IN).format(time=glossary.elapsed_text(took))
            summary = "; ".join(p for p in (took_text, summary) if p)
        self._say(summary)
        if job.result.candidates:
            self.results.setCurrentRow(0)

    # -- results -----------------------------------------------------------------
    def preview(self, row: int) -> None:
        from . import canvas, workflow

        job = self.job
        if job is None or row < 0 or row >= len(job.result.candidates):
            return
        if not workflow.document_is_open(job.document):
            self._say(_("The document of these results was closed; they are in the History tab."))
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
            self._say(_("No result to apply."))
            return
        self._apply([row])

    def apply_all(self) -> None:
        if self.job is not None:
            self._apply(range(len(self.job.result.candidates)))

    def _apply(self, rows: Any) -> None:
        from . import workflow

        job = self.job
        if job is None or not workflow.document_is_open(job.document):
            self._say(_("The document of these results was closed; re-apply them from History."))
            return
        self._remove_preview()
        layers = job.apply(list(rows))
        self._say(_("Added {count} layer(s).").format(count=len(layers)))

    def discard(self) -> None:
        self._remove_preview()
        self.lower.set_candidates([])

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

    def _kind_changed(self) -> None:
        self.lower.name_job(self.kind.currentData() or "generate")
        self._update_cost()

    @staticmethod
    def _recent_store() -> Any:
        from .core.store.recent_prompts import RecentPrompts

        return RecentPrompts()

    def _fill_recent(self, prompts: list[str]) -> None:
        self.recent.clear()
        self.recent.addItem(_(glossary.RECENT_PROMPTS))
        for prompt in prompts:
            self.recent.addItem(prompt)
        # a long prompt must not widen the docker: the box keeps a short width, the
        # list pops up wide enough
        policy = qenum(QtWidgets.QComboBox, "SizeAdjustPolicy",
                       "AdjustToMinimumContentsLengthWithIcon")
        self.recent.setSizeAdjustPolicy(policy)
        self.recent.setMinimumContentsLength(12)

    def _use_recent(self, index: int) -> None:
        if index > 0:
            self.prompt.setPlainText(self.recent.itemText(index))

    def _remember_prompt(self, prompt: str) -> None:
        """Kept in the config folder (core.store.recent_prompts), shared with GIMP."""
        if prompt:
            self._fill_recent(self._recent_store().remember(prompt))

    def _update_cost(self) -> None:
        kind = self.kind.currentData() or "generate"
        doc = Krita.instance().activeDocument()
        self.cost.setText(self.form.cost_text(kind, doc, self.prompt.toPlainText().strip()))

    def _refresh_key_notice(self) -> None:
        from .settings_dialog import has_api_key

        if has_api_key():
            self.key_notice.hide()
            return
        self.key_notice.setText(_(
            "No API key yet. Get one at "
            "<a href='https://platform.openai.com/api-keys'>platform.openai.com/api-keys</a> "
            "and enter it in Settings. To try the panel without one, start the project's "
            "local stand-in server (<code>python -m standin</code> in the source tree) and "
            "enter the address it prints as the base URL, with any key."
        ))
        self.key_notice.show()

    def open_settings(self) -> None:
        from . import workflow
        from .qt import exec_dialog
        from .settings_dialog import SettingsDialog

        if exec_dialog(SettingsDialog(self)):
            workflow.set_runner(None)  # rebuilt from the new settings on the next job
            self._refresh_key_notice()
            self.fetch_account_models()  # another key or server: another list
