"""Fixture replay: load app definitions and items given in Podio's own GET JSON, serve them back.

A recorded item's values are parsed into the sandbox's internal form (so filters, sorting and
edits work on them) and everything the item points at — referenced items, contacts, files,
embeds — is kept as recorded, so GET answers with the same values, field by field.

Dates are rendered in the time zone the recording was made in (inferred from its local/`_utc`
pairs), because different recordings come from users in different zones. Replaying two
recordings that disagree about the same contact or file keeps the last one.
"""

from __future__ import annotations

from typing import Any

from podio_desk.sandbox import values as v
from podio_desk.sandbox.model import JSON, App, Embed, FieldDef, FileRecord, Item, Org, Space
from podio_desk.sandbox.state import State

CANDIDATE_ZONES = (
    "UTC",
    "Europe/Copenhagen",
    "Europe/London",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
)

RECORDED_ORG_ID = 99


def _labels_from_link(link: str | None) -> tuple[str, str]:
    """("org label", "space label") from a Podio app/item link."""
    if not link:
        return ("recorded", "recorded")
    parts = link.split("/")
    # https: / '' / podio.com / org / space / apps / app ...
    if len(parts) >= 5:
        return (parts[3], parts[4])
    return ("recorded", "recorded")


def _ensure_space(state: State, space_id: int, link: str | None, name: str | None = None) -> None:
    if space_id in state.spaces:
        return
    org_label, space_label = _labels_from_link(link)
    org_id = next((org.org_id for org in state.orgs.values() if org.url_label == org_label), None)
    if org_id is None:
        org_id = RECORDED_ORG_ID + len([o for o in state.orgs if o >= RECORDED_ORG_ID])
        state.orgs[org_id] = Org(org_id, f"Recorded ({org_label})", org_label)
    state.spaces[space_id] = Space(space_id, org_id, name or space_label, space_label)


def _field_from_json(data: dict[str, Any]) -> FieldDef:
    return FieldDef(
        field_id=int(data["field_id"]),
        type=str(data["type"]),
        external_id=str(data.get("external_id") or data["field_id"]),
        label=str(data.get("label") or ""),
        config=dict(data.get("config") or {}),
        status=str(data.get("status", "active")),
    )


def _merge_fields(app: App, recorded_fields: list[dict[str, Any]]) -> None:
    known = {definition.field_id for definition in app.fields}
    for data in recorded_fields:
        if int(data["field_id"]) not in known:
            app.fields.append(_field_from_json(data))
            known.add(int(data["field_id"]))
    app.fields.sort(key=lambda definition: definition.config.get("delta", 0) or 0)


def load_app(state: State, data: dict[str, Any]) -> App:
    """A recorded GET /app/{app_id}; GET answers with it exactly."""
    with state.lock:
        app_id = int(data["app_id"])
        space_id = int(data["space_id"])
        _ensure_space(state, space_id, data.get("link"))
        config = data.get("config") or {}
        app = state.apps.get(app_id)
        if app is None:
            app = App(
                app_id,
                space_id,
                str(config.get("name", f"App {app_id}")),
                str(config.get("item_name", "Item")),
                str(data.get("url_label", app_id)),
                str(data.get("token", "")),
                [],
                int(config.get("icon_id") or 1),
            )
            state.apps[app_id] = app
            state.app_items.setdefault(app_id, [])
        app.recorded = data
        app.fields = []
        _merge_fields(app, list(data.get("fields", [])))
        state.dirty_meta = True
        state.drop_sort_cache(app_id)
        return app


def _app_for_item(state: State, data: dict[str, Any]) -> App:
    micro = data.get("app") or {}
    app_id = int(micro["app_id"])
    app = state.apps.get(app_id)
    if app is None:
        space_id = int(micro.get("space_id") or 0)
        _ensure_space(state, space_id, micro.get("link"))
        app = App(
            app_id,
            space_id,
            str(micro.get("name", f"App {app_id}")),
            str(micro.get("item_name", "Item")),
            str(micro.get("url_label", app_id)),
            "",
            [],
            int(micro.get("icon_id") or 1),
        )
        state.apps[app_id] = app
        state.app_items.setdefault(app_id, [])
    if micro:
        app.recorded_micro = micro
    _merge_fields(app, list(data.get("fields", [])))
    return app


