"""`podio-desk sync --with-details / --without-details`: the per-app option "with comments and
files" set from the command line, kept where the window keeps it, and honoured by later runs."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from podio_desk.cache.cache import Cache
from podio_desk.cli import main
from podio_desk.sandbox import Sandbox
from tests.services.test_sync_cli import add_args


def option(profile: Path, app_id: int) -> bool:
    """The option as the window reads it (the account's cache)."""
    key = json.loads((profile / "accounts.json").read_text())["accounts"][0]["key"]

    async def read() -> bool:
        cache = await Cache.open(profile / "cache", key)
        try:
            return await cache.items.sync_with_details(app_id)
        finally:
            await cache.aclose()

    return asyncio.run(read())


def test_sync_with_details_is_remembered_per_app_until_without_details(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    showcase = sandbox.app_id("Showcase")
    having = [
        item_id
        for item_id in sandbox.state.live_items(showcase)
        if sandbox.state.comments.get(item_id) or sandbox.state.items[item_id].file_ids
    ]
    assert having
    app = ["--profile", str(profile), "--app", str(showcase)]
    capsys.readouterr()

    assert main(["sync", *app, "--with-details"]) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert f"comments and files of {len(having)} item(s) read" in summary
    assert option(profile, showcase)
    assert not option(profile, sandbox.app_id("Tickets"))  # only the synced apps

    # Remembered: a later run without the flag keeps it (and the window shows it on).
    assert main(["sync", *app]) == 0
    capsys.readouterr()
    assert option(profile, showcase)

    assert main(["sync", *app, "--without-details"]) == 0
    assert "comments and files" not in capsys.readouterr().out
    assert not option(profile, showcase)


def test_with_and_without_details_together_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["sync", "--profile", str(tmp_path), "--with-details", "--without-details"])
    assert "not allowed with" in capsys.readouterr().err
