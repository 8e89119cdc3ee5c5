"""The cache stores Podio's payloads without their secrets, and cleans files written before."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import zlib
from pathlib import Path

from podio_desk.cache.cache import Cache
from podio_desk.cache.records import AppRecord, CommentRecord, FileRecord, ItemRecord

APP_TOKEN = "a9f3c2e1d4b5a6978877665544332211"
LINK_TOKEN = "l1nk-t0ken-abcdef"
LINK = f"https://files.example.com/a.png?token={LINK_TOKEN}"


def app_record() -> AppRecord:
    raw = {"app_id": 5, "name": "Leads", "token": APP_TOKEN, "config": {"name": "Leads"}}
    return AppRecord(5, 9, "Leads", "Lead", [{"field_id": 1, "label": "Title"}], raw)


def item_record(item_id: int) -> ItemRecord:
    raw = {"item_id": item_id, "title": "A lead", "files": [{"file_id": 3, "link": LINK}]}
    return ItemRecord(
        item_id=item_id,
        app_id=5,
        app_item_id=item_id,
        title="A lead",
        revision=1,
        created_on=None,
        last_edit_on=None,
        comment_count=0,
        file_count=1,
        raw=raw,
        search_text=f"A lead {LINK}",
    )


def file_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in folder.rglob("*") if path.is_file())


def test_stored_payloads_lose_app_tokens_and_link_tokens(tmp_path: Path) -> None:
    async def scenario() -> None:
        cache = await Cache.open(tmp_path, "acct")
        try:
            await cache.save_apps([app_record()])
            # Enough items for a compression dictionary, made from their JSON.
            await cache.items.upsert([item_record(item_id) for item_id in range(1, 40)])
            await cache.items.save_details(
                1,
                comments=[
                    CommentRecord(8, 1, None, "report", {"value": "report", "embed": {"url": LINK}})
                ],
                files=[FileRecord(3, 1, "a.png", {"file_id": 3, "link": LINK})],
            )
            apps = await cache.apps()
            files = await cache.items.files(1)
        finally:
            await cache.aclose()
        assert "token" not in apps[0].raw
        assert apps[0].raw["config"] == {"name": "Leads"}
        assert files == [{"file_id": 3, "link": "https://files.example.com/a.png"}]

    asyncio.run(scenario())
    stored = file_bytes(tmp_path)
    assert APP_TOKEN.encode() not in stored
    assert LINK_TOKEN.encode() not in stored
    connection = sqlite3.connect(tmp_path / "acct.sqlite3")
    try:
        (data,) = connection.execute("SELECT data FROM raw_dicts").fetchone()
    finally:
        connection.close()
    assert LINK_TOKEN.encode() not in data


def test_a_cache_written_before_is_cleaned_when_opened(tmp_path: Path) -> None:
    async def write_then_reopen() -> list[AppRecord]:
        cache = await Cache.open(tmp_path, "acct")
        await cache.aclose()
        # What an older build left: the app JSON as Podio sent it, token included.
        connection = sqlite3.connect(tmp_path / "acct.sqlite3")
        with connection:
            connection.execute(
                "INSERT INTO apps (app_id, space_id, name, item_name, fields, raw, synced_at) "
                "VALUES (5, 9, 'Leads', 'Lead', '[]', ?, '2025-01-01 00:00:00')",
                (json.dumps({"app_id": 5, "name": "Leads", "token": APP_TOKEN}),),
            )
            connection.execute("PRAGMA user_version = 1000")
        connection.close()
        cache = await Cache.open(tmp_path, "acct")
        try:
            return await cache.apps()
        finally:
            await cache.aclose()

    apps = asyncio.run(write_then_reopen())
    assert [app.raw for app in apps] == [{"app_id": 5, "name": "Leads"}]
    assert APP_TOKEN.encode() not in file_bytes(tmp_path)


def test_an_old_compression_dictionary_with_a_token_is_dropped(tmp_path: Path) -> None:
    def plain_json(item_id: int) -> bytes:
        return json.dumps(item_record(item_id).raw, separators=(",", ":")).encode()

    async def write() -> None:
        cache = await Cache.open(tmp_path, "acct")
        try:
            await cache.items.upsert([item_record(item_id) for item_id in range(1, 40)])
        finally:
            await cache.aclose()

    asyncio.run(write())
    # What an older build left: a dictionary made from item JSON with the link token in it,
    # and the items compressed with it.
    dictionary = b"".join(plain_json(item_id) for item_id in range(1, 17))
    connection = sqlite3.connect(tmp_path / "acct.sqlite3")
    with connection:
        (dict_id,) = connection.execute("SELECT dict_id FROM raw_dicts").fetchone()
        connection.execute("UPDATE raw_dicts SET data = ?", (dictionary,))
        for item_id in range(1, 40):
            packer = zlib.compressobj(6, zdict=dictionary)
            blob = packer.compress(plain_json(item_id)) + packer.flush()
            connection.execute(
                "UPDATE item_raw SET raw = ? WHERE item_id = ? AND dict_id = ?",
                (blob, item_id, dict_id),
            )
        connection.execute("PRAGMA user_version = 1000")
    connection.close()

    async def reopen() -> list[dict[str, object]]:
        cache = await Cache.open(tmp_path, "acct")
        try:
            return [item.raw for item in await cache.items.get_many(list(range(1, 40)))]
        finally:
            await cache.aclose()

    raws = asyncio.run(reopen())
    assert len(raws) == 39
    assert all(
        raw["files"] == [{"file_id": 3, "link": "https://files.example.com/a.png"}] for raw in raws
    )
    assert LINK_TOKEN.encode() not in file_bytes(tmp_path)
