"""The Export dialog: the app shown in the table to a CSV or XLSX file.

The user picks the format, what to export (the rows of the current view and filter, the
selected rows, or the whole app), whether to add raw values, whether a CSV file guards
against formulas (on by default, domain/export.py), and the file. The export runs as
a named task (`export:<account>:<app_id>`) of the task runner; the reading, parsing and writing
happen on the account's worker thread (`services/export.py`), and its progress comes back as
`ExportProgress` events on the session's hub, through the window's `ServiceEvents` bridge.
Cancel stops it and the partial file is removed; at the end the dialog says how many rows
were written.

The format follows the file's suffix (".csv" or ".xlsx", as the command line decides it): a
file typed or chosen with the other format's suffix switches the format, any other suffix
gets the format's. The last format and folder are remembered in the settings
(`export/format`, `export/folder`); the first time, the folder is Documents.

Before an export that must read more than a page of items from Podio (the app is not fully
synced), the dialog says how many, in how many heavy calls, and how long the current budget
makes that; the user picks "Sync first" (the window's sync of the app, then the export from
the cache) or "Export from Podio". Never hours silently.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QDir, QSettings, QStandardPaths, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from podio_desk.domain.export import ExportFormat
from podio_desk.domain.workspace import App
from podio_desk.services.export import (
    ExportError,
    ExportEstimate,
    ExportProgress,
    ExportRequest,
)
from podio_desk.services.paging import PageQuery
from podio_desk.services.session import AccountSession
from podio_desk.ui.app_browser import AppBrowser
from podio_desk.ui.service_events import ServiceEvents
from podio_desk.ui.table import TaskSpawner
from podio_desk.ui.time_zone import current_rule

log = logging.getLogger(__name__)

_EXPORT_IDS = itertools.count(1)
SCOPE_SHOWN = "shown"
SCOPE_SELECTED = "selected"
SCOPE_APP = "app"
_FILTERS = {
    ExportFormat.CSV: "CSV files (*.csv)",
    ExportFormat.XLSX: "Excel workbooks (*.xlsx)",
}
FORMAT_KEY = "export/format"
FOLDER_KEY = "export/folder"


def format_of(path: Path) -> ExportFormat | None:
    """The format a file's suffix names, if any."""
    suffix = path.suffix.lower().lstrip(".")
    return next((fmt for fmt in ExportFormat if fmt.value == suffix), None)


def default_folder() -> Path:
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if documents and Path(documents).is_dir():
        return Path(documents)
    return Path(QDir.homePath())  # no Documents folder on this system


def safe_file_name(name: str) -> str:
    kept = "".join(ch if ch.isalnum() or ch in " -_." else "_" for ch in name).strip(" .")
    return kept or "export"


