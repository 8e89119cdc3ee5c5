"""Link (embed), image and file editors: add, remove, upload, download, open."""

from __future__ import annotations

import asyncio
import mimetypes
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from podio_desk.domain.errors import MalformedValueError
from podio_desk.domain.fields import (
    EMPTY,
    EmbedRef,
    EmbedValue,
    FieldDef,
    FieldValue,
    FileListValue,
    FileRef,
    validate,
)
from podio_desk.domain.user_input import check_link_url
from podio_desk.ui.editor.context import EditorContext
from podio_desk.ui.editor.fields.base import (
    ERROR_COLOR,
    FieldEditor,
    _fit_list,
    _settings_list,
    _vbox,
)
from podio_desk.ui.filters.flow_layout import FlowArea


class EmbedEditor(FieldEditor):
    """Links: add a URL (Podio turns it into an embed first), remove, open."""

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        layout = _vbox(self)
        self.linked = QListWidget(self)
        self.linked.setMaximumHeight(80)
        self.linked.itemActivated.connect(self._open)
        self.url = QLineEdit(self)
        self.url.setPlaceholderText("https://…")
        self.url.returnPressed.connect(self.add_url)
        self.add_button = QPushButton("Add link", self)
        self.add_button.clicked.connect(self.add_url)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.hide()
        layout.addWidget(self.linked)
        layout.addLayout(self._row(self.url, self.add_button, self.remove_button))
        layout.addWidget(self.status)
        self._embeds: list[EmbedRef] = []
        self.add_task: asyncio.Task[Any] | None = None
        self.url_problem: str | None = None

    def _refresh(self) -> None:
        self.linked.clear()
        for embed in self._embeds:
            label = embed.title or embed.url or embed.original_url or f"#{embed.embed_id}"
            entry = QListWidgetItem(
                label if label == embed.url else f"{label} — {embed.url}", self.linked
            )
            entry.setToolTip(embed.url)
        _fit_list(self.linked, len(self._embeds))

    def _show(self, value: FieldValue) -> None:
        self._embeds = list(value.embeds) if isinstance(value, EmbedValue) else []
        self._refresh()

    def _read(self) -> FieldValue:
        if self.url_problem:
            raise MalformedValueError(self.url_problem)
        original = (
            list(self._shown_value.embeds) if isinstance(self._shown_value, EmbedValue) else []
        )
        if [e.embed_id for e in self._embeds] == [e.embed_id for e in original]:
            return self._shown_value
        return EmbedValue(tuple(self._embeds)) if self._embeds else EMPTY

    def add_url(self) -> None:
        url = self.url.text().strip()
        problem = check_link_url(url)
        if problem:
            self.url_problem = f'"{self.fdef.label}": {problem}'
            self._say(self.url_problem, error=True)
            self._emit_changed()
            return
        self.url_problem = None
        if self.context.service is None:
            self._say("Links cannot be added here", error=True)
            return
        self.add_task = self.context.run(f"embed:{self.fdef.field_id}", self._create(url))

    async def _create(self, url: str) -> None:
        assert self.context.service is not None
        self._say("Adding link…")
        try:
            embed = await self.context.service.create_embed(url)
        except Exception as exc:  # shown on the field
            self._say(
                f"Podio could not use this link: {getattr(exc, 'user_message', exc)}", error=True
            )
            return
        self._embeds.append(embed)
        self.url.clear()
        self._say("")
        self._refresh()
        self._emit_changed()

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.linked.selectedIndexes()}, reverse=True)
        if not rows and len(self._embeds) == 1:
            rows = [0]
        for row in rows:
            del self._embeds[row]
        self._refresh()
        self._emit_changed()

    def _open(self, entry: QListWidgetItem) -> None:
        QDesktopServices.openUrl(QUrl(entry.toolTip()))

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {ERROR_COLOR};" if error else "color: palette(mid);")
        self.status.setVisible(bool(text))


def _size_text(size: int | None) -> str:
    if size is None:
        return ""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size = size / 1024  # type: ignore[assignment]
    return ""


