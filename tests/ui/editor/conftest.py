"""Fixtures for the item editor tests: a sandbox, a signed-in client, the editor on a form."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient
from podio_desk.cache.cache import Cache
from podio_desk.cache.index import item_records
from podio_desk.domain.items import Item
from podio_desk.sandbox import Sandbox
from podio_desk.services.editing import EditEvent, EditingService
from podio_desk.ui.editor.item_editor import EditorState, ItemEditor
from podio_desk.ui.tasks import TaskRunner
from tests.plugins.qt import run_async

__all__ = ["EditorEnv", "run_async"]

WRITES = {"PUT", "POST", "DELETE"}


@dataclass
class EditorEnv:
    sandbox: Sandbox
    client: PodioClient
    cache: Cache
    service: EditingService
    runner: TaskRunner
    editor: ItemEditor
    qtbot: QtBot
    events: list[EditEvent]

    @property
    def item_id(self) -> int:
        return int(self.sandbox.info["richest_item_id"])

    def download(self, file_id: int) -> bytes:
        return run_async(self.client.download_file(file_id))

    def current_item(self) -> Item | None:
        return self.editor.item

    def field(self, external_id: str) -> Any:
        """The editor widget of a field (typed loosely: tests poke each kind's own widgets)."""
        return self.editor.editor_by_external_id(external_id)

    def open(self, item_id: int | None = None) -> None:
        task = self.editor.open_item(None, item_id or self.item_id)
        assert task is not None
        self.qtbot.waitUntil(task.done, timeout=10_000)
        assert self.editor.state is EditorState.READY, self.editor.message

    def wait(self, task: Any) -> None:
        assert task is not None, self.editor.message
        self.qtbot.waitUntil(task.done, timeout=10_000)
        task.result()

    def save(self) -> None:
        task = self.editor.save()
        assert task is not None, f"nothing sent: {self.editor.message} {self.editor.field_errors()}"
        self.wait(task)
        assert self.editor.state is EditorState.SAVED, self.editor.message

    def fetch(self, item_id: int | None = None) -> Item:
        """The item as the sandbox has it now, over HTTP."""
        return run_async(self.client.item(item_id or self.item_id))

    def raw_values(self, external_id: str, item_id: int | None = None) -> list[Any]:
        raw = self.fetch(item_id).raw
        for entry in raw.get("fields") or []:
            if entry.get("external_id") == external_id:
                return list(entry.get("values") or [])
        return []

    def writes(self) -> list[str]:
        return [
            f"{entry.method} {entry.path}"
            for entry in self.sandbox.control.requests()
            if entry.method in WRITES
        ]

    def sent_bodies(self, method: str = "PUT") -> list[Any]:
        return [
            json.loads(entry.body)
            for entry in self.sandbox.control.requests()
            if entry.method == method and entry.body
        ]

    def fill_cache(self, app_id: int) -> None:
        page = run_async(self.client.filter_items(app_id, limit=100))
        records, _ = item_records([item.raw for item in page.items], app_id)
        run_async(self.cache.items.upsert(records))


@pytest.fixture
def env(qtbot: QtBot, qloop: Any, sandbox: Sandbox, tmp_path: Path) -> Iterator[EditorEnv]:
    info = sandbox.info
    client = PodioClient(
        ClientCredentials(str(info["client_id"]), str(info["client_secret"])),
        base_url=sandbox.url,
    )
    run_async(client.session.sign_in_password(str(info["username"]), str(info["password"])))
    cache = run_async(Cache.open(tmp_path / "cache", "editor-test"))
    service = EditingService(client, cache.items)
    events: list[EditEvent] = []
    service.events.subscribe(events.append)
    runner = TaskRunner()
    editor = ItemEditor(service, runner)
    qtbot.addWidget(editor)
    editor.resize(1200, 900)
    environment = EditorEnv(sandbox, client, cache, service, runner, editor, qtbot, events)
    yield environment
    run_async(runner.shutdown(1.0))
    run_async(client.aclose())
    run_async(cache.aclose())
    dispose(editor)


def dispose(widget: QWidget) -> None:
    """Delete `widget` now, on this thread: left to the garbage collector, Qt objects in
    reference cycles may be freed on the sandbox's server thread, which Qt reports."""
    if shiboken6.isValid(widget):
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
