"""First run and "Add account…": sign in with the browser, a password, an app token, through an
API gateway (its address, API key and extra headers), or the demo.

The dialog only collects what the chosen way needs and emits a `SignInRequest`; the window's
controller does the (async) sign-in and answers with `finish()` or `show_error()`. On an error
everything typed stays in place, so nothing is lost but the password.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from podio_desk.ui.header_fields import HEADER_FORM, HeaderFields
from podio_desk.ui.theme import Tone, set_tone

DEFAULT_API_URL = "https://api.podio.com"
MODES = ("browser", "password", "app", "gateway")
# Podio's own budgets (calls an hour, general and heavy): the gateway default.
DEFAULT_RATE_LIMIT = (1000, 250)


@dataclass(frozen=True)
class SignInRequest:
    """What the user asked for: mode is "demo", "browser", "password" or "app"."""

    mode: str
    name: str = ""
    api_url: str = DEFAULT_API_URL
    client_id: str = ""
    client_secret: str = ""
    username: str = ""
    password: str = ""
    app_id: int | None = None
    app_token: str = ""
    # An API gateway: its key, extra headers (name, value) and rate limit (general, heavy).
    api_key: str = field(default="", repr=False)
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    rate_limit: tuple[int, int] | None = None

    def problem(self) -> str | None:
        """What is missing, in words for the user, or None when the request is complete."""
        if self.mode == "demo":
            return None
        if self.mode == "gateway":
            if not self.api_url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
                return "The gateway's address must start with https:// (or be a local sandbox)."
            if not self.api_key.strip():
                return "Enter the gateway's API key."
            if any(not name for name, _ in self.headers):
                return f"Give each extra header a name: {HEADER_FORM}."
            return None
        if not self.client_id.strip() or not self.client_secret.strip():
            return "Enter the client id and client secret of your Podio API key."
        if not self.api_url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            return "The API address must start with https:// (or be a local sandbox)."
        if self.mode == "password" and (not self.username.strip() or not self.password):
            return "Enter your Podio e-mail address and password."
        if self.mode == "app" and (self.app_id is None or not self.app_token.strip()):
            return "Enter the app id and the app token (both are in the app's developer settings)."
        return None


class LoginDialog(QDialog):
    """See the module docstring.

    Signals:
        sign_in_requested(SignInRequest): the user pressed Sign in or Try the demo.
    """

    sign_in_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None, *, first_run: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("loginDialog")
        self.setWindowTitle("Welcome to Podio Desk" if first_run else "Add a Podio account")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        self.intro = intro = QLabel(
            "Sign in to Podio to see your organizations, spaces and apps. "
            "Or try the demo: a local Podio with sample data, no account needed."
            if first_run
            else "Add another Podio account; accounts are shown side by side.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.demo_button = QPushButton("Try the demo", self)
        self.demo_button.setObjectName("demoButton")
        self.demo_button.setDefault(first_run)
        self.demo_button.clicked.connect(lambda: self._request(SignInRequest("demo")))
        layout.addWidget(self.demo_button)

        self.tabs = QTabWidget(self)
        self.name = QLineEdit(self)
        self.api_url = QLineEdit(DEFAULT_API_URL, self)
        self.client_id = QLineEdit(self)
        self.client_secret = QLineEdit(self)
        self.client_secret.setEchoMode(QLineEdit.EchoMode.Password)
        common = QWidget(self)
        common_form = QFormLayout(common)
        common_form.addRow("Account name", self.name)
        common_form.addRow("API address", self.api_url)
        common_form.addRow("Client id", self.client_id)
        common_form.addRow("Client secret", self.client_secret)
        layout.addWidget(common)

        browser = QWidget(self)
        browser_form = QFormLayout(browser)
        browser_form.addRow(
            QLabel("Your browser opens Podio's sign-in page; come back here afterwards.", browser)
        )
        self.tabs.addTab(browser, "Browser")

        password = QWidget(self)
        password_form = QFormLayout(password)
        self.username = QLineEdit(password)
        self.password = QLineEdit(password)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        password_form.addRow("E-mail", self.username)
        password_form.addRow("Password", self.password)
        self.tabs.addTab(password, "Password")

        app = QWidget(self)
        app_form = QFormLayout(app)
        self.app_id = QLineEdit(app)
        self.app_token = QLineEdit(app)
        self.app_token.setEchoMode(QLineEdit.EchoMode.Password)
        app_form.addRow("App id", self.app_id)
        app_form.addRow("App token", self.app_token)
        app_form.addRow(QLabel("Everything done with this account acts as the app.", app))
        self.tabs.addTab(app, "App token")
        self.tabs.addTab(self._gateway_tab(), "API gateway")
        self.tabs.setCurrentIndex(1)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        layout.addWidget(self.tabs)

        self.error = QLabel(self)
        self.error.setObjectName("loginError")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        set_tone(self.error, Tone.ERROR)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(self)
        self.sign_in_button = self.buttons.addButton(
            "Sign in", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._sign_in)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _gateway_tab(self) -> QWidget:
        gateway = QWidget(self)
        form = QFormLayout(gateway)
        self.api_key = QLineEdit(gateway)
        self.api_key.setObjectName("gatewayApiKey")
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.gateway_headers = HeaderFields(gateway)
        self.gateway_headers.setObjectName("gatewayHeaders")
        self.rate_general = QSpinBox(gateway)
        self.rate_heavy = QSpinBox(gateway)
        for box, value in zip(
            (self.rate_general, self.rate_heavy), DEFAULT_RATE_LIMIT, strict=True
        ):
            box.setRange(1, 1_000_000)
            box.setValue(value)
        rates = QWidget(gateway)
        rates_row = QHBoxLayout(rates)
        rates_row.setContentsMargins(0, 0, 0, 0)
        rates_row.addWidget(self.rate_general)
        rates_row.addWidget(QLabel("general,", rates))
        rates_row.addWidget(self.rate_heavy)
        rates_row.addWidget(QLabel("heavy calls an hour", rates))
        rates_row.addStretch(1)
        form.addRow("API key", self.api_key)
        form.addRow("Extra headers", self.gateway_headers)
        form.addRow("Rate limit", rates)
        rates.setToolTip("Paces requests when the gateway does not report Podio's rate limits")
        note = QLabel(
            "The API address is the gateway's, with its path (…/podio). The key and header "
            "values stay in the keyring.",
            gateway,
        )
        note.setWordWrap(True)
        form.addRow(note)
        return gateway

    # ------------------------------------------------------------------ public

    def request(self) -> SignInRequest:
        mode = MODES[self.tabs.currentIndex()]
        if mode == "gateway":
            return SignInRequest(
                mode=mode,
                name=self.name.text().strip(),
                api_url=self.api_url.text().strip().rstrip("/"),
                api_key=self.api_key.text().strip(),
                headers=self._headers(),
                rate_limit=(self.rate_general.value(), self.rate_heavy.value()),
            )
        app_id_text = self.app_id.text().strip()
        return SignInRequest(
            mode=mode,
            name=self.name.text().strip(),
            api_url=self.api_url.text().strip().rstrip("/") or DEFAULT_API_URL,
            client_id=self.client_id.text().strip(),
            client_secret=self.client_secret.text().strip(),
            username=self.username.text().strip(),
            password=self.password.text(),
            app_id=int(app_id_text) if app_id_text.isdigit() else None,
            app_token=self.app_token.text().strip(),
        )

    def set_busy(self, busy: bool, text: str = "") -> None:
        for widget in (self.demo_button, self.tabs, self.sign_in_button):
            widget.setEnabled(not busy)
        if busy:
            set_tone(self.error, None)
            self.error.setText(text or "Signing in…")

    def show_error(self, message: str) -> None:
        self.set_busy(False)
        set_tone(self.error, Tone.ERROR)
        self.error.setText(message)

    def finish(self) -> None:
        self.set_busy(False)
        self.accept()

    def _headers(self) -> tuple[tuple[str, str], ...]:
        return self.gateway_headers.headers()

    # ------------------------------------------------------------------ slots

    def _on_tab_changed(self, index: int) -> None:
        # A gateway signs in to Podio itself: no API key of ours to give.
        gateway = MODES[index] == "gateway"
        self.client_id.setEnabled(not gateway)
        self.client_secret.setEnabled(not gateway)

    def _sign_in(self) -> None:
        request = self.request()
        problem = request.problem()
        if problem is not None:
            self.show_error(problem)
            return
        self._request(request)

    def _request(self, request: SignInRequest) -> None:
        self.set_busy(True, "Starting the demo…" if request.mode == "demo" else "Signing in…")
        self.sign_in_requested.emit(request)
