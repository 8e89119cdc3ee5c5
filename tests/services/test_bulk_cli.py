"""`podio-desk bulk plan / run / status / undo` against the sandbox, in-process."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from podio_desk.cli import main
from podio_desk.sandbox import Sandbox
from tests.services.test_sync_cli import add_args


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data: dict[str, Any] = json.loads(captured.out.strip().splitlines()[-1])
    return data


def tickets_now(sandbox: Sandbox) -> dict[int, tuple[int, Any, Any]]:
    """Each ticket's revision, priority and amount as the sandbox holds them."""
    app_id = sandbox.app_id("Tickets")
    app = sandbox.state.apps[app_id]
    priority = next(f.field_id for f in app.fields if f.external_id == "priority")
    amount = next(f.field_id for f in app.fields if f.external_id == "amount")
    items = (sandbox.state.items[i] for i in sandbox.state.app_items[app_id])
    return {
        item.item_id: (item.revision, item.values.get(priority), item.values.get(amount))
        for item in items
    }


def test_plan_run_status_undo_by_filter(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    tickets = str(sandbox.app_id("Tickets"))
    assert main(["sync", "--profile", str(profile), "--app", tickets]) == 0
    capsys.readouterr()
    before = tickets_now(sandbox)
    plan_path = tmp_path / "plan.json"
    sandbox.control.reset_log()
    planned = cli_json(
        capsys, "bulk", "plan", "--profile", str(profile), "--app", tickets,
        "--filter", "{}", "--set", "priority=Critical", "--increment", "amount=1",
        "--silent", "--no-hook", "-o", str(plan_path), "--json",
    )  # fmt: skip
    assert planned["planned"] == 60
    assert planned["changed"] == 60
    assert planned["api_calls"] == 60
    assert planned["read_calls"] == 0
    assert sandbox.control.requests() == []  # the preview came from the cache alone
    assert "60 calls, about" in planned["cost"]

    sandbox.control.reset_log()
    ran = cli_json(capsys, "bulk", "run", str(plan_path), "--profile", str(profile), "--json")
    assert ran["state"] == "done"
    assert (ran["planned"], ran["changed"], ran["failed"], ran["conflicts"]) == (60, 60, 0, 0)
    assert ran["api_calls"] == 60  # the plan's reads (none) and the run's writes
    writes = [r for r in sandbox.control.requests() if r.rate_class is not None]
    assert [r.method for r in writes] == ["PUT"] * 60  # one call per changed item, no GET
    assert all("silent=true" in r.query.lower() or "silent=1" in r.query for r in writes)
    job = ran["job_id"]
    after = tickets_now(sandbox)
    for item_id, (revision, _priority, amount) in before.items():
        new_revision, new_priority, new_amount = after[item_id]
        assert new_revision == revision + 1  # applied exactly once
        assert new_priority == [4]  # Critical
        assert Decimal(str(new_amount[0])) == Decimal(str(amount[0])) + 1

    status = cli_json(capsys, "bulk", "status", str(job), "--profile", str(profile), "--json")
    assert status["state"] == "done"
    assert status["changed"] == 60

    again = cli_json(capsys, "bulk", "run", str(plan_path), "--profile", str(profile), "--json")
    assert again["job_id"] == job  # the same plan is the same job: nothing sent twice
    assert again["changed"] == 60

    undone = cli_json(capsys, "bulk", "undo", str(job), "--profile", str(profile), "--json")
    assert undone["kind"] == "undo"
    assert undone["state"] == "done"
    assert undone["changed"] == 60
    restored = tickets_now(sandbox)
    for item_id, (revision, priority, amount) in before.items():
        assert restored[item_id][0] == revision + 2
        assert restored[item_id][1:] == (priority, amount) or (
            restored[item_id][1] == priority
            and Decimal(str(restored[item_id][2][0])) == Decimal(str(amount[0]))
        )


def test_a_view_selects_all_its_items_from_podio_or_from_the_synced_cache(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    app_id = sandbox.app_id("Tickets")
    status = next(
        f.field_id for f in sandbox.state.apps[app_id].fields if f.external_id == "status"
    )
    open_tickets = sorted(
        i for i in sandbox.state.app_items[app_id] if sandbox.state.items[i].values[status][0] < 4
    )
    args = ["bulk", "plan", "--profile", str(profile), "--app", str(app_id), "--view", "502",
            "--set", "priority=Low", "--json"]  # fmt: skip
    capsys.readouterr()
    from_podio = cli_json(capsys, *args, "-o", str(tmp_path / "a.json"))
    assert from_podio["read_calls"] >= 1
    assert main(["sync", "--profile", str(profile), "--app", str(app_id)]) == 0
    capsys.readouterr()
    sandbox.control.reset_log()
    from_cache = cli_json(capsys, *args, "-o", str(tmp_path / "b.json"))
    assert [r.path for r in sandbox.control.requests()] == [f"/view/app/{app_id}/"]
    for name in ("a.json", "b.json"):
        items = json.loads((tmp_path / name).read_text())["items"]
        assert sorted(item["item_id"] for item in items) == open_tickets
    assert from_podio["planned"] == from_cache["planned"] == len(open_tickets)


def test_links_from_a_file_and_a_plan_edited_by_hand(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    app_id = sandbox.app_id("Tickets")
    ids = list(sandbox.state.app_items[app_id])[:3]
    links = tmp_path / "links.txt"
    links.write_text(
        "\n".join(
            [str(ids[0]), *(sandbox.state.item_link(sandbox.state.items[i]) for i in ids[1:])]
        )
    )
    plan_path = tmp_path / "plan.json"
    cli_json(
        capsys, "bulk", "plan", "--profile", str(profile), "--app", str(app_id),
        "--ids", str(links), "--set", "amount=5", "-o", str(plan_path), "--json",
    )  # fmt: skip
    plan = json.loads(plan_path.read_text())
    assert [item["item_id"] for item in plan["items"]] == ids
    del plan["items"][2]  # leave the third item out
    plan["items"][1]["changes"][0]["fix"] = "6.25"  # and type the second's value again
    plan_path.write_text(json.dumps(plan))
    amount = next(
        f.field_id for f in sandbox.state.apps[app_id].fields if f.external_id == "amount"
    )
    third = sandbox.state.items[ids[2]].values[amount]
    ran = cli_json(capsys, "bulk", "run", str(plan_path), "--profile", str(profile), "--json")
    assert (ran["state"], ran["changed"]) == ("done", 2)
    assert Decimal(str(sandbox.state.items[ids[0]].values[amount][0])) == 5
    assert Decimal(str(sandbox.state.items[ids[1]].values[amount][0])) == Decimal("6.25")
    assert sandbox.state.items[ids[2]].values[amount] == third

    log = tmp_path / "log.csv"
    assert main(["bulk", "log", str(ran["job_id"]), "--profile", str(profile), "-o", str(log)]) == 0
    assert "6.25" in log.read_text(encoding="utf-8-sig")


def test_errors_are_one_line(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    app_id = str(sandbox.app_id("Tickets"))
    capsys.readouterr()
    cases = [
        (["--set", "nope=1"], 'has no field "nope"'),
        (["--set", "amount"], "takes FIELD=VALUE"),
        (["--set", "title=x", "--delete"], "cannot be combined"),
    ]
    for extra, text in cases:
        code = main(["bulk", "plan", "--profile", str(profile), "--app", app_id,
                     "--filter", "{}", *extra, "-o", str(tmp_path / "x.json")])  # fmt: skip
        err = capsys.readouterr().err.strip()
        assert code == 1
        assert err.startswith("podio-desk bulk plan: error: ")
        assert text in err
        assert len(err.splitlines()) == 1
    assert main(["bulk", "status", "99", "--profile", str(profile)]) == 1
    assert "there is no job 99" in capsys.readouterr().err


def test_a_filter_takes_option_texts_as_the_export_does(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--filter '{"status": ["Open"]}'` matched nothing (exit 0): option texts are read as
    `export --filter` reads them, from Podio and from a synced cache; an unknown one is an
    error naming the options."""
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    tickets = str(sandbox.app_id("Tickets"))
    app = sandbox.state.apps[sandbox.app_id("Tickets")]
    status = next(f.field_id for f in app.fields if f.external_id == "status")
    items = (sandbox.state.items[i] for i in sandbox.state.app_items[app.app_id])
    open_count = sum(1 for item in items if item.values.get(status) == [2])
    assert open_count > 0
    capsys.readouterr()

    def plan(filters: str) -> dict[str, Any]:
        return cli_json(
            capsys, "bulk", "plan", "--profile", str(profile), "--app", tickets,
            "--filter", filters, "--set", "priority=High", "--silent", "--no-hook",
            "-o", str(tmp_path / "plan.json"), "--json",
        )  # fmt: skip

    assert plan('{"status": ["open"]}')["planned"] == open_count  # from Podio
    assert plan('{"status": [2]}')["planned"] == open_count
    assert main(["sync", "--profile", str(profile), "--app", tickets]) == 0
    capsys.readouterr()
    assert plan('{"status": ["Open"]}')["planned"] == open_count  # from the synced cache
    code = main(["bulk", "plan", "--profile", str(profile), "--app", tickets,
                 "--filter", '{"status": ["Opened"]}', "--set", "priority=High",
                 "-o", str(tmp_path / "x.json")])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert "'Status' has no option 'Opened'" in err
    assert "'Open'" in err
    assert "'Closed'" in err
