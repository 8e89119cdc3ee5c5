"""TaskRunner: named tasks on the qasync loop, latest wins, errors surfaced, clean shutdown."""

from __future__ import annotations

import asyncio
import inspect
import logging

import pytest
from pytestqt.qtbot import QtBot

from podio_desk.ui.tasks import TaskRunner, describe_failure
from tests.plugins.qt import run_async

pytestmark = pytest.mark.usefixtures("qloop")


@pytest.fixture
def runner() -> TaskRunner:
    return TaskRunner()


def test_run_returns_the_task_and_reports_it_running_until_done(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    release = asyncio.Event()

    async def work() -> str:
        await release.wait()
        return "result"

    with qtbot.waitSignal(runner.tasks_changed):
        task = runner.run("items:1", work())
    assert runner.running_names() == ["items:1"]
    assert runner.is_running("items:1")
    assert task.get_name() == "items:1"

    with qtbot.waitSignal(runner.tasks_changed):
        release.set()
    assert task.result() == "result"
    assert runner.running_names() == []
    assert runner.pending_tasks() == []


def test_a_new_task_with_the_same_name_cancels_the_old_one(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    started: list[str] = []
    cleaned_up: list[str] = []

    async def load(label: str, seconds: float) -> str:
        started.append(label)
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            cleaned_up.append(label)
            raise
        return label

    with qtbot.assertNotEmitted(runner.task_failed):
        old = runner.run("items:7", load("old", 60))
        other = runner.run("items:8", load("other", 0))
        qtbot.waitUntil(lambda: "old" in started)
        new = runner.run("items:7", load("new", 0))
        qtbot.waitUntil(lambda: old.done() and new.done() and other.done())

    assert old.cancelled()
    assert cleaned_up == ["old"]
    assert new.result() == "new"
    assert other.result() == "other"
    assert runner.running_names() == []


def test_a_failing_task_is_logged_and_announced_with_its_message(
    qtbot: QtBot, runner: TaskRunner, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken() -> None:
        raise ValueError("the app 42 has no such field\nsecond line")

    with qtbot.waitSignal(runner.task_failed) as failure:
        task = runner.run("save:42", broken())
    assert failure.args == ["save:42", "the app 42 has no such field"]
    assert isinstance(task.exception(), ValueError)
    failures = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert [record.getMessage() for record in failures] == ["Task save:42 failed"]
    assert failures[0].exc_info is not None


def test_cancel_stops_one_task_silently(qtbot: QtBot, runner: TaskRunner) -> None:
    sleeper = runner.run("sync", asyncio.sleep(60))
    keeper = runner.run("bulk", asyncio.sleep(60))

    with qtbot.assertNotEmitted(runner.task_failed):
        assert runner.cancel("sync") is True
        assert runner.cancel("sync") is False
        assert runner.cancel("no-such-task") is False
        qtbot.waitUntil(sleeper.done)

    assert sleeper.cancelled()
    assert runner.running_names() == ["bulk"]
    assert runner.cancel_all() == 1
    qtbot.waitUntil(keeper.done)
    assert keeper.cancelled()


def test_shutdown_cancels_everything_and_waits_for_the_clean_up(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    started: list[str] = []
    unwound: list[str] = []

    async def slow_to_stop(label: str) -> None:
        started.append(label)
        try:
            await asyncio.sleep(60)
        finally:
            await asyncio.sleep(0.05)  # e.g. rolling back a transaction
            unwound.append(label)

    tasks = [runner.run(f"job:{number}", slow_to_stop(f"job:{number}")) for number in range(3)]
    qtbot.waitUntil(lambda: len(started) == 3)
    # The replaced task must be awaited too, not only the current ones.
    tasks.append(runner.run("job:0", slow_to_stop("job:0 again")))
    qtbot.waitUntil(lambda: len(started) == 4)

    run_async(runner.shutdown())

    assert all(task.cancelled() for task in tasks)
    assert sorted(unwound) == ["job:0", "job:0 again", "job:1", "job:2"]
    assert runner.pending_tasks() == []


def test_a_task_started_during_shutdown_is_cancelled_before_it_runs(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    started: list[bool] = []

    async def late() -> None:
        started.append(True)

    run_async(runner.shutdown())
    task = runner.run("late", late())
    qtbot.waitUntil(task.done)
    assert task.cancelled()
    assert started == []
    assert runner.running_names() == []


def test_shutdown_gives_up_on_a_task_that_ignores_cancellation(
    runner: TaskRunner, caplog: pytest.LogCaptureFixture
) -> None:
    may_finish = asyncio.Event()

    async def stubborn() -> None:
        while not may_finish.is_set():
            try:
                await may_finish.wait()
            except asyncio.CancelledError:
                continue  # deliberately wrong: swallows the cancellation

    task = runner.run("stubborn", stubborn())
    run_async(runner.shutdown(grace_seconds=0.1))
    assert not task.done()
    assert "Task stubborn ignored cancellation for 0.1 s at shutdown" in caplog.text

    may_finish.set()
    run_async(asyncio.wait_for(asyncio.shield(task), 2))
    assert task.done()


def test_run_without_a_running_loop_raises_and_does_not_leak_the_coroutine() -> None:
    async def never() -> None:
        raise AssertionError("must not run")

    coro = never()
    running = asyncio.events._get_running_loop()
    asyncio.events._set_running_loop(None)
    try:
        with pytest.raises(RuntimeError):
            TaskRunner().run("x", coro)
    finally:
        asyncio.events._set_running_loop(running)
    assert (
        inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED
    )  # closed: no "coroutine was never awaited" warning


def test_describe_failure_prefers_the_message_and_falls_back_to_the_type() -> None:
    assert describe_failure(ConnectionError("network is down")) == "network is down"
    assert describe_failure(KeyError()) == "KeyError"
    assert describe_failure(RuntimeError("  first\nsecond ")) == "first"
