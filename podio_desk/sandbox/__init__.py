"""A local Podio over real HTTP for the demo, the tests and the benchmarks.

How the parts fit together: docs/architecture.md.

Independent of the rest of podio_desk (an import-linter contract): written from docs/podio-api.md
and the recorded fixtures, never from the client's code.

    from podio_desk.sandbox import Sandbox, SandboxConfig
    sandbox = Sandbox(SandboxConfig(seed=1, items=200)).start()
    sandbox.url, sandbox.info, sandbox.control, sandbox.state
    sandbox.stop()   # still holds its port (a retrying client is refused); close() frees it

Choices where docs/podio-api.md says UNCONFIRMED or is silent (each is also noted where it is made):
- Filter `limit` above 500 answers 400 invalid_value (not clamped), default 30 (routes/items.py).
- Heavy (250/h) operations: filter items (also by view), search in app, bulk delete, xlsx
  export (the last is not served); configurable via SandboxConfig.heavy_operations (server.py).
- 420 body: error "rate_limit", "You have hit the rate limit. Please wait N seconds before
  trying again", N = seconds left in the fixed one-hour window; no reset/Retry-After header.
- Deleted items answer 410 gone; unknown ids 404 not_found (records.py).
- A request without the body an operation needs answers 404 not_found "No matching operation
  could be found. No body was given." (FIX-error-nobody; its status is not recorded).
- An empty `Authorization: OAuth2 ` header is 400 invalid_request "Invalid authorization header".
- `request.url` in error bodies is the path, as the 2026 measurements show.
- Default filter order is created_on descending; items without a value for the sort key come
  last in both directions.
- A write that changes nothing makes no new revision.
- Tasks of an item: `GET /task/?reference=item:{id}` and `GET /task/item/{id}/`; of an app:
  `GET /task/?app={id}` with completed=, responsible=ID,ID, due_date=FROM-TO (either side
  open), limit (at most 100) and offset; ordered by due date, undated last. `PUT /task/{id}`
  and `DELETE /task/{id}` answer 204 (routes/tasks.py).
- Hooks are stored, never called: they stay "inactive" (routes/hooks.py).
- `GET /view/app/{id}/last`: a view with view_id null, name "last"; saved by a filter with
  remember=true or PUT …/last; default created_on descending (routes/views.py).
- `GET /item/{id}/value/v2`: values keyed by external_id (routes/items.py).
- Category input also accepts the option text (NET sends it; docs/podio-api.md, category).
- Calculation fields are read-only (400 when set); the seeded formulas are recomputed on write.
- Gateway mode (gateway.py, `SandboxConfig.gateway`): Podio's paths under `/podio`, a Bearer
  API key and optional required headers (401 / 400 in the gateway's own `{error,
  error_description}` shape), no rate headers, 429 with `Retry-After` in whole seconds past
  the gateway's limit per window; behind it, the primary user's token.
- Answer shapes on demand (control.py): no `/oauth/token/v2` (404 "No matching operation"),
  updates answered 204, empty or `null`, `GET /org/` without spaces or with the first only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from podio_desk.sandbox.control import Control, LoggedRequest
    from podio_desk.sandbox.runner import Sandbox, SandboxConfig

__all__ = ["Control", "LoggedRequest", "Sandbox", "SandboxConfig"]

# Imported on first use: `podio-desk` builds its command line (which names the `sandbox`
# command) on every start, and the server (werkzeug, sqlite3) is only needed to run one.
_LAZY = {
    "Control": "podio_desk.sandbox.control",
    "LoggedRequest": "podio_desk.sandbox.control",
    "Sandbox": "podio_desk.sandbox.runner",
    "SandboxConfig": "podio_desk.sandbox.runner",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