class ExportDialog(QDialog):
    """See the module docstring. `columns` are the table's visible column keys in screen
    order; `selected` the item ids of the selected rows, in table order."""

    def __init__(
        self,
        session: AccountSession,
        app: App,
        query: PageQuery,
        *,
        columns: Sequence[str],
        selected: Sequence[int],
        shown_rows: int | None,
        runner: TaskSpawner,
        events: ServiceEvents,
        directory: Path | None = None,
        settings: QSettings | None = None,
        sync_first: Callable[[], asyncio.Task[Any] | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle(f"Export {app.name}")
        self._session = session
        self._app = app
        self._query = query
        self._columns = tuple(columns)
        self._selected = tuple(selected)
        self._runner = runner
        self._events = events
        self._task: asyncio.Task[Any] | None = None
        self._export_id = 0
        self.rows_written: int | None = None
        # A file the user agreed to replace (the file chooser asks, or the question below).
        self._replace_ok: Path | None = None
        self._settings = settings
        self._sync_first = sync_first
        self._shown_rows = shown_rows
        remembered_folder = str(settings.value(FOLDER_KEY, "") or "") if settings else ""
        remembered_format = str(settings.value(FORMAT_KEY, "") or "") if settings else ""
        if directory is None:
            directory = Path(remembered_folder) if remembered_folder else default_folder()
        self._directory = directory

        self.format_box = QComboBox(self)
        self.format_box.setObjectName("exportFormat")
        self.format_box.addItem("CSV (comma-separated text)", ExportFormat.CSV)
        self.format_box.addItem("Excel workbook (XLSX)", ExportFormat.XLSX)
        last = format_of(Path(f"x.{remembered_format}")) or ExportFormat.CSV
        self.format_box.setCurrentIndex(self.format_box.findData(last))
        self.format_box.currentIndexChanged.connect(self._format_changed)

        filtered = bool(query.filters or query.search)
        count = "" if shown_rows is None else f" ({shown_rows:,} rows)"
        self.scope_shown = QRadioButton(
            ("The current view and filter" if filtered else "The rows shown") + count, self
        )
        self.scope_selected = QRadioButton(f"The selected rows ({len(self._selected):,})", self)
        self.scope_app = QRadioButton("The whole app", self)
        self.scope_selected.setEnabled(bool(self._selected))
        self._scopes = QButtonGroup(self)
        for button, key in (
            (self.scope_shown, SCOPE_SHOWN),
            (self.scope_selected, SCOPE_SELECTED),
            (self.scope_app, SCOPE_APP),
        ):
            button.setProperty("scope", key)
            self._scopes.addButton(button)
        (self.scope_selected if len(self._selected) > 1 else self.scope_shown).setChecked(True)
        scope_box = QVBoxLayout()
        scope_box.setSpacing(2)
        for button in (self.scope_shown, self.scope_selected, self.scope_app):
            scope_box.addWidget(button)

        self.raw_box = QCheckBox(
            "Add raw values: ids, ISO dates in UTC, plain numbers, money as amount and currency",
            self,
        )
        self.raw_box.setObjectName("exportRaw")
        # On by default: see "Formula guard" in domain/export.py (XLSX never needs it).
        self.formula_box = QCheckBox(
            "Protect against formulas in CSV: text starting with =, +, -, @ gets a leading '",
            self,
        )
        self.formula_box.setObjectName("exportFormulaGuard")
        self.formula_box.setChecked(True)
        self.columns_note = QLabel(
            f"Columns as in the table: {len(self._columns)} visible, in their order.", self
        )
        self.columns_note.setEnabled(False)

        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("exportPath")
        self.path_edit.setText(
            str(self._directory / f"{safe_file_name(app.name)}.{self.export_format.value}")
        )
        self.path_edit.textChanged.connect(self._update_buttons)
        self.path_edit.editingFinished.connect(self._follow_suffix)
        self.choose_button = QPushButton("Choose…", self)
        self.choose_button.clicked.connect(self._choose_file)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.choose_button)

        form = QFormLayout()
        form.addRow("Format:", self.format_box)
        form.addRow("Export:", scope_box)
        form.addRow("", self.raw_box)
        form.addRow("", self.formula_box)
        form.addRow("", self.columns_note)
        form.addRow("File:", path_row)

        self.progress = QProgressBar(self)
        self.progress.setObjectName("exportProgress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.progress.hide()  # until an export starts
        self.status = QLabel("", self)
        self.status.setObjectName("exportStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.export_button.setObjectName("exportStart")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.hide()
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self._cancel_or_close)
        self.close_button.clicked.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self._events.received.connect(self._on_event)
        self._listening = True
        self._update_buttons()

    # ------------------------------------------------------------------ choices

    @property
    def export_format(self) -> ExportFormat:
        chosen = self.format_box.currentData()
        return chosen if isinstance(chosen, ExportFormat) else ExportFormat.CSV

    def scope(self) -> str:
        checked = self._scopes.checkedButton()
        return str(checked.property("scope")) if checked is not None else SCOPE_SHOWN

    def request(self) -> ExportRequest:
        scope = self.scope()
        query = self._query
        item_ids: tuple[int, ...] | None = None
        if scope == SCOPE_APP:
            query = replace(query, filters=(), search="", view_id=None)
        elif scope == SCOPE_SELECTED:
            item_ids = self._selected
        return ExportRequest(
            query,
            Path(self.path_edit.text().strip()).expanduser(),
            format=self.export_format,
            item_ids=item_ids,
            columns=self._columns or None,
            raw=self.raw_box.isChecked(),
            rule=current_rule(),
            formula_guard=self.formula_box.isChecked(),
            export_id=self._export_id,
        )

    def _format_changed(self) -> None:
        text = self.path_edit.text().strip()
        if text:
            self.path_edit.setText(str(Path(text).with_suffix(f".{self.export_format.value}")))
        self._update_buttons()  # the formula guard is a CSV choice

    def _follow_suffix(self) -> None:
        """The format follows the file's suffix; a file without either gets the format's."""
        text = self.path_edit.text().strip()
        if not text:
            return
        path = Path(text)
        named = format_of(path)
        if named is None:
            self.path_edit.setText(str(path.with_name(f"{path.name}.{self.export_format.value}")))
        elif named is not self.export_format:
            self.format_box.setCurrentIndex(self.format_box.findData(named))

    def _choose_file(self) -> None:
        # Both filters, the current format's selected: the chooser's filter follows the format.
        filters = [_FILTERS[self.export_format]] + [
            text for fmt, text in _FILTERS.items() if fmt is not self.export_format
        ]
        chosen, chosen_filter = QFileDialog.getSaveFileName(
            self, "Export to", self.path_edit.text(), ";;".join(filters), filters[0]
        )
        if chosen:
            path = Path(chosen)
            if format_of(path) is None:
                wanted = next(
                    (fmt for fmt, text in _FILTERS.items() if text == chosen_filter),
                    self.export_format,
                )
                path = path.with_name(f"{path.name}.{wanted.value}")
            else:
                self._replace_ok = path  # the chooser asked before replacing it
            self.path_edit.setText(str(path))
            self._follow_suffix()

    def _update_buttons(self) -> None:
        running = self.running
        self.export_button.setEnabled(not running and bool(self.path_edit.text().strip()))
        for widget in (
            self.format_box,
            self.scope_shown,
            self.scope_app,
            self.raw_box,
            self.path_edit,
            self.choose_button,
        ):
            widget.setEnabled(not running)
        self.formula_box.setEnabled(not running and self.export_format is ExportFormat.CSV)
        self.scope_selected.setEnabled(not running and bool(self._selected))

    # ------------------------------------------------------------------ running

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> asyncio.Task[Any] | None:
        """Start the export (the Export button)."""
        if self.running or not self.path_edit.text().strip():
            return None
        self._follow_suffix()
        path = Path(self.path_edit.text().strip()).expanduser()
        if path.exists() and path != self._replace_ok:
            self._ask_to_replace(path)
            return None
        self._export_id = next(_EXPORT_IDS)
        request = self.request()
        if self._settings is not None:
            self._settings.setValue(FORMAT_KEY, request.format.value)
            self._settings.setValue(FOLDER_KEY, str(request.path.parent))
        self.rows_written = None
        self.progress.setRange(0, 0)  # busy until the total is known
        self.progress.setFormat("")
        self.progress.show()
        self.status.setText("Starting…")
        name = f"export:{self._session.key}:{self._app.app_id}"
        self._task = self._runner.run(name, self._run(request))
        self._update_buttons()
        return self._task

    def _ask_about_podio(self, estimate: ExportEstimate) -> asyncio.Future[str]:
        """The question, open; the future gets "sync", "podio" or "cancel"."""
        answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        budget = (
            f"{estimate.heavy_left:,} of {estimate.heavy_limit:,} heavy calls are left this hour"
            if estimate.heavy_left is not None and estimate.heavy_limit
            else "Podio's heavy calls are limited per hour"
        )
        if estimate.wait_hours:
            hours = "hour" if estimate.wait_hours == 1 else "hours"
            takes = f"about {estimate.wait_hours:,} {hours} of waiting for the budget"
        else:
            takes = "within this hour's budget"
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Export from Podio?",
            f"{self._app.name} is not fully synced: {estimate.cached:,} of about "
            f"{estimate.items:,} items are on this computer. The export would read up to "
            f"{estimate.items:,} items from Podio, {estimate.calls:,} heavy calls; {budget}, "
            f"so it takes {takes}.\n\nSyncing first brings the rest here; then this and "
            "later exports read the local copy, with no API call.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("exportPodioQuestion")
        sync = box.addButton("Sync first", QMessageBox.ButtonRole.AcceptRole)
        sync.setObjectName("exportSyncFirst")
        sync.setEnabled(self._sync_first is not None)
        go_on = box.addButton("Export from Podio", QMessageBox.ButtonRole.ActionRole)
        go_on.setObjectName("exportFromPodio")
        box.setDefaultButton(sync)

        def answered(button: object) -> None:
            if not answer.done():
                answer.set_result(
                    "podio" if button is go_on else "sync" if button is sync else "cancel"
                )

        box.buttonClicked.connect(answered)
        box.rejected.connect(lambda: None if answer.done() else answer.set_result("cancel"))
        answer.add_done_callback(lambda _done: box.close() if shiboken6.isValid(box) else None)
        box.open()
        self.status.setText("Waiting for your answer…")
        return answer

    async def _podio_or_sync(self, request: ExportRequest) -> bool:
        """Ask first when much must come from Podio; sync first if the user says so.
        False: the user cancelled."""
        estimate = await self._session.exports.estimate(request, self._shown_rows)
        if estimate is None or not shiboken6.isValid(self):
            return True
        choice = await self._ask_about_podio(estimate)
        if choice == "cancel":
            return False
        if choice == "sync" and self._sync_first is not None:
            sync = self._sync_first()
            if sync is not None:
                self.status.setText(
                    f"Syncing {self._app.name} first (progress in the status bar); the "
                    "export starts when it is done."
                )
                await asyncio.shield(asyncio.gather(sync, return_exceptions=True))
        return True

    def _ask_to_replace(self, path: Path) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Replace the file?",
            f"{path.name} already exists in {path.parent}. Replace it with this export?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("exportReplaceQuestion")
        box.setDefaultButton(QMessageBox.StandardButton.No)

        def answered(button: object) -> None:
            if box.standardButton(button) == QMessageBox.StandardButton.Yes:  # type: ignore[arg-type]
                self._replace_ok = path
                self.start()

        box.buttonClicked.connect(answered)
        box.open()

    async def _run(self, request: ExportRequest) -> None:
        try:
            if not await self._podio_or_sync(request):
                self._finished("Not exported.")
                return
            result = await self._session.exports.export(request, self._session.events.emit)
        except asyncio.CancelledError:
            self._finished("Cancelled; no file was written.")
            raise
        except (ExportError, OSError) as error:
            self._finished(f"Not exported: {error}")
            return
        except Exception as error:
            self._finished(f"Not exported: {error}")
            raise
        if not shiboken6.isValid(self):
            return
        self.rows_written = result.rows
        calls = (
            ""
            if not result.api_calls
            else ", 1 API call"
            if result.api_calls == 1
            else f", {result.api_calls:,} API calls"
        )
        self.progress.setRange(0, max(1, result.rows))
        self.progress.setValue(max(1, result.rows))
        self._finished(f"{result.rows:,} rows written to {result.path}{calls}.")
        self.cancel_button.hide()
        self.close_button.show()
        self.close_button.setFocus()

    def _finished(self, text: str) -> None:
        if not shiboken6.isValid(self):
            return  # closed meanwhile (Escape, the window's close button)
        self.status.setText(text)
        if self.rows_written is None:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self.progress.setFormat("")
        self._task = None
        self._update_buttons()

    def _on_event(self, _key: str, event: object) -> None:
        if not isinstance(event, ExportProgress) or event.export_id != self._export_id:
            return
        if event.total is None:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, max(1, event.total))
            self.progress.setValue(min(event.done, max(1, event.total)))
            self.progress.setFormat(f"{event.done:,} / {event.total:,}")
        if event.phase == "fetching":
            self.status.setText(f"Fetching from Podio… {event.api_calls:,} API calls so far")
        elif event.phase == "reading":
            self.status.setText("Writing rows from the local cache…")

    def _cancel_or_close(self) -> None:
        if self.running:
            assert self._task is not None
            self._task.cancel()
            self.status.setText("Cancelling…")
            return
        self.reject()

    def reject(self) -> None:
        if self.running and self._task is not None:
            self._task.cancel()
        super().reject()

    def done(self, result: int) -> None:
        if self._listening:
            self._listening = False
            self._events.received.disconnect(self._on_event)
        super().done(result)


def visible_column_keys(keys: Sequence[str], header: Any) -> list[str]:
    """The keys of the header's visible sections in screen order."""
    logical = [n for n in range(len(keys)) if not header.isSectionHidden(n)]
    return [keys[n] for n in sorted(logical, key=header.visualIndex)]


def open_export_dialog(
    browser: AppBrowser,
    runner: TaskSpawner,
    events: ServiceEvents,
    parent: QWidget | None,
    settings: QSettings | None = None,
    sync_first: Callable[[], asyncio.Task[Any] | None] | None = None,
) -> ExportDialog | None:
    """The Export dialog for the app shown in `browser` (None when no app is shown): its
    query, visible columns in screen order and selected rows."""
    session, app, query = browser.workspace, browser.app, browser.model.query
    if session is None or app is None or query is None:
        return None
    keys = [column.key for column in browser.model.columns]
    selection = browser.view.selectionModel()
    rows = sorted({index.row() for index in selection.selectedRows()})
    if len(rows) == browser.model.rowCount():
        rows = []  # all of them: the rows shown, including those not loaded yet
    selected = [item_id for row in rows if (item_id := browser.model.item_id_at(row)) is not None]
    dialog = ExportDialog(
        session,
        app,
        query,
        columns=visible_column_keys(keys, browser.view.horizontalHeader()),
        selected=selected,
        shown_rows=browser.model.rowCount(),
        runner=runner,
        events=events,
        settings=settings,
        sync_first=sync_first,
        parent=parent,
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
