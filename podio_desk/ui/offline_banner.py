"""A banner over the table while Podio cannot be reached: since when the data is stale."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QLocale, Qt, QTime, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from podio_desk.ui.theme import set_warning_panel


def _local(moment: datetime) -> str:
    local = moment.astimezone()
    return QLocale().toString(
        QTime(local.hour, local.minute, local.second), QLocale.FormatType.ShortFormat
    )


class OfflineBanner(QFrame):
    """Hidden while online. Offline: "Offline since 10:42 — showing the local cache…".

    Signals:
        retry_requested(): the user pressed "Try again" (the monitor also retries by itself).
    """

    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlineBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        set_warning_panel(self)  # a warning shade with readable text, light or dark
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.retry_button = QPushButton("Try again", self)
        self.retry_button.clicked.connect(self.retry_requested)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.retry_button)
        self._since: datetime | None = None
        self._synced_at: datetime | None = None
        self._app: tuple[str, int, bool] | None = None
        self._ticker = QTimer(self)
        self._ticker.setInterval(30_000)
        self._ticker.timeout.connect(self._update_text)
        self.setVisible(False)

    def set_offline(self, since: datetime | None) -> None:
        """`since`: when Podio stopped answering; None hides the banner."""
        self._since = since
        if since is None:
            self._ticker.stop()
            self.setVisible(False)
            return
        self._update_text()
        self._ticker.start()
        self.setVisible(True)

    def set_synced_at(self, synced_at: datetime | None) -> None:
        """When the shown app's cached copy was last brought up to date."""
        self._synced_at = synced_at
        if self._since is not None:
            self._update_text()

    def set_cached_rows(self, app_name: str | None, count: int = 0, complete: bool = False) -> None:
        """How much of the shown app the cache holds (None: say nothing about it)."""
        self._app = None if app_name is None else (app_name, count, complete)
        if self._since is not None:
            self._update_text()

    def text(self) -> str:
        return self.label.text()

    def _update_text(self) -> None:
        if self._since is None:
            return
        stale_since = self._synced_at if self._synced_at is not None else self._since
        minutes = max(0, int((self.now() - stale_since).total_seconds() // 60))
        age = "less than a minute" if minutes < 1 else f"{minutes} min"
        self.label.setText(
            f"Offline since {_local(self._since)}: Podio cannot be reached. You are browsing "
            f"the local cache; the data is {age} old (as of {_local(stale_since)}). "
            "Podio Desk reconnects by itself." + self._app_text()
        )

    def _app_text(self) -> str:
        if self._app is None:
            return ""
        name, count, complete = self._app
        if count == 0:
            return (
                f"\nNothing of {name} is in the local cache: its items show once Podio can be "
                "reached (sync it then to have it offline)."
            )
        if not complete:
            return (
                f"\nOnly the {count:,} items of {name} seen before are in the local cache, "
                "not the whole app."
            )
        return ""
