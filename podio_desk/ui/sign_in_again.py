"""A revoked or expired sign-in asks to sign in again, pre-filled, and keeps what is shown.

When an account's session ends (`SessionState.SIGN_IN_REQUIRED`: the refresh token was
revoked or expired), `AccountService` says so on its event hub. `SignInAgain` then opens the
sign-in dialog for that account with everything but the password (or app token) filled in
and the reason shown. Nothing is closed meanwhile: the table keeps its cached rows and the
editor keeps what was typed. Signing in again gives the same client a new token, so the
account's session carries on.

The user can ask for it too ("Sign in again…" in the File menu and on an account in the
tree), as `podio-desk account login` does: a gateway account is asked for its API key, which
the same client sends from then on once the gateway took it.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from podio_desk.services.accounts import AccountError, AccountService, AccountStateChanged
from podio_desk.ui.editor.context import TaskRunnerLike
from podio_desk.ui.login_dialog import MODES, LoginDialog, SignInRequest
from podio_desk.ui.theme import set_tone

log = logging.getLogger(__name__)


class SignInAgain(QObject):
    """Watches the accounts' sessions; one pre-filled dialog per account that needs it."""

    def __init__(
        self, accounts: AccountService, runner: TaskRunnerLike, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.accounts = accounts
        self.runner = runner
        self.parent_widget = parent
        self.dialogs: dict[str, LoginDialog] = {}
        self._unsubscribe = accounts.events.subscribe(self._on_account_state)

    def close(self) -> None:
        self._unsubscribe()
        for dialog in list(self.dialogs.values()):
            dialog.reject()
        self.dialogs.clear()

    def _on_account_state(self, event: AccountStateChanged) -> None:
        # SessionState.SIGN_IN_REQUIRED (the UI does not import the api layer).
        if event.state.value == "sign_in_required":
            self.ask(event.key, event.message or "Your Podio session has ended.")

    def ask(self, key: str, reason: str = "") -> LoginDialog | None:
        """Open (or bring forward) the pre-filled dialog for account `key`."""
        existing = self.dialogs.get(key)
        if existing is not None and existing.isVisible():
            existing.raise_()
            return existing
        try:
            account = self.accounts.get(key)
        except AccountError:  # the account was removed meanwhile
            log.info("No account %s to sign in again", key)
            return None
        dialog = LoginDialog(self.parent_widget, first_run=False)
        dialog.setWindowTitle(f"Sign in again: {account.name}")
        dialog.intro.setText(f"Sign in to {account.name} again.")
        dialog.demo_button.hide()
        dialog.name.setText(account.name)
        dialog.api_url.setText(account.api_url)
        dialog.client_id.setText(account.client_id)
        dialog.client_secret.setPlaceholderText("kept in your keyring")
        for field in (dialog.name, dialog.api_url, dialog.client_id, dialog.client_secret):
            field.setReadOnly(True)
        dialog.username.setText(account.username or "")
        if account.app_id is not None:
            dialog.app_id.setText(str(account.app_id))
        mode = account.auth_mode.value  # "browser", "password", "app" or "gateway", as MODES
        if mode not in MODES:
            mode = "password"
        dialog.tabs.setCurrentIndex(MODES.index(mode))
        for index in range(dialog.tabs.count()):
            dialog.tabs.setTabEnabled(index, index == MODES.index(mode))
        if mode == "gateway":  # its headers and pace stay as they are: only the key is asked
            dialog.gateway_headers.setEnabled(False)
            dialog.rate_general.setEnabled(False)
            dialog.rate_heavy.setEnabled(False)
            dialog.api_key.setPlaceholderText("the new API key")
        if reason:
            dialog.show_error(reason + " What is on screen stays; sign in again to carry on.")
        else:
            set_tone(dialog.error, None)  # nothing is wrong: the user asked
            dialog.error.setText(
                "Enter the API key again." if mode == "gateway" else
                "The account's settings stay as they are; only the sign-in is renewed."
            )  # fmt: skip
        # The account exists: only the password (or token) is asked for, not a new key.
        dialog.buttons.accepted.disconnect()
        dialog.buttons.accepted.connect(lambda: self._sign_in(key, dialog))
        dialog.finished.connect(lambda _result: self.dialogs.pop(key, None))
        self.dialogs[key] = dialog
        dialog.open()
        asked = {"password": dialog.password, "app": dialog.app_token, "gateway": dialog.api_key}
        focus = asked.get(mode)
        if focus is not None:
            focus.setFocus()
        return dialog

    def _sign_in(self, key: str, dialog: LoginDialog) -> None:
        request = dialog.request()
        if request.mode == "password" and not request.password:
            dialog.show_error("Enter your password.")
            return
        if request.mode == "app" and not request.app_token:
            dialog.show_error("Enter the app token.")
            return
        if request.mode == "gateway" and not request.api_key:
            dialog.show_error("Enter the gateway's API key.")
            return
        dialog.set_busy(True, "Signing in…")
        self.runner.run(f"sign-in-again:{key}", self._sign_in_async(key, dialog, request))

    async def _sign_in_async(self, key: str, dialog: LoginDialog, request: SignInRequest) -> None:
        try:
            if request.mode == "password":
                await self.accounts.sign_in_password(key, request.password)
            elif request.mode == "app":
                await self.accounts.sign_in_app(key, request.app_token)
            elif request.mode == "gateway":
                await self.accounts.set_gateway_key(key, request.api_key)
            else:
                await self.accounts.sign_in_browser(
                    key, lambda url: QDesktopServices.openUrl(QUrl(url))
                )
        except Exception as error:
            message = getattr(error, "user_message", None) or str(error) or type(error).__name__
            dialog.show_error(f"Could not sign in: {message}")
            return
        dialog.finish()
