"""What the bar and the footer say about the current query: the count beside the search box
(a search names what it looked through) and the totals footer. Both ask the cache through
the session's `QueryService` on the cache's reader thread, never on the UI thread."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import shiboken6
from PySide6.QtCore import QLocale

from podio_desk.domain.workspace import App
from podio_desk.services.paging import PageQuery
from podio_desk.services.queries import TOTAL_TYPES, QueryError
from podio_desk.services.session import AccountSession
from podio_desk.ui.filter_bar import FilterBar
from podio_desk.ui.filters.reference_picker import Spawn
from podio_desk.ui.totals import TotalsFooter


class QuerySummary:
    """See the module docstring. `columns()` gives the table's column keys in logical order."""

    def __init__(
        self,
        bar: FilterBar,
        footer: TotalsFooter,
        spawn: Spawn,
        columns: Callable[[], Sequence[str]],
    ) -> None:
        self._bar = bar
        self._footer = footer
        self._spawn = spawn
        self._columns = columns
        self.app_total: int | None = None  # the app's items in Podio, once known
        self.refreshes = 0  # footers shown, for whoever waits for one

    def app_opened(self) -> None:
        self.app_total = None
        self._footer.clear()

    def on_total(self, session: AccountSession, app: App, query: PageQuery, total: int) -> None:
        filtered = bool(query.filters or query.search)
        if not filtered:
            # Unfiltered, the table's count is the app's: Podio's, or the full copy's.
            self.app_total = total
        self._bar.set_count(total, filtered=filtered)
        self._spawn(f"summary:{app.app_id}", self._summarize(session, app, query, total))

    async def _summarize(
        self, session: AccountSession, app: App, query: PageQuery, total: int
    ) -> None:
        columns = [
            (index, fdef)
            for index, key in enumerate(self._columns())
            if key.isdigit()
            and (fdef := app.field(int(key))) is not None
            and fdef.field_type in TOTAL_TYPES
        ]
        try:
            # The rows just read from Podio are being written to the cache: the totals count
            # them once there, else the first sight of an app read from Podio says it has
            # nothing cached while every row is on screen.
            await session.api_pages.wait_written()
            totals = await session.queries.totals(
                query, [fdef.field_id for _index, fdef in columns], self.app_total
            )
        except QueryError:
            if shiboken6.isValid(self._footer):
                self._footer.clear()
            return
        if not shiboken6.isValid(self._footer):
            return
        if query.search:
            self._bar.set_count(
                total,
                filtered=True,
                searched=True,
                cached=totals.cached,
                app_total=self.app_total,
            )
        self._footer.show_totals(totals, columns, QLocale())
        self.refreshes += 1
