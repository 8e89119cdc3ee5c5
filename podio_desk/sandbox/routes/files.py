"""Files: get, download, list per app, upload, attach; embeds."""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING

from podio_desk.sandbox.errors import invalid_value, not_found
from podio_desk.sandbox.model import Embed, FileRecord
from podio_desk.sandbox.routes.common import item_for, reply, write_switches

if TYPE_CHECKING:
    from podio_desk.sandbox.server import Ctx, Reply


def _file(ctx: Ctx, file_id: str) -> FileRecord:
    record = ctx.state.files.get(int(file_id))
    if record is None:
        raise not_found()
    return record


def file_get(ctx: Ctx, file_id: str) -> Reply:
    return reply(ctx.state.file_json(_file(ctx, file_id)))


def file_raw(ctx: Ctx, file_id: str) -> Reply:
    from podio_desk.sandbox.server import Reply

    record = _file(ctx, file_id)
    quoted = urllib.parse.quote(record.name)
    return Reply(
        raw=record.content,
        content_type=record.mimetype,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quoted}"},
    )


def file_list_app(ctx: Ctx, app_id: str) -> Reply:
    state = ctx.state
    app = state.app(int(app_id))
    ctx.require_app_access(app.app_id)
    limit = ctx.query_int("limit", 20)
    offset = ctx.query_int("offset", 0)
    records = [
        record
        for record in state.files.values()
        if record.attached_to
        and record.attached_to[0] == "item"
        and record.attached_to[1] in state.items
        and state.items[record.attached_to[1]].app_id == app.app_id
        and not state.items[record.attached_to[1]].deleted
    ]
    records.sort(key=lambda record: record.file_id, reverse=True)
    return reply([state.file_with_context(r) for r in records[offset : offset + limit]])


def file_upload(ctx: Ctx) -> Reply:
    """Multipart POST /file/ (or /file, /file/v2/) with parts `source` and `filename`."""
    state = ctx.state
    request = ctx.request
    if not request.mimetype.startswith("multipart/"):
        raise invalid_value("Upload a file as multipart/form-data with parts source and filename")
    source = request.files.get("source")
    if source is None:
        raise invalid_value("Missing part 'source'")
    name = request.form.get("filename") or source.filename or ""
    if not name:
        raise invalid_value("Missing part 'filename'")
    content = source.read()
    mimetype = source.mimetype or "application/octet-stream"
    if mimetype == "application/octet-stream":
        mimetype = _guess_mimetype(name)
    assert ctx.token is not None
    user_id = ctx.token.ref_id if ctx.token.ref_type == "user" else state.primary_user_id
    record = FileRecord(
        state.new_file_id(), name, mimetype, content, state.clock.now_text(), user_id
    )
    state.files[record.file_id] = record
    state.dirty_files.add(record.file_id)
    return reply(state.file_json(record))


def _guess_mimetype(name: str) -> str:
    import mimetypes

    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def file_attach(ctx: Ctx, file_id: str) -> Reply:
    write_switches(ctx)
    state = ctx.state
    record = _file(ctx, file_id)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    if body.get("ref_type") != "item" or not isinstance(body.get("ref_id"), int):
        raise invalid_value("Attach needs ref_type 'item' and an integer ref_id")
    item = item_for(ctx, body["ref_id"])
    record.attached_to = ("item", item.item_id)
    state.dirty_files.add(record.file_id)
    if record.file_id not in item.file_ids:
        item.file_ids.append(record.file_id)
        state.invalidate(item)
    return reply(None, 204)


def embed_create(ctx: Ctx) -> Reply:
    """POST /embed/ {url}: an embed object to put into an embed field."""
    state = ctx.state
    body = ctx.body if isinstance(ctx.body, dict) else {}
    url = body.get("url")
    if not isinstance(url, str) or "://" not in url:
        raise invalid_value("Invalid value for url: must be an absolute URL")
    hostname = urllib.parse.urlsplit(url).hostname or ""
    embed = Embed(state.new_embed_id(), url, hostname, None, hostname)
    state.embeds[embed.embed_id] = embed
    state.dirty_meta = True
    data = dict(embed.to_json())
    data["files"] = []
    return reply(data)


def file_copy(ctx: Ctx, file_id: str) -> Reply:
    """POST /file/{id}/copy → {"file_id"}: a new file with the same name and content, attached
    to nothing (attach it, or pass it in `file_ids`, as with an upload). [RB, PHP]"""
    state = ctx.state
    source = _file(ctx, file_id)
    assert ctx.token is not None
    user_id = ctx.token.ref_id if ctx.token.ref_type == "user" else state.primary_user_id
    record = FileRecord(
        state.new_file_id(),
        source.name,
        source.mimetype,
        source.content,
        state.clock.now_text(),
        user_id,
        description=source.description,
    )
    state.files[record.file_id] = record
    state.dirty_files.add(record.file_id)
    return reply({"file_id": record.file_id})
