"""Qt's GUI thread pool is off before the first paint, unless the user says otherwise."""

from __future__ import annotations

import os

import pytest

from podio_desk.ui.paint_policy import QT_NO_GUI_THREADPOOL, draw_on_the_ui_thread


def test_fills_are_drawn_on_the_ui_thread_unless_the_user_chose(monkeypatch) -> None:
    monkeypatch.delenv(QT_NO_GUI_THREADPOOL, raising=False)
    draw_on_the_ui_thread()
    assert os.environ[QT_NO_GUI_THREADPOOL] == "1"
    monkeypatch.setenv(QT_NO_GUI_THREADPOOL, "yes")
    draw_on_the_ui_thread()
    assert os.environ[QT_NO_GUI_THREADPOOL] == "yes"


@pytest.mark.gui
def test_the_app_sets_it_before_creating_its_qapplication(monkeypatch, qapp) -> None:
    from podio_desk.app import create_qapplication

    monkeypatch.delenv(QT_NO_GUI_THREADPOOL, raising=False)
    assert create_qapplication() is qapp
    assert os.environ[QT_NO_GUI_THREADPOOL] == "1"
