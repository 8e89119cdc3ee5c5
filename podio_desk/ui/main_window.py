"""The main window skeleton: a central area, dock areas, a menu bar and a status bar.

Other parts of the UI fill it: the workspace tree docks on the left, the item table becomes the
central widget, status-bar gauges are added as permanent widgets. The window itself knows none
of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QStatusBar,
    QWidget,
)

from podio_desk import APP_NAME, __version__
from podio_desk.ui.theme import apply_dark_mode

if TYPE_CHECKING:
    from PySide6.QtCore import Qt

# Nothing here touches PySide6's `Qt` namespace before the window shows: its first use builds
# all of its Python enums, a visible part of a bare window's start. Later users pay it, off
# the path to the first paint.
_ALIGN_CENTER = 0x0084  # Qt::AlignCenter (AlignHCenter | AlignVCenter)

STATUS_MESSAGE_MS = 8000
DEFAULT_SIZE = (1200, 760)
_GEOMETRY_KEY = "main_window/geometry"
_STATE_KEY = "main_window/state"

_DARK_MODE_KEY = "appearance/dark_mode"

# What is built, nothing more.
ABOUT_TEXT = (
    f"<h3>{APP_NAME} {__version__}</h3>"
    "<p>A desktop client for Podio. Your organizations, spaces and apps in one tree; an "
    "app's items in a table you can sort, filter and search, with column totals; items "
    "edited in a form or in place, every save checked against the revision it was read "
    "at; apps synced into a local copy that stays readable offline.</p>"
    "<p>Podio is a trademark of its owner; this application is not affiliated with it.</p>"
)


class StatusBar(QStatusBar):
    """The window's status bar; gauges (rate limit, online state, jobs) sit on its right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("status_bar")
        self.setSizeGripEnabled(True)

    def add_permanent_widget(self, widget: QWidget, stretch: int = 0) -> None:
        """Add a widget to the right-hand side that temporary messages never cover."""
        self.addPermanentWidget(widget, stretch)

    def show_message(self, text: str, timeout_ms: int = STATUS_MESSAGE_MS) -> None:
        """Show `text` on the left for `timeout_ms` (0 keeps it until the next message)."""
        self.showMessage(text, timeout_ms)


