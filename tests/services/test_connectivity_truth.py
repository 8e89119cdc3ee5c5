"""Online/offline tells the truth: the first request attempt without an answer switches to
offline (before that read's own retries are over), any answer switches back."""

from __future__ import annotations

import asyncio

from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient
from podio_desk.sandbox import Sandbox
from podio_desk.services.connectivity import ConnectivityMonitor, OnlineChanged


def test_the_first_attempt_without_an_answer_switches_to_offline(sandbox: Sandbox) -> None:
    async def scenario() -> tuple[bool, bool, list[bool]]:
        info = sandbox.info
        client = PodioClient(
            ClientCredentials(str(info["client_id"]), str(info["client_secret"])),
            base_url=sandbox.url,
        )
        await client.session.sign_in_password(str(info["username"]), str(info["password"]))
        monitor = ConnectivityMonitor()  # no probe: only requests tell
        monitor.watch_attempts(client.transport.reachability)
        changes: list[bool] = []
        went_offline = asyncio.Event()

        def on_event(event: object) -> None:
            if isinstance(event, OnlineChanged):
                changes.append(event.online)
                if not event.online:
                    went_offline.set()

        monitor.events.subscribe(on_event)
        item_id = int(info["richest_item_id"])
        try:
            sandbox.control.set_drop_rate(1.0)
            read = asyncio.create_task(client.item(item_id))
            await asyncio.wait_for(went_offline.wait(), 10)
            # Offline already, while the read still retries.
            still_retrying = not read.done()
            sandbox.control.set_drop_rate(0.0)
            await read  # a retry gets an answer
            back = monitor.online
        finally:
            await monitor.aclose()
            await client.aclose()
        return still_retrying, back, changes

    still_retrying, back, changes = asyncio.run(scenario())
    assert still_retrying
    assert back
    assert changes == [False, True]
