"""The time zone rule in force (domain/time_rule.py): the Podio user's zone, or this
computer's when the user chose it in the settings.

One rule for the whole window: the table's date cells (ui/table/columns.py
`format_date_value`, rendered on the account's worker thread), the editor's date fields and
the in-place editor all read `current_rule()`. The Podio zone comes from `GET /user/`
(`EditingService.user_time_zone`) and is kept in the settings per account, so it is known
offline too; the choice of zone is the setting `dates/use_machine_time_zone`.
"""

from __future__ import annotations

import logging
import threading
import zoneinfo
from collections.abc import Awaitable, Callable
from datetime import tzinfo

from PySide6.QtCore import QObject, QSettings, QTimeZone, Signal

from podio_desk.domain.time_rule import TimeRule

log = logging.getLogger(__name__)

USE_MACHINE_KEY = "dates/use_machine_time_zone"
PODIO_ZONE_KEY = "dates/podio_time_zone"

_lock = threading.Lock()
_rule = TimeRule()


def current_rule() -> TimeRule:
    """The rule in force (safe on any thread: a frozen value swapped whole)."""
    with _lock:
        return _rule


def _set_rule(rule: TimeRule) -> None:
    global _rule
    with _lock:
        _rule = rule


def zone_named(name: str | None) -> tzinfo | None:
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        log.warning("Unknown time zone %r", name)
        return None


def machine_zone_name() -> str:
    return bytes(QTimeZone.systemTimeZoneId().data()).decode() or "UTC"


class TimeZoneSetting(QObject):
    """Holds the rule: the Podio zone of the account in use and the user's choice.

    Signals:
        changed(): the rule changed; shown dates must be rendered again.
    """

    changed = Signal()

    def __init__(self, settings: QSettings | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._podio_zone_name = ""
        self._use_machine = bool(
            settings is not None and str(settings.value(USE_MACHINE_KEY, "false")) == "true"
        )
        self._apply()

    @property
    def use_machine(self) -> bool:
        return self._use_machine

    def set_use_machine(self, use_machine: bool) -> None:
        if use_machine == self._use_machine:
            return
        self._use_machine = use_machine
        if self.settings is not None:
            self.settings.setValue(USE_MACHINE_KEY, "true" if use_machine else "false")
        self._apply()

    def remembered_podio_zone(self, account_key: str) -> str:
        if self.settings is None:
            return ""
        return str(self.settings.value(f"{PODIO_ZONE_KEY}/{account_key}", "") or "")

    def set_podio_zone(self, name: str | None, account_key: str | None = None) -> None:
        """The Podio user's zone (from `GET /user/`); remembered for offline starts."""
        name = name or ""
        if account_key and name and self.settings is not None:
            self.settings.setValue(f"{PODIO_ZONE_KEY}/{account_key}", name)
        if name == self._podio_zone_name:
            return
        self._podio_zone_name = name
        self._apply()

    async def learn_podio_zone(
        self, account_key: str, ask: Callable[[], Awaitable[str | None]]
    ) -> None:
        """Use the account's remembered zone at once, then the one Podio names now."""
        self.set_podio_zone(self.remembered_podio_zone(account_key))
        zone = await ask()
        if zone:
            self.set_podio_zone(zone, account_key)

    def reset(self) -> None:
        """Back to no known Podio zone (the window closed)."""
        self._podio_zone_name = ""
        _set_rule(TimeRule())

    def _apply(self) -> None:
        machine = machine_zone_name()
        rule = TimeRule(
            podio_zone=zone_named(self._podio_zone_name),
            podio_zone_name=self._podio_zone_name,
            machine_zone=zone_named(machine),
            machine_zone_name=machine,
            use_machine=self._use_machine,
        )
        if rule != current_rule():
            _set_rule(rule)
            self.changed.emit()