class MainWindow(QMainWindow):
    """Podio Desk's one main window.

    Signals:
        close_requested(): the user closed the window or chose File > Quit; the application
            answers by shutting down (cancelling tasks, closing clients) and quitting.
    """

    close_requested = Signal()

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.close_guard: Callable[[Callable[[], object]], bool] | None = None
        self.setObjectName("main_window")
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(QApplication.windowIcon())
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowNestedDocks
        )

        self._central = QStackedWidget(self)
        self._central.setObjectName("central_area")
        self._placeholder = QLabel(
            f"{APP_NAME} — open an app from the workspace tree to see its items.", self._central
        )
        self._placeholder.setObjectName("central_placeholder")
        self._placeholder.setProperty("alignment", _ALIGN_CENTER)
        self._placeholder.setWordWrap(True)
        self._central.addWidget(self._placeholder)
        self.setCentralWidget(self._central)

        self.status_bar = StatusBar(self)
        self.setStatusBar(self.status_bar)

        self.file_menu: QMenu = self.menuBar().addMenu("&File")
        self.view_menu: QMenu = self.menuBar().addMenu("&View")
        self.help_menu: QMenu = self.menuBar().addMenu("&Help")
        self.file_menu.setObjectName("file_menu")
        self.view_menu.setObjectName("view_menu")
        self.help_menu.setObjectName("help_menu")

        self.quit_action = QAction("&Quit", self)
        self.quit_action.setObjectName("quit_action")
        # Some platforms (no desktop theme) bind nothing to the standard Quit key.
        self.quit_action.setShortcuts(
            QKeySequence.keyBindings(QKeySequence.StandardKey.Quit) or [QKeySequence("Ctrl+Q")]
        )
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.quit_action)
        self.addAction(self.quit_action)  # works with a hidden or native menu bar too

        self.dark_mode_action = QAction("&Dark mode", self)
        self.dark_mode_action.setObjectName("dark_mode_action")
        self.dark_mode_action.setCheckable(True)
        self.dark_mode_action.setChecked(self._dark_mode_wanted())
        self.dark_mode_action.toggled.connect(self.set_dark_mode)
        self.view_menu.addAction(self.dark_mode_action)
        self.view_menu.addSeparator()
        if self.dark_mode_action.isChecked():
            apply_dark_mode(True)

        self.about_action = QAction(f"&About {APP_NAME}", self)
        self.about_action.setObjectName("about_action")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        self.help_menu.addAction(self.about_action)

        self._about_box: QMessageBox | None = None
        self.resize(*DEFAULT_SIZE)
        if not self._restore_layout():
            self._center_on_screen()
        self.status_bar.show_message("Ready", 0)

    def set_document(self, app_name: str | None, account: str | None) -> None:
        """Name the app shown and its account in the title ("Tickets — Acme — Podio Desk")."""
        parts = [part for part in (app_name, account) if part]
        self.setWindowTitle(" — ".join([*parts, APP_NAME]))

    def set_dark_mode(self, dark: bool) -> None:
        """View > Dark mode: switch now and remember the choice."""
        apply_dark_mode(dark)
        if self.dark_mode_action.isChecked() != dark:
            self.dark_mode_action.setChecked(dark)
        if self._settings is not None:
            self._settings.setValue(_DARK_MODE_KEY, dark)

    def _dark_mode_wanted(self) -> bool:
        """The remembered choice; without one, the system's colour scheme."""
        saved = self._settings.value(_DARK_MODE_KEY) if self._settings is not None else None
        if saved is not None:
            return str(saved).lower() in ("true", "1")
        from PySide6.QtCore import Qt

        return QApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark

    def central_widget(self) -> QWidget:
        """The widget currently shown in the central area."""
        current = self._central.currentWidget()
        assert current is not None  # the placeholder is never removed
        return current

    def set_central_widget(self, widget: QWidget) -> None:
        """Show `widget` in the central area (the placeholder stays behind it, unused)."""
        if self._central.indexOf(widget) < 0:
            self._central.addWidget(widget)
        self._central.setCurrentWidget(widget)

    def add_dock(
        self,
        dock: QDockWidget,
        area: Qt.DockWidgetArea | None = None,
    ) -> None:
        """Dock `dock` (on the left unless `area` says otherwise) and list its show/hide
        toggle under View.

        The dock needs an objectName so the window can restore its place next time.
        """
        from PySide6.QtCore import Qt

        if area is None:
            area = Qt.DockWidgetArea.LeftDockWidgetArea
        if not dock.objectName():
            raise ValueError(f"dock {dock.windowTitle()!r} needs an objectName to be restored")
        self.addDockWidget(area, dock)
        self.view_menu.addAction(dock.toggleViewAction())
        # Puts the dock back where the saved state had it (a no-op on the first run).
        self.restoreDockWidget(dock)

    def show_about(self) -> QMessageBox:
        """Show the About box without blocking the event loop (asyncio keeps running)."""
        if self._about_box is None:
            from PySide6.QtCore import Qt

            self._about_box = QMessageBox(self)
            self._about_box.setObjectName("about_box")
            self._about_box.setWindowTitle(f"About {APP_NAME}")
            self._about_box.setIconPixmap(self.windowIcon().pixmap(64, 64))
            self._about_box.setTextFormat(Qt.TextFormat.RichText)
            self._about_box.setText(ABOUT_TEXT)
            self._about_box.setStandardButtons(QMessageBox.StandardButton.Close)
        self._about_box.open()
        return self._about_box

    def save_layout(self) -> None:
        if self._settings is None:
            return
        self._settings.setValue(_GEOMETRY_KEY, self.saveGeometry())
        self._settings.setValue(_STATE_KEY, self.saveState())
        self._settings.sync()

    def _restore_layout(self) -> bool:
        """Put the window where the user left it; False when there is nothing saved."""
        if self._settings is None:
            return False
        state = self._settings.value(_STATE_KEY)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        geometry = self._settings.value(_GEOMETRY_KEY)
        return isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)

    def _center_on_screen(self) -> None:
        available = self.screen().availableGeometry()
        width = min(self.width(), available.width())
        height = min(self.height(), available.height())
        self.setGeometry(
            available.x() + (available.width() - width) // 2,
            available.y() + (available.height() - height) // 2,
            width,
            height,
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        # Unsaved edits are asked about first (ui/editor/unsaved.py); on Save the window
        # closes once they are saved, and stays open if saving fails.
        if self.close_guard is not None and not self.close_guard(self.close):
            event.ignore()
            return
        self.save_layout()
        event.accept()
        self.close_requested.emit()