def _date_internal(element: dict[str, Any], pairs: list[tuple[str, str]]) -> dict[str, JSON]:
    stored: dict[str, JSON] = {}
    for prefix in ("start", "end"):
        if element.get(prefix) is None and element.get(f"{prefix}_date") is None:
            continue
        if element.get(f"{prefix}_time") is None:
            stored[prefix] = element.get(f"{prefix}_date") or str(element[prefix])[:10]
        else:
            utc = str(element[f"{prefix}_utc"])
            pairs.append((str(element[prefix]), utc))
            stored[prefix] = utc
    return stored


def _file_internal(state: State, data: dict[str, Any]) -> int:
    file_id = int(data["file_id"])
    record = state.files.get(file_id)
    if record is None or record.recorded is not None:
        state.files[file_id] = FileRecord(
            file_id,
            str(data.get("name") or file_id),
            str(data.get("mimetype") or "application/octet-stream"),
            b"",
            str(data.get("created_on") or "2017-01-01 00:00:00"),
            state.primary_user_id,
            recorded=data,
        )
        state.dirty_files.add(file_id)
    return file_id


def load_item(state: State, data: dict[str, Any]) -> Item:
    """A recorded GET /item/{item_id} (or a filter-result item)."""
    with state.lock:
        app = _app_for_item(state, data)
        pairs: list[tuple[str, str]] = []
        stored: dict[int, list[JSON]] = {}
        for field in data.get("fields", []):
            definition = app.field_by_key(int(field["field_id"]))
            assert definition is not None
            kind = definition.type
            out: list[JSON] = []
            for element in field.get("values", []):
                value: Any = element.get("value") if isinstance(element, dict) else element
                if kind in ("date",) or (kind == "calculation" and "start" in element):
                    out.append(_date_internal(element, pairs))
                elif kind in ("number", "calculation"):
                    out.append(str(value))
                elif kind == "category":
                    out.append(value["id"])
                elif kind == "app":
                    target_id = int(value["item_id"])
                    if target_id not in state.items:
                        state.item_stubs[target_id] = value
                    out.append(target_id)
                elif kind == "contact":
                    profile_id = int(value["profile_id"])
                    state.profiles[profile_id] = value
                    out.append(profile_id)
                elif kind in ("image", "file"):
                    out.append(_file_internal(state, value))
                elif kind == "embed":
                    embed = element["embed"]
                    embed_id = int(embed["embed_id"])
                    state.embeds[embed_id] = Embed(
                        embed_id,
                        str(embed.get("url")),
                        str(embed.get("title")),
                        embed.get("description"),
                        str(embed.get("hostname")),
                        recorded=embed,
                    )
                    file_data = element.get("file")
                    file_id = _file_internal(state, file_data) if file_data else None
                    out.append({"embed": embed_id, "file": file_id})
                elif kind in ("text", "progress", "duration"):
                    out.append(value)
                elif kind == "money":
                    out.append({"value": str(element["value"]), "currency": element["currency"]})
                else:
                    # location, email, phone and types the sandbox does not model.
                    out.append(element)
            if out:
                stored[definition.field_id] = out
        item_id = int(data["item_id"])
        if item_id in state.items:
            state.delete_item(state.items[item_id])
            del state.items[item_id]
        created_on = str(data.get("created_on") or "2017-01-01 00:00:00")
        current = data.get("current_revision") or {}
        item = Item(
            item_id=item_id,
            app_id=app.app_id,
            app_item_id=int(data.get("app_item_id") or 0),
            values=stored,
            created_on=created_on,
            created_by=("user", state.primary_user_id),
            last_edit_on=str(current.get("created_on") or data.get("last_event_on") or created_on),
            last_edit_by=("user", state.primary_user_id),
            revision=int(data.get("revision") or 0),
            initial_revision_id=int(
                (data.get("initial_revision") or {}).get("item_revision_id") or 0
            ),
            current_revision_id=int(current.get("item_revision_id") or 0),
            external_id=data.get("external_id"),
            tags=list(data.get("tags") or []),
        )
        if pairs:
            item.timezone = v.infer_timezone(pairs, CANDIDATE_ZONES)
        state.item_stubs.pop(item_id, None)
        state.last_app_item_ids.pop(app.app_id, None)
        state.add_item(item)
        state.dirty_meta = True
        return item
