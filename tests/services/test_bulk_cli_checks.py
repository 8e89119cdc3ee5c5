"""`podio-desk bulk plan` refuses changes that can never be valid (one line each, no plan
written), lists why items are invalid, and `bulk run` of a cancelled job's plan sends nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from podio_desk.cli import main
from podio_desk.sandbox import Sandbox
from tests.services.test_sync_cli import add_args


def test_changes_never_valid_fail_the_plan_one_line_each_and_write_nothing(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    capsys.readouterr()
    output = tmp_path / "plan.json"
    code = main(["bulk", "plan", "--profile", str(profile), "--app",
                 str(sandbox.app_id("Tickets")), "--filter", "{}",
                 "--set", "status=Clsed", "--set", "amount=abc", "--shift", "due=3x",
                 "--increment", "title=1", "-o", str(output)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1
    lines = captured.err.strip().splitlines()
    assert len(lines) == 4, lines
    assert all(line.startswith("podio-desk bulk plan: error: ") for line in lines)
    assert "Clsed" in lines[0]
    assert "abc" in lines[1]
    assert "'3x' is not a duration" in lines[2]
    assert "only number, money, progress and duration fields can be added to" in lines[3]
    assert not output.exists()


def test_items_invalid_for_their_value_are_listed_with_ids(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    capsys.readouterr()
    output = tmp_path / "plan.json"
    code = main(["bulk", "plan", "--profile", str(profile), "--app",
                 str(sandbox.app_id("Tickets")), "--filter", "{}",
                 "--increment", "progress=500", "-o", str(output)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert output.exists()
    assert " invalid (left out of the job):" in captured.out
    listed = [line for line in captured.out.splitlines() if line.startswith("  item ")]
    assert 1 <= len(listed) <= 10
    assert all(line.split()[1].isdigit() for line in listed)


def test_running_the_plan_of_a_cancelled_job_sends_nothing_and_says_so(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    output = tmp_path / "plan.json"
    assert main(["bulk", "plan", "--profile", str(profile), "--app",
                 str(sandbox.app_id("Tickets")), "--filter", "{}",
                 "--increment", "progress=1", "-o", str(output)]) == 0  # fmt: skip
    sandbox.control.set_error_rate(1.0, (503,))  # Podio down: the run stops at once
    try:
        assert main(["bulk", "run", str(output), "--profile", str(profile)]) == 1
    finally:
        sandbox.control.set_error_rate(0.0)
    assert main(["bulk", "cancel", "1", "--profile", str(profile)]) == 0
    assert ": cancelled;" in capsys.readouterr().out
    sandbox.control.reset_log()
    assert main(["bulk", "run", str(output), "--profile", str(profile)]) == 1
    captured = capsys.readouterr()
    assert "job 1 was cancelled; nothing of it is sent again" in captured.err
    assert "Job 1" not in captured.out.splitlines()  # not announced as if it ran
    assert not [r for r in sandbox.control.requests() if r.method == "PUT"]


def test_one_item_is_said_in_the_singular_and_an_exported_delete_is_not_told_to_export(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    app_id = sandbox.app_id("Tickets")
    item_id = next(iter(sandbox.state.app_items[app_id]))
    ids = tmp_path / "ids.txt"
    ids.write_text(f"{item_id}\n", encoding="utf-8")
    capsys.readouterr()
    plan = ["bulk", "plan", "--profile", str(profile), "--app", str(app_id), "--ids", str(ids)]
    assert main([*plan, "--set", "title=One", "-o", str(tmp_path / "one.json")]) == 0
    out = capsys.readouterr().out
    assert "1 item: 1 to change" in out
    assert "1 items" not in out
    assert "for the item;" in out  # the webhooks warning
    assert main(["bulk", "run", str(tmp_path / "one.json"), "--profile", str(profile)]) == 0
    out = capsys.readouterr().out
    assert "0 conflicts" in out
    assert "1 API call" in out or "API calls" in out

    saved = tmp_path / "saved.csv"
    assert main([*plan, "--delete", "--export", str(saved), "-o", str(tmp_path / "d.json")]) == 0
    out = capsys.readouterr().out
    assert saved.exists()
    assert "export them first" not in out
    assert f"the item to delete was saved to {saved}" in out
    assert main([*plan, "--delete", "-o", str(tmp_path / "d2.json")]) == 0
    assert "cannot bring back the item this job deletes: export them first" in (
        capsys.readouterr().out
    )