class FileEditor(FieldEditor):
    """Image and file fields: upload, download, open, remove."""

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        layout = _vbox(self)
        self.files = QListWidget(self)
        self.files.setMaximumHeight(90)
        self.files.itemActivated.connect(lambda _entry: self.open_selected())
        self.upload_button = QPushButton("Upload…", self)
        self.upload_button.clicked.connect(self._choose_and_upload)
        self.download_button = QPushButton("Download…", self)
        self.download_button.clicked.connect(self._choose_and_download)
        self.open_button = QPushButton("Open", self)
        self.open_button.clicked.connect(self.open_selected)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.hide()
        layout.addWidget(self.files)
        # The buttons wrap in a narrow form instead of widening it.
        buttons = FlowArea(self)
        for button in (
            self.upload_button,
            self.download_button,
            self.open_button,
            self.remove_button,
        ):
            buttons.flow.addWidget(button)
        layout.addWidget(buttons)
        layout.addWidget(self.status)
        self._files: list[FileRef] = []
        self.task: asyncio.Task[Any] | None = None
        allowed = _settings_list(fdef, "allowed_mimetypes")
        self.upload_button.setToolTip("Allowed: " + ", ".join(allowed) if allowed else "Any file")
        if context.service is None:
            for button in (self.upload_button, self.download_button, self.open_button):
                button.setEnabled(False)

    def _refresh(self) -> None:
        self.files.clear()
        for ref in self._files:
            details = ", ".join(p for p in (ref.mimetype or "", _size_text(ref.size)) if p)
            QListWidgetItem(
                f"{ref.name or '#' + str(ref.file_id)}" + (f"  ({details})" if details else ""),
                self.files,
            )
        _fit_list(self.files, len(self._files))

    def _show(self, value: FieldValue) -> None:
        self._files = list(value.files) if isinstance(value, FileListValue) else []
        self._refresh()

    def _read(self) -> FieldValue:
        original = (
            list(self._shown_value.files) if isinstance(self._shown_value, FileListValue) else []
        )
        if [f.file_id for f in self._files] == [f.file_id for f in original]:
            return self._shown_value
        return FileListValue(tuple(self._files)) if self._files else EMPTY

    def _selected(self) -> FileRef | None:
        rows = [index.row() for index in self.files.selectedIndexes()]
        if rows:
            return self._files[rows[0]]
        return self._files[0] if len(self._files) == 1 else None

    # -- upload
    def _choose_and_upload(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, f"Upload to {self.fdef.label}")
        for name in names:
            self.upload_path(Path(name))

    def refusal(self, name: str, mimetype: str) -> str | None:
        """Why a file cannot go into this field (checked before anything is uploaded)."""
        candidate = FileListValue((*self._files, FileRef(file_id=0, name=name, mimetype=mimetype)))
        issues = validate(self.fdef, candidate)
        return "; ".join(issue.message for issue in issues) or None

    def upload_path(self, path: Path) -> None:
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        problem = self.refusal(path.name, mimetype)
        if problem:
            self._say(problem, error=True)
            return
        self.task = self.context.run(
            f"upload:{self.fdef.field_id}:{path.name}", self._upload_file(path, mimetype)
        )

    def upload_bytes(self, name: str, content: bytes, mimetype: str) -> asyncio.Task[Any] | None:
        problem = self.refusal(name, mimetype)
        if problem:
            self._say(problem, error=True)
            return None
        self.task = self.context.run(
            f"upload:{self.fdef.field_id}:{name}", self._upload(name, content, mimetype)
        )
        return self.task

    async def _upload_file(self, path: Path, mimetype: str) -> None:
        try:
            content = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            self._say(f"Could not read {path.name}: {exc.strerror or exc}", error=True)
            return
        await self._upload(path.name, content, mimetype)

    async def _upload(self, name: str, content: bytes, mimetype: str) -> None:
        assert self.context.service is not None
        self._say(f"Uploading {name}…")
        try:
            ref = await self.context.service.upload(name, content, mimetype)
        except Exception as exc:  # shown on the field
            self._say(f"Upload of {name} failed: {getattr(exc, 'user_message', exc)}", error=True)
            return
        self._files.append(ref)
        self._say("")
        self._refresh()
        self._emit_changed()

    # -- download, open
    def _choose_and_download(self) -> None:
        ref = self._selected()
        if ref is None:
            self._say("Select a file first", error=True)
            return
        target, _ = QFileDialog.getSaveFileName(self, "Save file", ref.name)
        if target:
            self.download_to(ref, Path(target))

    def download_to(
        self, ref: FileRef, target: Path, *, then_open: bool = False
    ) -> asyncio.Task[Any] | None:
        self.task = self.context.run(
            f"download:{ref.file_id}", self._download(ref, target, then_open)
        )
        return self.task

    async def _download(self, ref: FileRef, target: Path, then_open: bool) -> None:
        assert self.context.service is not None
        self._say(f"Downloading {ref.name}…")
        try:
            content = await self.context.service.download(ref.file_id)
            await asyncio.to_thread(target.write_bytes, content)
        except Exception as exc:  # shown on the field
            self._say(
                f"Download of {ref.name} failed: {getattr(exc, 'user_message', exc)}", error=True
            )
            return
        self._say(f"Saved {target.name}")
        if then_open:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))

    def open_selected(self) -> None:
        ref = self._selected()
        if ref is None:
            return
        folder = Path(tempfile.gettempdir()) / "podio-desk-files" / str(ref.file_id)
        folder.mkdir(parents=True, exist_ok=True)
        self.download_to(ref, folder / (Path(ref.name).name or "file"), then_open=True)

    def remove_selected(self) -> None:
        ref = self._selected()
        if ref is not None:
            self._files.remove(ref)
            self._refresh()
            self._emit_changed()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {ERROR_COLOR};" if error else "color: palette(mid);")
        self.status.setVisible(bool(text))
