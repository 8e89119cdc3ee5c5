"""`podio-desk export` against the sandbox, in-process: rows written and API calls printed;
columns and time zone as the window left them in the profile, else Podio's."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from podio_desk.cli import main
from podio_desk.sandbox import Sandbox
from podio_desk.services.profile import Profile
from podio_desk.ui.settings import open_settings
from podio_desk.ui.time_zone import TimeZoneSetting
from podio_desk.ui.view_state import TableLayout, ViewState
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

    # Never synced: the items come from Podio (one filter page, the app's definition), and
    # the window never learnt the user's time zone: asked once.
    before = calls(sandbox)
    out = tmp_path / "first.csv"
    argv = ["export", "--profile", str(profile), "--app", tickets, "-o", str(out), "--json"]
    assert main(argv) == 0
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["rows"] == 60
    assert outcome["source"] == "podio"
    assert outcome["api_calls"] == calls(sandbox) - before == 3
    assert (outcome["time_zone"], outcome["time_zone_from"]) == ("Europe/Copenhagen", "podio")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.reader(handle))) == 61

    assert main(["sync", "--profile", str(profile), "--app", tickets]) == 0
    capsys.readouterr()
    before = calls(sandbox)
    xlsx = tmp_path / "all.xlsx"
    argv = ["export", "--profile", str(profile), "--app", tickets, "-o", str(xlsx), "--raw"]
    assert main(argv) == 0
    first, second = capsys.readouterr().out.strip().splitlines()
    assert first.startswith(f"Exported 60 rows to {xlsx} (xlsx, from the local cache); 1 API call")
    assert second == (
        "Every column in Podio's order; times in Europe/Copenhagen, your Podio time zone "
        "(asked from Podio)."
    )
    assert calls(sandbox) == before + 1
    book = openpyxl.load_workbook(xlsx, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert len(rows) == 61
    assert rows[0][:2] == ("Subject", "Item ID")


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
    # The view's definition and the user's time zone.
    assert outcome["api_calls"] == calls(sandbox) - before == 2
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


def account_key(profile: Path) -> str:
    data = json.loads((profile / "accounts.json").read_text())
    entries = data["accounts"] if isinstance(data, dict) else data
    return str(entries[0]["key"])


def save_as_the_window(
    profile: Path, account: str, zone: str, app_id: int, layout: TableLayout
) -> None:
    """What the window keeps in the profile's settings: the zone it learnt from Podio, and
    the table's layout of the app (written by the window's own classes)."""
    settings = open_settings(Profile(profile))
    TimeZoneSetting(settings).set_podio_zone(zone, account)
    ViewState(settings).save_layout(app_id, layout)
    settings.sync()


def local(utc_text: str, zone: str) -> str:
    moment = datetime.fromisoformat(utc_text.removesuffix("Z")).replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def test_columns_and_time_zone_follow_the_window_else_podio_and_the_options_override(
    qapp: Any, sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    tickets = sandbox.app_id("Tickets")
    assert main(["sync", "--profile", str(profile), "--app", str(tickets)]) == 0
    capsys.readouterr()
    fields = {f.external_id: str(f.field_id) for f in sandbox.state.apps[tickets].fields}
    argv = ["export", "--profile", str(profile), "--app", str(tickets), "--raw", "--json"]

    def exported(name: str, *extra: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
        out = tmp_path / name
        before = calls(sandbox)
        assert main([*argv, "-o", str(out), *extra]) == 0
        outcome = json.loads(capsys.readouterr().out)
        assert outcome["api_calls"] == calls(sandbox) - before
        with out.open(encoding="utf-8-sig", newline="") as handle:
            return outcome, list(csv.DictReader(handle))

    # Never opened in the window: Podio's field order; the zone asked from Podio once.
    outcome, rows = exported("podio.csv")
    assert (outcome["columns_from"], outcome["time_zone_from"]) == ("podio", "podio")
    assert outcome["api_calls"] == 1
    shown = [name for name in rows[0] if "(" not in name and name != "Item ID"]
    assert shown[:4] == ["Subject", "Status", "Priority", "Amount"]
    assert shown[-2:] == ["Created", "Last edit"]
    assert all(row["Created"] == local(row["Created (UTC)"], "Europe/Copenhagen") for row in rows)

    # The window moved Priority first and hid Status, and learnt the zone: no API call.
    key = account_key(profile)
    layout = TableLayout(order=[fields["priority"], "title"], hidden=[fields["status"]])
    save_as_the_window(profile, key, "Europe/Copenhagen", tickets, layout)
    outcome, rows = exported("window.csv")
    assert outcome["api_calls"] == 0
    assert (outcome["columns_from"], outcome["time_zone_from"]) == ("window", "window")
    shown = [name for name in rows[0] if "(" not in name and name != "Item ID"]
    assert shown[:3] == ["Priority", "Subject", "Amount"]
    assert "Status" not in shown

    # --columns picks and orders; --time-zone shows created and timed dates in that zone.
    outcome, rows = exported(
        "picked.csv", "--columns", "due, title,STATUS,created", "--time-zone", "America/New_York"
    )
    assert (outcome["columns_from"], outcome["time_zone"]) == ("--columns", "America/New_York")
    assert outcome["api_calls"] == 0
    assert list(rows[0]) == [
        "Due",
        "Due (start, UTC)",
        "Due (end, UTC)",
        "Subject",
        "Item ID",
        "Status",
        "Status (raw)",
        "Created",
        "Created (UTC)",
    ]
    timed = [row for row in rows if len(row["Due"]) == len("2024-01-01 10:00")]
    assert len(timed) > 5
    assert all(row["Due"] == local(row["Due (start, UTC)"], "America/New_York") for row in timed)
    assert all(row["Created"] == local(row["Created (UTC)"], "America/New_York") for row in rows)

    # Mistakes are named, and nothing is written.
    bad = tmp_path / "bad.csv"
    assert main([*argv, "-o", str(bad), "--columns", "title,nope"]) == 1
    err = capsys.readouterr().err
    assert "--columns: the app has no column 'nope' (it has title, status," in err
    assert main([*argv, "-o", str(bad), "--time-zone", "Mars/Olympus"]) == 1
    assert "--time-zone: unknown time zone 'Mars/Olympus'" in capsys.readouterr().err
    assert not bad.exists()


def test_help_says_where_columns_and_times_come_from(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "saved by the window, else every column in Podio's order" in text
    assert "(default: your Podio time zone" in text
    assert "--no-formula-guard" in text
