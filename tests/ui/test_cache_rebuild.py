"""A damaged cache in the window: the other accounts open, this one offers Rebuild / Not now."""

from __future__ import annotations

import random
from typing import Any

import pytest

from podio_desk.services.profile import Profile
from podio_desk.ui.login_dialog import SignInRequest
from tests.plugins.desk import open_desk
from tests.plugins.qt import run_async

pytestmark = pytest.mark.gui


def _request(sandbox: Any, name: str) -> SignInRequest:
    info = sandbox.info
    return SignInRequest(
        "password",
        name=name,
        api_url=sandbox.url,
        client_id=info["client_id"],
        client_secret=info["client_secret"],
        username=info["username"],
        password=info["password"],
    )


@pytest.mark.usefixtures("qloop")
@pytest.mark.parametrize("answer", ["Rebuild", "Not now"])
def test_one_damaged_cache_never_hides_the_other_accounts(
    answer: str, qtbot: Any, profile: Profile, sandbox: Any
) -> None:
    with open_desk(profile) as desk:
        run_async(desk.controller.start())
        run_async(desk.controller.sign_in(_request(sandbox, "Broken")))
        run_async(desk.controller.sign_in(_request(sandbox, "Fine")))
        keys = {account.name: account.key for account in desk.controller.accounts.list()}
    path = profile.cache_dir / f"{keys['Broken']}.sqlite3"
    path.write_bytes(random.Random(3).randbytes(64 * 1024))

    with open_desk(profile) as desk:
        controller = desk.controller
        run_async(controller.start(), timeout=30)
        assert set(controller.sessions) == {keys["Fine"]}
        assert controller.tree_model.rowCount() == 1
        box = controller.rebuild_offers[keys["Broken"]]
        assert box.isVisible()
        assert "Broken is damaged" in box.text()
        (button,) = [b for b in box.buttons() if b.text() == answer]
        button.click()
        qtbot.waitUntil(lambda: not box.isVisible())
        if answer == "Rebuild":
            qtbot.waitUntil(lambda: keys["Broken"] in controller.sessions, timeout=10000)
            assert controller.tree_model.rowCount() == 2
            (aside,) = profile.cache_dir.glob(f"{keys['Broken']}.sqlite3.corrupt-*")
            assert aside.stat().st_size == 64 * 1024
        else:
            assert set(controller.sessions) == {keys["Fine"]}
            assert controller.rebuild_offers == {}
            assert not list(profile.cache_dir.glob("*.corrupt-*"))
