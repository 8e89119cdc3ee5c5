"""The command line reads the window's settings without Qt: whatever QSettings writes to the
profile's INI file reads back the same, and a broken file reads as nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from podio_desk.services.export_settings import read_settings, saved_layout, saved_podio_zone


def test_strings_written_by_qsettings_read_back_the_same(qapp: Any, tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    values = {
        "tables/123": '{"order": ["title", "45"], "hidden": ["45"], "x": "a\\\\b \\" é"}',
        "dates/podio_time_zone/0f3a": "America/New_York",
        "export/folder": "/tmp/a b, c=d; e",
        "weird key/with space": "tab\there\nline ünïcödé €",
        "plain": "yes",
        "at": "@home, @String(x)",
        "empty": "",
    }
    settings = QSettings(str(path), QSettings.Format.IniFormat)
    for key, value in values.items():
        settings.setValue(key, value)
    settings.setValue("list", ["a", "b"])
    settings.setValue("number", 5)
    settings.setValue("bytes", QByteArray(b"\x01,\x02 @"))
    settings.sync()
    del settings

    read = read_settings(path)
    assert {key: read.get(key) for key in values} == values
    assert "list" not in read  # a string list is not a string
    assert "bytes" not in read
    assert saved_podio_zone(read, "0f3a") == "America/New_York"
    layout = saved_layout(read, 123)
    assert layout is not None
    assert (layout.order, layout.hidden) == (("title", "45"), ("45",))
    assert saved_layout(read, 999) is None


def test_a_missing_or_broken_settings_file_reads_as_nothing(tmp_path: Path) -> None:
    assert read_settings(tmp_path / "none.ini") == {}
    broken = tmp_path / "broken.ini"
    broken.write_bytes(b"\xff\xfe[tables]\n1=\x00")
    assert read_settings(broken) == {}
    odd = tmp_path / "odd.ini"
    odd.write_text('[tables]\n1="{not json"\n2="[1, 2]"\nno equals sign\n', encoding="utf-8")
    read = read_settings(odd)
    assert saved_layout(read, 1) is None
    assert saved_layout(read, 2) is None
