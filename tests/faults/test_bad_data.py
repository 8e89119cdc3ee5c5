"""Bad data and bad files: one malformed item, a timestamp in the future, a damaged cache file.
None of them may block the sync of everything else."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from podio_desk.cache.cache import Cache
from podio_desk.cli import main
from podio_desk.sandbox import Sandbox
from podio_desk.sandbox.control import MALFORMED_KINDS
from tests.faults.conftest import FaultRow
from tests.faults.rig import (
    FULL_SYNC_CALLS,
    ITEMS,
    PAGE,
    SandboxFactory,
    api_calls,
    assert_cache_equals_sandbox,
    check_cache_file,
    rig,
    run,
    sandbox_items,
)
from tests.services.test_sync_cli import add_args
from tests.services.test_sync_sandbox import as_other


@pytest.mark.parametrize("kind", MALFORMED_KINDS)
def test_a_malformed_item(
    sandbox_factory: SandboxFactory, tmp_path: Path, fault_row: FaultRow, kind: str
) -> None:
    fault_row.start(f"malformed item ({kind})", "stored as far as readable; the rest syncs on")
    sandbox: Sandbox = sandbox_factory(items=ITEMS)
    app_id = sandbox.app_id("Tickets")
    ids = sorted(sandbox_items(sandbox, app_id))
    bad = ids[3 * PAGE + 7]  # in the middle of a page, in the middle of the sync
    sandbox.control.serve_malformed({bad: kind})

    async def scenario() -> int:
        async with rig(sandbox, tmp_path) as r:
            sandbox.control.reset_log()
            await r.service.sync_app(r.app_id)
            again = await r.service.sync_app(r.app_id)  # and the next sync is not stuck on it
            assert again.mode == "incremental"
            calls = api_calls(sandbox)
            remote = await asyncio.to_thread(sandbox_items, sandbox, r.app_id)
            cached = await r.cache.items.revisions(r.app_id)
            assert sorted(cached) == sorted(remote)  # the malformed item too, as far as it goes
            assert {i: v for i, v in cached.items() if i != bad} == {
                i: v for i, v in remote.items() if i != bad
            }
            check_cache_file(r.cache.path, r.app_id)
        return calls

    calls = run(scenario())
    bound = FULL_SYNC_CALLS + 2  # and the incremental sync: its changes, and the definition
    fault_row.figures(calls=calls, bound=bound)
    assert calls <= bound


def test_an_edit_stamped_in_the_future(
    sandbox_factory: SandboxFactory, tmp_path: Path, fault_row: FaultRow
) -> None:
    fault_row.start(
        "an item last edited in year 2999", "later edits still sync (the watermark stays sane)"
    )
    sandbox: Sandbox = sandbox_factory(items=ITEMS)

    async def scenario() -> int:
        async with rig(sandbox, tmp_path) as r:
            await r.service.sync_app(r.app_id)
            ids = sorted(await r.cache.items.live_ids(r.app_id))
            sandbox.control.stamp_last_edit(ids[0], "2999-01-01 00:00:00")
            sandbox.control.reset_log()
            await r.service.sync_app(r.app_id)
            sandbox.control.advance_clock(3600)
            as_other(sandbox, "PUT", f"/item/{ids[1]}", {"fields": {"title": "edited later"}})
            await r.service.sync_app(r.app_id)
            calls = api_calls(sandbox)
            await assert_cache_equals_sandbox(sandbox, r.cache, r.app_id)
        return calls

    calls = run(scenario())
    bound = 6  # two incremental syncs: changes and definition each, with room for a recount
    fault_row.figures(calls=calls, bound=bound)
    assert calls <= bound


def _truncate(data: bytes) -> bytes:
    return data[: len(data) // 3]


def _garbage(data: bytes) -> bytes:
    return bytes((i * 7919) % 251 for i in range(len(data)))


def _damage_mid_file(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + b"\xde\xad\xbe\xef" * 1024 + data[middle + 4096 :]


@pytest.mark.parametrize("damage", [_truncate, _garbage, _damage_mid_file])
def test_a_corrupt_cache_file(
    sandbox: Sandbox,
    tmp_path: Path,
    fault_row: FaultRow,
    capsys: pytest.CaptureFixture[str],
    damage: object,
) -> None:
    how = getattr(damage, "__name__", "").strip("_").replace("_", " ")
    fault_row.start(
        f"corrupt cache file ({how})",
        "one line saying what to do; --rebuild keeps the bad file aside and resyncs",
    )
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    key = json.loads((profile / "accounts.json").read_text())["accounts"][0]["key"]
    tickets = str(sandbox.app_id("Tickets"))
    sync = ["sync", "--profile", str(profile), "--app", tickets]
    assert main(sync) == 0
    cache_file = profile / "cache" / f"{key}.sqlite3"
    for leftover in cache_file.parent.glob(f"{cache_file.name}-*"):
        leftover.unlink()  # a closed cache has nothing left in its WAL
    damaged = damage(cache_file.read_bytes())  # type: ignore[operator]
    cache_file.write_bytes(damaged)
    capsys.readouterr()

    # Damage past the file's start is looked for when asked (or after an unclean close).
    asked = ["--check"] if damage is _damage_mid_file else []
    assert main([*sync, *asked]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    assert str(cache_file) in err
    assert "--rebuild" in err

    sandbox.control.reset_log()
    assert main([*sync, "--rebuild"]) == 0
    calls = api_calls(sandbox)
    aside = [p for p in cache_file.parent.iterdir() if p != cache_file and p.is_file()]
    assert any(p.read_bytes() == damaged for p in aside)  # kept, for a look or a bug report

    async def check() -> None:
        cache = await Cache.open(profile / "cache", key)
        try:
            await assert_cache_equals_sandbox(sandbox, cache, int(tickets))
        finally:
            await cache.aclose()

    run(check())
    fault_row.figures(calls=calls, bound=4)
    assert calls <= 4
