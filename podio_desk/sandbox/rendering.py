"""Records rendered as Podio's JSON: orgs, spaces, apps, files, revisions, items, comments.

The shapes follow the recorded answers (FIX-app, FIX-item, FIX-filter); filter results are
built as JSON text and cached per item, because a page of 500 items is rendered per request.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from podio_desk.sandbox import values as v
from podio_desk.sandbox.model import (
    CREATED_VIA_PODIO,
    JSON,
    App,
    Comment,
    FieldDef,
    FileRecord,
    Item,
    Org,
    Revision,
    Space,
)
from podio_desk.sandbox.records import Actor, Records

# Filter results are lighter than GET item (FIX-filter); keys in the recorded order.
FILE_VALUE_KEYS = (
    "mimetype",
    "perma_link",
    "hosted_by",
    "description",
    "hosted_by_humanized_name",
    "size",
    "thumbnail_link",
    "link",
    "file_id",
    "external_file_id",
    "link_target",
    "name",
)
EMBED_FILE_KEYS = (
    "hosted_by",
    "hosted_by_humanized_name",
    "thumbnail_link",
    "link",
    "file_id",
    "external_file_id",
    "link_target",
)

_MISSING = object()
_encode = json.JSONEncoder(separators=(",", ":")).encode


class Rendering(Records):
    """Podio's JSON for every record kind; the revision history of an item."""

    # ------------------------------------------------------------------ rendering: small parts

    def actor_ref(self, actor: Actor) -> JSON:
        kind, ident = actor
        if kind == "user" and ident in self.users:
            return self.users[ident].ref()
        app = self.apps.get(ident)
        name = app.name if app else "App"
        return {
            "user_id": -1,
            "name": name,
            "url": self.app_link(app) if app else None,
            "type": "app",
            "image": None,
            "avatar_type": "icon",
            "avatar": -1,
            "id": ident,
            "avatar_id": app.icon_id if app else None,
            "last_seen_on": None,
        }

    def org_json(self, org: Org, *, with_spaces: bool) -> JSON:
        data: dict[str, JSON] = {
            "org_id": org.org_id,
            "name": org.name,
            "url": org.url,
            "url_label": org.url_label,
            "status": "active",
            "logo": None,
            "image": None,
            "user_limit": 0,
            "type": "premium",
            "segment": None,
            "tier": "plus",
            "sales_agent_id": None,
            "domains": [],
            "role": "admin",
            "rights": ["add_space", "view", "update"],
            "trial_expired_on": None,
            "created_on": org.created_on,
            "created_by": self.users[self.primary_user_id].ref() if self.users else None,
        }
        if with_spaces:
            data["spaces"] = [
                self.space_json(space)
                for space in self.spaces.values()
                if space.org_id == org.org_id
            ]
        return data

    def space_json(self, space: Space) -> JSON:
        return {
            "space_id": space.space_id,
            "name": space.name,
            "url": self.space_link(space),
            "url_label": space.url_label,
            "org_id": space.org_id,
            "privacy": "closed",
            "role": "admin",
            "rights": ["add_app", "add_item", "view", "update", "add_task", "add_file"],
            "post_on_new_app": True,
            "post_on_new_member": True,
            "subscribed": True,
            "auto_join": False,
            "archived": False,
            "type": "regular",
            "premium": True,
            "description": None,
            "created_on": space.created_on,
            "created_by": self.users[self.primary_user_id].ref() if self.users else None,
            "last_activity_on": space.created_on,
        }

    def space_micro(self, space: Space) -> JSON:
        return {
            "sharefile_vault_url": None,
            "name": space.name,
            "url": self.space_link(space),
            "url_label": space.url_label,
            "space_id": space.space_id,
            "org_id": space.org_id,
            "type": "regular",
        }

    def app_micro(self, app: App) -> JSON:
        if app.recorded_micro is not None:
            return app.recorded_micro
        link = self.app_link(app)
        return {
            "status": "active",
            "sharefile_vault_url": None,
            "name": app.name,
            "default_view_id": None,
            "url_add": f"{link}/items/new",
            "icon_id": app.icon_id,
            "link_add": f"{link}/items/new",
            "app_id": app.app_id,
            "current_revision": 1,
            "item_name": app.item_name,
            "link": link,
            "url": link,
            "url_label": app.url_label,
            "config": {
                "item_name": app.item_name,
                "icon_id": app.icon_id,
                "type": "standard",
                "name": app.name,
                "icon": f"{app.icon_id}.png",
            },
            "space_id": app.space_id,
            "icon": f"{app.icon_id}.png",
        }

    def app_json(self, app: App) -> JSON:
        """GET /app/{app_id}: the full definition (shape of FIX-app)."""
        if app.recorded is not None:
            return app.recorded
        link = self.app_link(app)
        owner = self.profiles.get(self.users[self.primary_user_id].profile_id)
        return {
            "status": "active",
            "subscribed": True,
            "original_revision": None,
            "rights": [
                "view_structure",
                "reference",
                "view",
                "update",
                "add_task",
                "delete",
                "add_hook",
                "export",
                "add_item",
            ],
            "default_view_id": None,
            "space_id": app.space_id,
            "current_revision": 1,
            "link_add": f"{link}/items/new",
            "integration": None,
            "app_id": app.app_id,
            "url_add": f"{link}/items/new",
            "url": link,
            "layouts": None,
            "link": link,
            "token": app.token,
            "url_label": app.url_label,
            "owner": owner,
            "mailbox": f"{app.url_label}.sandbox",
            "config": {
                "allow_edit": True,
                "tasks": [],
                "yesno": False,
                "silent_creates": False,
                "yesno_label": None,
                "thumbs": False,
                "app_item_id_padding": None,
                "show_app_item_id": False,
                "default_view": "table",
                "allow_tags": True,
                "item_name": app.item_name,
                "allow_attachments": True,
                "allow_create": True,
                "app_item_id_prefix": None,
                "disable_notifications": False,
                "fivestar": False,
                "thumbs_label": None,
                "type": "standard",
                "rsvp": False,
                "description": None,
                "usage": None,
                "fivestar_label": None,
                "approved": False,
                "icon": f"{app.icon_id}.png",
                "allow_comments": True,
                "name": app.name,
                "icon_id": app.icon_id,
                "external_id": None,
                "approved_label": None,
                "silent_edits": False,
                "rsvp_label": None,
            },
            "original": None,
            "fields": [definition.to_json() for definition in app.fields],
        }

    def file_json(self, record: FileRecord, keys: Iterable[str] | None = None) -> JSON:
        if record.recorded is not None:
            full = record.recorded
        else:
            link = f"{self.base_url}/file/{record.file_id}/raw"
            is_image = record.mimetype.startswith("image/")
            full = {
                "mimetype": record.mimetype,
                "perma_link": None,
                "hosted_by": "podio",
                "replaces": [],
                "description": record.description,
                "hosted_by_humanized_name": "Podio",
                "presence": None,
                "created_via": CREATED_VIA_PODIO,
                "created_by": self.actor_ref(("user", record.created_by)),
                "thumbnail_link": link if is_image else None,
                "created_on": record.created_on,
                "link": link,
                "file_id": record.file_id,
                "rights": ["download", "delete", "view", "update"],
                "push": None,
                "external_file_id": None,
                "link_target": "_blank",
                "size": len(record.content),
                "name": record.name,
            }
        if keys is None:
            return full
        return {key: full[key] for key in keys if key in full}

    def file_with_context(self, record: FileRecord) -> JSON:
        data = dict(self.file_json(record))
        context: JSON = None
        if record.attached_to and record.attached_to[0] == "item":
            item = self.items.get(record.attached_to[1])
            if item is not None and not item.deleted:
                context = {
                    "title": self.item_title(item),
                    "type": "item",
                    "type_name": self.apps[item.app_id].item_name,
                    "created_via": CREATED_VIA_PODIO,
                    "created_by": self.actor_ref(item.created_by),
                    "created_on": item.created_on,
                    "link": self.item_link(item),
                    "data": self.item_micro(item),
                    "id": item.item_id,
                }
        data["context"] = context
        return data

    def revision_json(self, item: Item, revision: Revision) -> JSON:
        actor = self.actor_ref(revision.created_by)
        return {
            "item_revision_id": revision.item_revision_id,
            "created_via": CREATED_VIA_PODIO,
            "created_by": actor,
            "created_on": revision.created_on,
            "user": actor,
            "type": revision.type,
            "revision": revision.revision,
        }

    def initial_revision(self, item: Item) -> Revision:
        if item.history and item.history[0].revision == 0:
            return item.history[0]
        return Revision(0, item.initial_revision_id, item.created_on, item.created_by, "creation")

    def current_revision(self, item: Item) -> Revision:
        if item.history:
            return item.history[-1]
        if item.revision > 0:
            # A replayed item: its revision history was not recorded, only the current one.
            return Revision(
                item.revision,
                item.current_revision_id,
                item.last_edit_on,
                item.last_edit_by,
                "update",
            )
        return self.initial_revision(item)

    def all_revisions(self, item: Item) -> list[Revision]:
        revisions = [revision for revision in item.history if revision.revision > 0]
        return [self.initial_revision(item), *revisions]

    # ------------------------------------------------------------------ rendering: items

    def title_field(self, app: App) -> FieldDef | None:
        cached = self.title_fields.get(app.app_id, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        found = self._find_title_field(app)
        self.title_fields[app.app_id] = found
        return found

    def _find_title_field(self, app: App) -> FieldDef | None:
        for definition in app.fields:
            if definition.external_id == "title" and definition.type == "text":
                return definition
        for definition in app.fields:
            if definition.type == "text":
                return definition
        return None

    def item_title(self, item: Item) -> str:
        app = self.apps[item.app_id]
        definition = self.title_field(app)
        if definition is None:
            # No text field: Podio titles the item after its first field (FIX 582709679:
            # progress 42 -> title "42").
            for candidate in app.fields:
                stored = item.values.get(candidate.field_id)
                if stored:
                    return self.plain_text(candidate, stored[0])
            return ""
        stored = item.values.get(definition.field_id)
        if not stored:
            return ""
        return v.html_to_text(str(stored[0]))

    def plain_text(self, definition: FieldDef, element: JSON) -> str:
        kind = definition.type
        if kind in ("number", "calculation") and not isinstance(element, dict):
            return str(element)
        if kind == "money":
            return f"{element['value']} {element['currency']}"
        if kind == "category":
            return str(self.category_option(definition, element)["text"])
        if kind == "app":
            target = self.items.get(element)
            return self.item_title(target) if target else ""
        if kind == "contact":
            return str(self.profiles.get(element, {}).get("name", ""))
        if isinstance(element, dict):
            return str(element.get("value", element.get("start", "")))
        return v.html_to_text(str(element))

    def item_micro_text(self, item_id: int) -> str | None:
        target = self.items.get(item_id)
        if target is not None:
            if target.deleted:
                return None
            if target.cache_micro_text is None:
                target.cache_micro_text = _encode(self.item_micro(target))
            return target.cache_micro_text
        stub = self.item_stubs.get(item_id)
        return _encode(stub) if stub is not None else None

    def item_micro(self, item: Item) -> JSON:
        """The referenced item inside a relationship value (FIX-item app field)."""
        if item.cache_micro is not None:
            return item.cache_micro
        app = self.apps[item.app_id]
        micro = {
            "files": [],
            "sharefile_vault_url": None,
            "space": self.space_micro(self.space_of(app)),
            "app_item_id": item.app_item_id,
            "app": self.app_micro(app),
            "title": self.item_title(item),
            "initial_revision": self.revision_json(item, self.initial_revision(item)),
            "created_via": CREATED_VIA_PODIO,
            "created_by": self.actor_ref(item.created_by),
            "created_on": item.created_on,
            "link": self.item_link(item),
            "item_id": item.item_id,
            "sharefile_vault_folder_id": None,
            "revision": item.revision,
        }
        item.cache_micro = micro
        return micro

    def render_values(self, definition: FieldDef, stored: list[JSON], timezone: str) -> list[JSON]:
        kind = definition.type
        out: list[JSON] = []
        for element in stored:
            if kind == "text":
                out.append({"value": element})
            elif kind in ("number", "calculation") and not isinstance(element, dict):
                out.append({"value": v.format_decimal(element)})
            elif kind == "money":
                out.append(
                    {"currency": element["currency"], "value": v.format_decimal(element["value"])}
                )
            elif kind in ("progress", "duration"):
                out.append({"value": element})
            elif kind == "date" or (kind == "calculation" and isinstance(element, dict)):
                out.append(v.render_date(element, timezone))
            elif kind == "category":
                out.append({"value": self.category_option(definition, element)})
            elif kind == "app":
                target = self.items.get(element)
                if target is not None:
                    # A deleted item drops out of the relationships pointing at it.
                    if not target.deleted:
                        out.append({"value": self.item_micro(target)})
                elif element in self.item_stubs:
                    out.append({"value": self.item_stubs[element]})
            elif kind == "contact":
                profile = self.profiles.get(element)
                if profile is not None:
                    out.append({"value": profile})
            elif kind in ("image", "file"):
                record = self.files.get(element)
                if record is not None:
                    out.append({"value": self.file_json(record, FILE_VALUE_KEYS)})
            elif kind == "embed":
                embed = self.embeds.get(element["embed"])
                if embed is None:
                    continue
                file_record = self.files.get(element["file"]) if element.get("file") else None
                out.append(
                    {
                        "embed": embed.to_json(),
                        "file": self.file_json(file_record, EMBED_FILE_KEYS)
                        if file_record
                        else None,
                    }
                )
            else:
                # location, email, phone and anything replayed are stored rendered.
                out.append(element)
        return out

    def category_option(self, definition: FieldDef, option_id: JSON) -> JSON:
        for option in definition.settings.get("options", []):
            if option.get("id") == option_id:
                return {
                    "status": option.get("status", "active"),
                    "text": option.get("text"),
                    "id": option_id,
                    "color": option.get("color"),
                }
        return {"status": "deleted", "text": str(option_id), "id": option_id, "color": None}

    def render_fields(self, item: Item, *, light: bool) -> list[JSON]:
        app = self.apps[item.app_id]
        timezone = self.item_timezone(item)
        fields: list[JSON] = []
        for definition in app.fields:
            stored = item.values.get(definition.field_id)
            if not stored:
                continue
            rendered = self.render_values(definition, stored, timezone)
            if not rendered:
                continue
            if light:
                fields.append(
                    {
                        "type": definition.type,
                        "field_id": definition.field_id,
                        "label": definition.label,
                        "values": rendered,
                        "config": definition.filter_config(),
                        "external_id": definition.external_id,
                    }
                )
            else:
                fields.append(
                    {
                        "status": definition.status,
                        "type": definition.type,
                        "field_id": definition.field_id,
                        "label": definition.label,
                        "values": rendered,
                        "config": definition.config,
                        "external_id": definition.external_id,
                    }
                )
        return fields

    def filter_item_text(self, item: Item) -> str:
        """One item as filter results show it, cached as JSON text."""
        if item.cache_filter is not None:
            return item.cache_filter
        data = {
            "ratings": {"like": {"average": None, "counts": {"1": {"total": 0, "users": []}}}},
            "sharefile_vault_url": None,
            "last_event_on": item.last_edit_on,
            "rights": [
                "add_task",
                "update",
                "subscribe",
                "delete",
                "add_conversation",
                "rate",
                "view",
                "comment",
                "add_file",
            ],
            "app_item_id": item.app_item_id,
            "title": self.item_title(item),
            "initial_revision": self.revision_json(item, self.initial_revision(item)),
            "created_via": CREATED_VIA_PODIO,
            "created_by": self.actor_ref(item.created_by),
            "current_revision": self.revision_json(item, self.current_revision(item)),
            "priority": item.item_id,
            "comment_count": len(self.comments.get(item.item_id, [])),
            "file_count": len(item.file_ids),
            "created_on": item.created_on,
            "item_id": item.item_id,
            "link": self.item_link(item),
            "sharefile_vault_folder_id": None,
            "revision": item.revision,
            "external_id": item.external_id,
            "app_item_id_formatted": str(item.app_item_id),
        }
        head = _encode(data)
        text = f'{head[:-1]},"fields":[{",".join(self.light_field_parts(item))}]}}'
        item.cache_filter = text
        return text

    def light_field_parts(self, item: Item) -> list[str]:
        """Filter-shaped field entries as JSON text; only the values are serialised per item."""
        app = self.apps[item.app_id]
        timezone = self.item_timezone(item)
        parts: list[str] = []
        for definition in app.fields:
            stored = item.values.get(definition.field_id)
            if not stored:
                continue
            if definition.type == "app":
                # The referenced items' JSON is cached per referenced item.
                micro_parts = [self.item_micro_text(target) for target in stored]
                present = [f'{{"value":{part}}}' for part in micro_parts if part]
                if not present:
                    continue
                values_text = f"[{','.join(present)}]"
            else:
                rendered = self.render_values(definition, stored, timezone)
                if not rendered:
                    continue
                values_text = _encode(rendered)
            fragments = self.light_fragments.get(definition.field_id)
            if fragments is None or fragments[2] is not definition:
                prefix = json.dumps(
                    {
                        "type": definition.type,
                        "field_id": definition.field_id,
                        "label": definition.label,
                    },
                    separators=(",", ":"),
                )[:-1]
                suffix = json.dumps(
                    {"config": definition.filter_config(), "external_id": definition.external_id},
                    separators=(",", ":"),
                )[1:]
                fragments = (f'{prefix},"values":', f",{suffix}", definition)
                self.light_fragments[definition.field_id] = fragments
            parts.append(f"{fragments[0]}{values_text}{fragments[1]}")
        return parts

    def comment_json(self, comment: Comment) -> JSON:
        actor = self.actor_ref(comment.created_by)
        files = [self.file_json(self.files[fid]) for fid in comment.file_ids if fid in self.files]
        return {
            "files": files,
            "value": comment.value,
            "rich_value": comment.value,
            "rights": ["rate", "delete", "update", "add_file", "view", "add_question"],
            "ref": {"type": "item", "id": comment.item_id},
            "embed_file": None,
            "comment_id": comment.comment_id,
            "created_via": CREATED_VIA_PODIO,
            "created_by": actor,
            "created_on": comment.created_on,
            "like_count": 0,
            "last_edit_on": None,
            "questions": [],
            "embed": None,
            "external_id": comment.external_id,
            "is_liked": False,
            "user": actor,
            "space_id": self.apps[self.items[comment.item_id].app_id].space_id,
        }

    def refs_json(self, item: Item) -> list[JSON]:
        """Incoming references, grouped by the referring app field (FIX-item `refs`)."""
        counts: dict[tuple[int, int], int] = {}
        for referrer_id in self.referrers.get(item.item_id, ()):
            referrer = self.items.get(referrer_id)
            if referrer is None or referrer.deleted:
                continue
            for definition in self.apps[referrer.app_id].fields:
                if definition.type == "app" and item.item_id in referrer.values.get(
                    definition.field_id, []
                ):
                    key = (referrer.app_id, definition.field_id)
                    counts[key] = counts.get(key, 0) + 1
        refs: list[JSON] = []
        for (app_id, field_id), count in sorted(counts.items()):
            app = self.apps[app_id]
            field = app.field_by_key(field_id)
            if field is None:
                continue
            refs.append(
                {
                    "count": count,
                    "field": {
                        "external_id": field.external_id,
                        "type": field.type,
                        "config": field.filter_config(),
                        "field_id": field.field_id,
                        "label": field.label,
                    },
                    "app": self.app_micro(app),
                }
            )
        return refs

    def item_json(self, item: Item, *, basic: bool = False) -> JSON:
        """GET /item/{id} (and /basic without comments, files, revisions)."""
        app = self.apps[item.app_id]
        data: dict[str, JSON] = {
            "presence": None,
            "app": self.app_micro(app),
            "user_ratings": {"like": None},
            "created_on": item.created_on,
            "like_count": 0,
            "last_event_on": item.last_edit_on,
            "linked_account_data": None,
            "sharefile_vault_folder_id": None,
            "refs": self.refs_json(item),
            "app_item_id_formatted": str(item.app_item_id),
            "ratings": {"like": {"average": None, "counts": {"1": {"total": 0, "users": []}}}},
            "subscribed": True,
            "title": self.item_title(item),
            "participants": {},
            "created_by": self.actor_ref(item.created_by),
            "priority": float(item.item_id),
            "created_via": CREATED_VIA_PODIO,
            "subscribed_count": 1,
            "reminder": None,
            "ref": None,
            "is_liked": False,
            "revision": item.revision,
            "invite": None,
            "tags": list(item.tags),
            "app_item_id": item.app_item_id,
            "link": self.item_link(item),
            "item_id": item.item_id,
            "sharefile_vault_url": None,
            "recurrence": None,
            "fields": self.render_fields(item, light=False),
            "rights": [
                "add_conversation",
                "rate",
                "update",
                "add_file",
                "view",
                "grant_view",
                "delete",
                "comment",
                "add_task",
                "subscribe",
                "grant",
            ],
            "initial_revision": self.revision_json(item, self.initial_revision(item)),
            "current_revision": self.revision_json(item, self.current_revision(item)),
            "linked_account_id": None,
            "push": None,
            "external_id": item.external_id,
        }
        if not basic:
            data["comments"] = [self.comment_json(c) for c in self.comments.get(item.item_id, [])]
            data["files"] = [
                self.file_json(self.files[fid]) for fid in item.file_ids if fid in self.files
            ]
            data["revisions"] = [
                self.revision_json(item, revision)
                for revision in reversed(self.all_revisions(item))
            ]
        return data
