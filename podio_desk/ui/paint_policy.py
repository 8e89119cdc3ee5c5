"""Qt draws on the UI thread itself, not with the help of its GUI thread pool.

Qt 6 splits a fill that spans more than ~96 scanlines (a viewport's background, a scroll
bar's groove) and image conversions into segments, runs them on `qtGuiThreadPool()`, and the
UI thread waits for all of them. With a sync and a page parser busy on two cores, those pool
threads wait for a CPU, and the UI thread waits with them: in the UI benchmark (a full sync
of 100 000 items while the table is scrolled) the heartbeat was more than 12 ms late 7, 8 and
4 times in three runs with the pool, 3, 1 and 6 times in three runs without it. The same
fills done by the UI thread alone take well under a millisecond at this window's sizes.

Qt reads `QT_NO_GUI_THREADPOOL` once, the first time it wants the pool (a first paint), so
this must run before anything is drawn. A value the user set is kept.
"""

from __future__ import annotations

import os

QT_NO_GUI_THREADPOOL = "QT_NO_GUI_THREADPOOL"


def draw_on_the_ui_thread() -> None:
    """Tell Qt not to hand fills and image conversions to its GUI thread pool."""
    os.environ.setdefault(QT_NO_GUI_THREADPOOL, "1")
