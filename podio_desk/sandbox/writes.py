"""Item writes: create, update (with revision checks), delete, and the revision history."""

from __future__ import annotations

from decimal import Decimal

from podio_desk.sandbox.errors import ApiError, invalid_value, not_found
from podio_desk.sandbox.inputs import InputParsing
from podio_desk.sandbox.model import JSON, App, Item, Revision
from podio_desk.sandbox.queries import FilterAndSort
from podio_desk.sandbox.records import Actor


class ItemWrites(InputParsing, FilterAndSort):
    """Item writes; each one invalidates what was rendered or sorted from the item."""

    def index_references(self, item: Item, old: dict[int, list[JSON]] | None = None) -> None:
        app = self.apps[item.app_id]
        for definition in app.fields:
            if definition.type != "app":
                continue
            for target in (old or {}).get(definition.field_id, []):
                self.referrers.get(target, set()).discard(item.item_id)
            for target in item.values.get(definition.field_id, []):
                self.referrers.setdefault(target, set()).add(item.item_id)

    # ------------------------------------------------------------------ writes

    def create_item(self, app: App, body: JSON, actor: Actor) -> Item:
        if not isinstance(body, dict):
            raise invalid_value("Invalid value null (null): must be object")
        fields = self.parse_fields_container(app, body.get("fields"), self.actor_timezone(actor))
        for definition in app.fields:
            if (
                definition.required
                and definition.status == "active"
                and not fields.get(definition.field_id)
            ):
                raise invalid_value(
                    f"The field '{definition.label}' is required",
                    field_id=definition.field_id,
                    external_id=definition.external_id,
                )
        now = self.clock.now_text()
        item = Item(
            item_id=self.new_item_id(),
            app_id=app.app_id,
            app_item_id=self.new_app_item_id(app.app_id),
            values={
                fid: vals
                for fid, vals in {**fields, **self.calculated(app.app_id, fields)}.items()
                if vals
            },
            created_on=now,
            created_by=actor,
            last_edit_on=now,
            last_edit_by=actor,
            external_id=self._external_id(body),
            tags=self._tags(body) or [],
            file_ids=self._file_ids(body) or [],
        )
        item.initial_revision_id = item.current_revision_id = self.new_revision_id()
        self.add_item(item)
        for file_id in item.file_ids:
            self.files[file_id].attached_to = ("item", item.item_id)
            self.dirty_files.add(file_id)
        return item

    def add_item(self, item: Item) -> None:
        self.items[item.item_id] = item
        self.app_items.setdefault(item.app_id, []).append(item.item_id)
        self.index_references(item)
        self.invalidate(item)

    def _external_id(self, body: dict[str, JSON]) -> str | None:
        external_id = body.get("external_id")
        if external_id is not None and not isinstance(external_id, str):
            raise invalid_value("Invalid value for external_id: must be a string")
        return external_id

    def _tags(self, body: dict[str, JSON]) -> list[str] | None:
        if "tags" not in body:
            return None
        tags = body["tags"]
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise invalid_value("Invalid value for tags: must be a list of strings")
        return list(tags)

    def _file_ids(self, body: dict[str, JSON]) -> list[int] | None:
        if "file_ids" not in body:
            return None
        file_ids = body["file_ids"]
        if not isinstance(file_ids, list):
            raise invalid_value("Invalid value for file_ids: must be a list of ids")
        for file_id in file_ids:
            if file_id not in self.files:
                raise invalid_value(f"Invalid file id {file_id!r}")
        return list(file_ids)

    def calculated(self, app_id: int, values: dict[int, list[JSON]]) -> dict[int, list[JSON]]:
        """Values of the app's calculation fields the sandbox knows a formula for.

        Podio runs the field's JavaScript; the sandbox knows only the seeded formulas
        (a * b, a / b over number and money fields), kept in `calculations`.
        """
        out: dict[int, list[JSON]] = {}
        for field_id, (owner, operator, left, right) in self.calculations.items():
            if owner != app_id:
                continue
            a, b = _number_of(values.get(left)), _number_of(values.get(right))
            if a is None or b is None or (operator == "/" and b == 0):
                out[field_id] = []
            else:
                result = a * b if operator == "*" else a / b
                out[field_id] = [str(result.quantize(Decimal("0.0001")))]
        return out

    def check_revision(self, item: Item, expected: JSON) -> None:
        if expected is None:
            return
        if isinstance(expected, bool) or not isinstance(expected, int):
            raise invalid_value("Invalid value for revision: must be an integer")
        if expected != item.revision:
            # A stale `revision` is 409 conflict in the common error body (docs/podio-api.md,
            # Revisions and conflicts).
            raise ApiError(
                409,
                "conflict",
                f"The item has been updated since revision {expected}; "
                f"the current revision is {item.revision}",
                parameters={"revision": item.revision},
                propagate=True,
            )

    def update_item(self, item: Item, body: JSON, actor: Actor) -> bool:
        """PUT /item/{id}: partial update. Returns whether anything changed."""
        if not isinstance(body, dict):
            raise invalid_value("Invalid value null (null): must be object")
        self.check_revision(item, body.get("revision"))
        app = self.apps[item.app_id]
        fields = self.parse_fields_container(app, body.get("fields"), self.actor_timezone(actor))
        for definition in app.fields:
            if (
                definition.required
                and definition.field_id in fields
                and not fields[definition.field_id]
            ):
                raise invalid_value(
                    f"The field '{definition.label}' is required",
                    field_id=definition.field_id,
                    external_id=definition.external_id,
                )
        tags = self._tags(body)
        file_ids = self._file_ids(body)
        external_id_given = "external_id" in body
        external_id = self._external_id(body)
        changed = self.apply_changes(item, fields, actor)
        extra_change = False
        if tags is not None and tags != item.tags:
            item.tags = tags
            extra_change = True
        if file_ids is not None and file_ids != item.file_ids:
            item.file_ids = file_ids
            for file_id in file_ids:
                self.files[file_id].attached_to = ("item", item.item_id)
                self.dirty_files.add(file_id)
            extra_change = True
        if external_id_given and external_id != item.external_id:
            item.external_id = external_id
            extra_change = True
        if extra_change and not changed:
            self.record_revision(item, {}, actor)
        return changed or extra_change

    def apply_changes(
        self,
        item: Item,
        fields: dict[int, list[JSON]],
        actor: Actor,
        when: str | None = None,
    ) -> bool:
        changes: dict[int, tuple[list[JSON], list[JSON]]] = {}
        for field_id, new in fields.items():
            old = item.values.get(field_id, [])
            if old != new:
                changes[field_id] = (old, new)
        if not changes:
            return False
        prospective = {**item.values, **{fid: new for fid, (_old, new) in changes.items()}}
        for field_id, new in self.calculated(item.app_id, prospective).items():
            old = item.values.get(field_id, [])
            if old != new:
                changes[field_id] = (old, new)
        old_values = {fid: item.values.get(fid, []) for fid in changes}
        for field_id, (_old, new) in changes.items():
            if new:
                item.values[field_id] = new
            else:
                item.values.pop(field_id, None)
        self.index_references(item, old_values)
        self.record_revision(item, changes, actor, when)
        return True

    def record_revision(
        self,
        item: Item,
        changes: dict[int, tuple[list[JSON], list[JSON]]],
        actor: Actor,
        when: str | None = None,
    ) -> None:
        now = when or self.clock.now_text()
        if not item.history:
            # Keep the creation revision explicit once the item has a history.
            item.history.append(self.initial_revision(item))
        item.revision += 1
        revision = Revision(
            revision=item.revision,
            item_revision_id=self.new_revision_id(),
            created_on=now,
            created_by=actor,
            type="update",
            changes=changes,
        )
        item.history.append(revision)
        item.current_revision_id = revision.item_revision_id
        item.last_edit_on = now
        item.last_edit_by = actor
        self.invalidate(item)

    def delete_item(self, item: Item) -> None:
        item.deleted = True
        ids = self.app_items.get(item.app_id, [])
        if item.item_id in ids:
            ids.remove(item.item_id)
        for targets in item.values.values():
            for target in targets:
                if isinstance(target, int):
                    self.referrers.get(target, set()).discard(item.item_id)
        for referrer_id in list(self.referrers.get(item.item_id, ())):
            referrer = self.items.get(referrer_id)
            if referrer is not None:
                referrer.cache_filter = None
                referrer.cache_micro = None
        self.invalidate(item)

    def values_at(self, item: Item, revision: int) -> dict[int, list[JSON]]:
        """Field values as they were right after `revision`."""
        if revision < 0 or revision > item.revision:
            raise not_found("No such revision")
        current = {fid: list(vals) for fid, vals in item.values.items()}
        for record in reversed(item.history):
            if record.revision <= revision:
                break
            for field_id, (old, _new) in record.changes.items():
                current[field_id] = list(old)
        return {fid: vals for fid, vals in current.items() if vals}


def _number_of(stored: list[JSON] | None) -> Decimal | None:
    if not stored:
        return None
    first = stored[0]
    if isinstance(first, dict):
        first = first.get("value")
    return Decimal(str(first))
