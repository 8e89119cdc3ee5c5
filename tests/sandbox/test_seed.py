"""Seed data: deterministic from the seed, sized by `items`."""

from __future__ import annotations

from podio_desk.sandbox import Sandbox, SandboxConfig


def _snapshot(sandbox: Sandbox) -> list[object]:
    state = sandbox.state
    return [
        (item.item_id, item.app_id, item.created_on, item.values, item.revision)
        for item in sorted(state.items.values(), key=lambda item: item.item_id)
    ]


def test_same_seed_same_data_other_seed_other_data() -> None:
    first = Sandbox(SandboxConfig(seed=5, items=40))
    again = Sandbox(SandboxConfig(seed=5, items=40))
    other = Sandbox(SandboxConfig(seed=6, items=40))
    assert _snapshot(first) == _snapshot(again)
    assert _snapshot(first) != _snapshot(other)
    assert [app.token for app in first.state.apps.values()] == [
        app.token for app in again.state.apps.values()
    ]


def test_items_sizes_the_large_app() -> None:
    for count in (0, 1, 250):
        sandbox = Sandbox(SandboxConfig(items=count))
        assert len(sandbox.state.live_items(sandbox.app_id("Tickets"))) == count


def test_two_orgs_several_spaces_and_seeded_history() -> None:
    state = Sandbox(SandboxConfig(items=5)).state
    assert len(state.orgs) >= 2
    assert len(state.spaces) >= 4
    assert sum(1 for item in state.items.values() if item.revision > 0) >= 4
    assert sum(len(comments) for comments in state.comments.values()) >= 4
    assert state.tasks
    assert all(record.content for record in state.files.values())
