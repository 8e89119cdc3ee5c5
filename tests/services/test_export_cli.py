"""`podio-desk export` against the sandbox, in-process: rows written and API calls printed."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from podio_desk.cli import main
from podio_desk.sandbox import Sandbox
from tests.services.test_sync_cli import add_args


def calls(sandbox: Sandbox) -> int:
    return sum(1 for entry in sandbox.control.requests() if entry.rate_class is not None)


def test_export_of_a_synced_app_uses_no_api_call_and_an_unsynced_one_fetches(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    tickets = str(sandbox.app_id("Tickets"))
    capsys.readouterr()

    # Never synced: the items come from Podio (one filter page, the app's definition).
    before = calls(sandbox)
    out = tmp_path / "first.csv"
    argv = ["export", "--profile", str(profile), "--app", tickets, "-o", str(out), "--json"]
    assert main(argv) == 0
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["rows"] == 60
    assert outcome["source"] == "podio"
    assert outcome["api_calls"] == calls(sandbox) - before == 2
    with out.open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.reader(handle))) == 61

    assert main(["sync", "--profile", str(profile), "--app", tickets]) == 0
    capsys.readouterr()
    before = calls(sandbox)
    xlsx = tmp_path / "all.xlsx"
    argv = ["export", "--profile", str(profile), "--app", tickets, "-o", str(xlsx), "--raw"]
    assert main(argv) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"Exported 60 rows to {xlsx} (xlsx, from the local cache); 0 API calls")
    assert calls(sandbox) == before
    book = openpyxl.load_workbook(xlsx, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert len(rows) == 61
    assert rows[0][:2] == ("Title", "Item ID")


def test_export_with_a_filter_and_a_bad_filter(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    tickets = str(sandbox.app_id("Tickets"))
    assert main(["sync", "--profile", str(profile), "--app", tickets]) == 0
    capsys.readouterr()
    out = tmp_path / "f.csv"
    since = {"created_on": {"from": "2000-01-01", "to": "2000-01-02"}}
    argv = ["export", "--profile", str(profile), "--app", tickets, "-o", str(out), "--json"]
    assert main([*argv, "--filter", json.dumps(since)]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 0
    assert main([*argv, "--filter", "[1]"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("podio-desk export: error: --filter takes a JSON object")


def test_export_of_a_saved_view_costs_one_call_on_a_synced_app(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    tickets = sandbox.app_id("Tickets")
    assert main(["sync", "--profile", str(profile), "--app", str(tickets)]) == 0
    capsys.readouterr()
    app = sandbox.state.apps[tickets]
    status = next(f for f in app.fields if f.external_id == "status")
    open_ids = {
        item_id
        for item_id in sandbox.state.app_items[tickets]
        if set(sandbox.state.items[item_id].values.get(status.field_id) or []) & {1, 2, 3}
    }
    before = calls(sandbox)
    out = tmp_path / "open.csv"
    argv = ["export", "--profile", str(profile), "--app", str(tickets), "--view", "502"]
    assert main([*argv, "-o", str(out), "--raw", "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["api_calls"] == calls(sandbox) - before == 1  # the view's definition
    assert outcome["source"] == "cache"
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert {int(row[1]) for row in rows[1:]} == open_ids
    assert outcome["rows"] == len(open_ids) > 0


def test_a_filter_takes_category_option_texts_as_well_as_ids(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    tickets = str(sandbox.app_id("Tickets"))
    assert main(["sync", "--profile", str(profile), "--app", tickets]) == 0
    capsys.readouterr()
    argv = ["export", "--profile", str(profile), "--app", tickets, "--json"]

    def exported(filters: object, name: str) -> list[list[str]]:
        out = tmp_path / name
        assert main([*argv, "-o", str(out), "--filter", json.dumps(filters)]) == 0
        capsys.readouterr()
        with out.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.reader(handle))

    by_id = exported({"status": [1]}, "ids.csv")
    assert len(by_id) > 1
    shown = by_id[1][by_id[0].index("Status")]
    by_text = exported({"status": [f" {shown.upper()} "]}, "texts.csv")
    assert by_text == by_id
    assert {row[by_text[0].index("Status")] for row in by_text[1:]} == {shown}

    assert main([*argv, "-o", str(tmp_path / "bad.csv"), "--filter", '{"status": ["Nope"]}']) == 1
    err = capsys.readouterr().err
    assert "'Status' has no option 'Nope'" in err
    assert repr(shown) in err
    assert not (tmp_path / "bad.csv").exists()
