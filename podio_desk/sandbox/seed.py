"""Deterministic seed data: two orgs, five spaces, six apps that together use every field type.

| app (space)              | field types                                                          |
|--------------------------|----------------------------------------------------------------------|
| Companies (Sales)        | text (title, html notes), category, embed, image, phone, email,      |
|                          | location                                                             |
| Projects (Delivery)      | text, category single + multiple (colours), date range with time,   |
|                          | date-only, progress, duration, contact, app -> Companies, money,     |
|                          | number, calculation, html text, file, separator                      |
| Showcase (Delivery)      | EVERY type; its first item (`richest_item_id`) has every field set   |
| Tickets (Support)        | the large app (`--items`): text, 2 categories, number, money, date, |
|                          | app -> Companies, contact, progress, duration                        |
| Books (Reading, org 2)   | text, number, date-only, multi-category, embed, email                |
| Notes (Archive, org 2)   | text (title, markdown body)                                          |

Same seed, same data: ids, values and times never depend on the wall clock.
"""

from __future__ import annotations

import gc
import random
import struct
import zlib
from datetime import UTC, datetime

from podio_desk.sandbox.model import (
    JSON,
    App,
    Comment,
    Embed,
    FieldDef,
    FileRecord,
    Item,
    Org,
    Space,
    Task,
    User,
    View,
    field_config,
)
from podio_desk.sandbox.records import Actor
from podio_desk.sandbox.state import State

PRIMARY_USERNAME = "demo@sandbox.podio.local"
PRIMARY_PASSWORD = "sandbox-demo-password"
OTHER_USERNAME = "other@sandbox.podio.local"
OTHER_PASSWORD = "sandbox-other-password"
CLIENT_ID = "podio-desk-sandbox"
CLIENT_SECRET = "sandbox-client-secret-0123456789abcdef"
# A second API key, so tests can check that rate limits are per client.
SECOND_CLIENT_ID = "podio-desk-sandbox-2"
SECOND_CLIENT_SECRET = "sandbox-client-secret-2"

SEED_EPOCH = datetime(2024, 1, 1, tzinfo=UTC).timestamp()
SEED_SPAN = 2 * 365 * 86400

COLOURS = ("DCEBD8", "F7D1D0", "D2E4EB", "FFD5C2", "E1D8ED", "F7F0C5", "D1F3EC", "EEEEEE")


def _options(*texts: str) -> list[JSON]:
    return [
        {"status": "active", "text": text, "id": index, "color": COLOURS[(index - 1) % 8]}
        for index, text in enumerate(texts, start=1)
    ]


def png_bytes(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid solid-colour PNG, so downloads are real images."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    raw = row * height
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class _Builder:
    def __init__(self, state: State, seed: int) -> None:
        self.state = state
        self.rng = random.Random(seed)
        self.next_field_id = 400_001
        self.user: Actor = ("user", 0)
        self.other: Actor = ("user", 0)

    def when(self) -> str:
        moment = SEED_EPOCH + self.rng.randrange(SEED_SPAN)
        return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S")

    def field(
        self,
        kind: str,
        external_id: str,
        label: str,
        settings: JSON,
        delta: int,
        *,
        required: bool = False,
        description: str | None = None,
    ) -> FieldDef:
        field_id = self.next_field_id
        self.next_field_id += 1
        config = field_config(label, settings, delta, required=required, description=description)
        return FieldDef(field_id, kind, external_id, label, config)

    def app(
        self,
        app_id: int,
        space_id: int,
        name: str,
        item_name: str,
        specs: list[tuple[str, str, str, JSON]],
        *,
        icon_id: int,
    ) -> App:
        fields = [
            self.field(kind, ext, label, settings, delta, required=ext == "title")
            for delta, (kind, ext, label, settings) in enumerate(specs)
        ]
        token = f"{self.rng.getrandbits(128):032x}"
        app = App(app_id, space_id, name, item_name, name.lower(), token, fields, icon_id)
        self.state.apps[app_id] = app
        self.state.app_items[app_id] = []
        return app

    def add_file(self, name: str, mimetype: str, content: bytes, when: str) -> int:
        file_id = self.state.new_file_id()
        self.state.files[file_id] = FileRecord(file_id, name, mimetype, content, when, self.user[1])
        return file_id

    def add_embed(self, url: str, title: str, description: str) -> int:
        embed_id = self.state.new_embed_id()
        hostname = url.split("/")[2]
        self.state.embeds[embed_id] = Embed(embed_id, url, title, description, hostname)
        return embed_id

    def item(
        self,
        app: App,
        values: dict[str, list[JSON]],
        *,
        when: str | None = None,
        actor: Actor | None = None,
        tags: list[str] | None = None,
    ) -> Item:
        when = when or self.when()
        actor = actor or self.user
        by_ext = {definition.external_id: definition.field_id for definition in app.fields}
        stored = {by_ext[key]: vals for key, vals in values.items() if vals}
        stored.update(
            {fid: vals for fid, vals in self.state.calculated(app.app_id, stored).items() if vals}
        )
        app_ids = self.state.app_items[app.app_id]
        item = Item(
            item_id=self.state.new_item_id(),
            app_id=app.app_id,
            app_item_id=len(app_ids) + 1,
            values=stored,
            created_on=when,
            created_by=actor,
            last_edit_on=when,
            last_edit_by=actor,
            tags=tags or [],
        )
        item.initial_revision_id = item.current_revision_id = self.state.new_revision_id()
        self.state.add_item(item)
        return item

    def edit(self, item: Item, values: dict[str, list[JSON]], actor: Actor) -> None:
        app = self.state.apps[item.app_id]
        by_ext = {definition.external_id: definition.field_id for definition in app.fields}
        when = max(item.last_edit_on, self.when())
        self.state.apply_changes(
            item, {by_ext[key]: vals for key, vals in values.items()}, actor, when
        )

    def comment(self, item: Item, text: str, actor: Actor) -> None:
        comment = Comment(
            self.state.new_comment_id(),
            item.item_id,
            text,
            max(item.created_on, self.when()),
            actor,
        )
        self.state.comments.setdefault(item.item_id, []).append(comment)


def seed(state: State, seed_value: int, big_items: int) -> None:
    """Fill an empty state with the demo organisation."""
    b = _Builder(state, seed_value)
    rng = b.rng
    state.clients = {CLIENT_ID: CLIENT_SECRET, SECOND_CLIENT_ID: SECOND_CLIENT_SECRET}
    primary = User(1001, 2001, "Sandra Sandbox", PRIMARY_USERNAME, PRIMARY_PASSWORD, state.timezone)
    other = User(1002, 2002, "Oskar Other", OTHER_USERNAME, OTHER_PASSWORD, state.timezone)
    for user in (primary, other):
        state.users[user.user_id] = user
        state.profiles[user.profile_id] = _user_profile(user)
    state.primary_user_id, state.other_user_id = primary.user_id, other.user_id
    b.user, b.other = ("user", primary.user_id), ("user", other.user_id)
    contact_names = [
        "Alma Jensen",
        "Bo Nielsen",
        "Carla Ruiz",
        "Dario Rossi",
        "Eva Lund",
        "Femi Okafor",
    ]
    space_contacts = []
    for index, name in enumerate(contact_names):
        profile_id = 2101 + index
        space_contacts.append(profile_id)
        state.profiles[profile_id] = _space_contact(profile_id, name, 21)
    users = [primary.profile_id, other.profile_id]

    state.orgs[11] = Org(11, "Sandbox Inc.", "sandbox-inc")
    state.orgs[12] = Org(12, "Side Projects", "side-projects")
    for space in (
        Space(21, 11, "Sales", "sales"),
        Space(22, 11, "Delivery", "delivery"),
        Space(23, 11, "Support", "support"),
        Space(24, 12, "Reading", "reading"),
        Space(25, 12, "Archive", "archive"),
    ):
        state.spaces[space.space_id] = space

    industries = _options("Software", "Retail", "Logistics", "Health", "Finance")
    companies = b.app(
        31,
        21,
        "Companies",
        "Company",
        [
            ("text", "title", "Name", {"format": "plain", "size": "small"}),
            (
                "category",
                "industry",
                "Industry",
                {"multiple": False, "options": industries, "display": "inline"},
            ),
            ("embed", "website", "Website", None),
            ("image", "logo", "Logo", {"allowed_mimetypes": ["image/png", "image/jpeg"]}),
            (
                "phone",
                "phone",
                "Phone",
                {"call_link_scheme": "callto", "possible_types": list(_PHONE)},
            ),
            (
                "email",
                "email",
                "Email",
                {
                    "include_in_bcc": False,
                    "include_in_cc": False,
                    "possible_types": ["work", "home", "other"],
                },
            ),
            ("location", "address", "Address", {"structured": True, "has_map": True}),
            ("text", "notes", "Notes", {"format": "html", "size": "large"}),
        ],
        icon_id=55,
    )
    company_names = [
        "Acme Robotics",
        "Blue Harbour Freight",
        "Copenhagen Bakery Group",
        "Delta Health Clinics",
        "Evergreen Finance",
        "Fjord Software",
        "Granite Retail",
        "Helix Labs",
    ]
    cities = [
        ("Copenhagen", "Denmark", 55.6761, 12.5683, "1050", "Kongens Nytorv 1"),
        ("Aarhus", "Denmark", 56.1629, 10.2039, "8000", "Store Torv 4"),
        ("Hamburg", "Germany", 53.5511, 9.9937, "20095", "Rathausmarkt 1"),
        ("Oslo", "Norway", 59.9139, 10.7522, "0150", "Karl Johans gate 22"),
    ]
    company_items = []
    for index, name in enumerate(company_names):
        city, country, lat, lng, postal, street = cities[index % len(cities)]
        slug = name.lower().replace(" ", "")
        logo = b.add_file(
            f"{slug}-logo.png",
            "image/png",
            png_bytes(16, 16, (40 * index % 256, 120, 200 - 20 * index)),
            b.when(),
        )
        embed = b.add_embed(f"https://{slug}.example.com/", name, f"The home page of {name}.")
        address = f"{street}, {postal} {city}, {country}"
        item = b.item(
            companies,
            {
                "title": [name],
                "industry": [index % len(industries) + 1],
                "website": [{"embed": embed, "file": None}],
                "logo": [logo],
                "phone": [{"type": "work", "value": f"+45 70 {index:02d} 10 {20 + index:02d}"}],
                "email": [{"type": "work", "value": f"hello@{slug}.example.com"}],
                "address": [_location(address, street, postal, city, country, lat, lng)],
                "notes": [f"<p>{name} is a <strong>key account</strong> since {2015 + index}.</p>"],
            },
        )
        state.files[logo].attached_to = ("item", item.item_id)
        company_items.append(item)

    statuses = _options("Planned", "Active", "On hold", "Done")
    labels = _options("Urgent", "Client", "Internal", "Research", "Design")
    projects = b.app(
        32,
        22,
        "Projects",
        "Project",
        [
            ("text", "title", "Project", {"format": "plain", "size": "small"}),
            (
                "category",
                "status",
                "Status",
                {"multiple": False, "options": statuses, "display": "inline"},
            ),
            (
                "category",
                "labels",
                "Labels",
                {"multiple": True, "options": labels, "display": "list"},
            ),
            (
                "date",
                "schedule",
                "Schedule",
                {"calendar": True, "end": "enabled", "time": "enabled", "color": "DCEBD8"},
            ),
            (
                "date",
                "deadline",
                "Deadline",
                {"calendar": True, "end": "disabled", "time": "disabled", "color": "F7D1D0"},
            ),
            ("progress", "progress", "Progress", None),
            ("duration", "effort", "Effort", {"fields": ["days", "hours", "minutes", "seconds"]}),
            ("contact", "owner", "Owner", {"type": "space_users", "valid_types": ["user"]}),
            ("app", "client", "Client", _ref_settings(companies, multiple=False)),
            ("money", "budget", "Budget", {"allowed_currencies": ["EUR", "USD", "DKK"]}),
            ("number", "hours", "Hours", {"decimals": 1}),
            (
                "calculation",
                "rate",
                "Budget per hour",
                _calc_settings(""),
            ),
            ("separator", "details", "Details", None),
            ("text", "brief", "Brief", {"format": "html", "size": "large"}),
            ("file", "attachments", "Attachments", {"allowed_mimetypes": []}),
        ],
        icon_id=91,
    )
    _formula(b.state, projects, "rate", "Budget", "budget", "/", "Hours", "hours")
    project_names = [
        "Website relaunch",
        "Warehouse scanners",
        "Customer portal",
        "Annual report",
        "CRM migration",
        "Mobile app beta",
        "Security audit",
        "Office move",
        "Onboarding videos",
        "Data warehouse",
        "Price list 2026",
        "Partner summit",
    ]
    project_items = []
    for index, name in enumerate(project_names):
        start = b.when()
        hours = rng.randrange(20, 400)
        budget = rng.randrange(5, 200) * 500
        values: dict[str, list[JSON]] = {
            "title": [name],
            "status": [index % 4 + 1],
            "labels": sorted(rng.sample(range(1, 6), rng.randrange(0, 3))),
            "schedule": [{"start": start, "end": _plus_days(start, rng.randrange(1, 60))}],
            "deadline": [{"start": _plus_days(start, 70)[:10]}] if index % 3 else [],
            "progress": [rng.randrange(0, 101)],
            "effort": [rng.randrange(1, 200) * 900],
            "owner": [users[index % 2]],
            "client": [company_items[index % len(company_items)].item_id],
            "budget": [{"value": str(budget), "currency": "EUR"}],
            "hours": [str(hours)],
            "brief": [f"<p>Goal: <em>{name.lower()}</em> on time.</p>"] if index % 2 else [],
        }
        if index == 0:
            brief = b.add_file(
                "project-brief.txt", "text/plain", b"Project brief\n\nShip it.\n", b.when()
            )
            values["attachments"] = [brief]
        item = b.item(projects, values, when=start, tags=["q1"] if index % 4 == 0 else [])
        for file_id in values.get("attachments", []):
            state.files[file_id].attached_to = ("item", item.item_id)
        project_items.append(item)

    showcase = b.app(
        33,
        22,
        "Showcase",
        "Showcase item",
        [
            ("text", "title", "Title", {"format": "plain", "size": "small"}),
            ("text", "description", "Description", {"format": "html", "size": "large"}),
            ("text", "plain-notes", "Plain notes", {"format": "plain", "size": "large"}),
            ("number", "quantity", "Quantity", {"decimals": 2}),
            ("money", "price", "Price", {"allowed_currencies": ["EUR", "USD", "DKK"]}),
            ("progress", "progress", "Progress", None),
            (
                "duration",
                "duration",
                "Duration",
                {"fields": ["days", "hours", "minutes", "seconds"]},
            ),
            (
                "calculation",
                "total",
                "Total",
                _calc_settings(""),
            ),
            (
                "date",
                "meeting",
                "Meeting",
                {"calendar": True, "end": "enabled", "time": "enabled", "color": "D2E4EB"},
            ),
            (
                "date",
                "holiday",
                "Holiday",
                {"calendar": True, "end": "enabled", "time": "disabled", "color": "DCEBD8"},
            ),
            (
                "category",
                "state",
                "State",
                {"multiple": False, "options": statuses, "display": "dropdown"},
            ),
            ("category", "tags", "Tags", {"multiple": True, "options": labels, "display": "list"}),
            ("app", "related", "Related", _ref_settings(companies, projects, multiple=True)),
            (
                "contact",
                "people",
                "People",
                {"type": "space_contacts", "valid_types": ["user", "space"]},
            ),
            ("image", "picture", "Picture", {"allowed_mimetypes": ["image/png", "image/jpeg"]}),
            ("file", "document", "Document", {"allowed_mimetypes": []}),
            ("embed", "link", "Link", None),
            ("location", "place", "Place", {"structured": False, "has_map": True}),
            (
                "email",
                "email",
                "Email",
                {
                    "include_in_bcc": False,
                    "include_in_cc": False,
                    "possible_types": ["work", "home", "other"],
                },
            ),
            (
                "phone",
                "phone",
                "Phone",
                {"call_link_scheme": "callto", "possible_types": list(_PHONE)},
            ),
            ("separator", "more", "More", None),
        ],
        icon_id=251,
    )
    _formula(b.state, showcase, "total", "Quantity", "quantity", "*", "Price", "price")
    picture = b.add_file("sunrise.png", "image/png", png_bytes(64, 40, (250, 170, 60)), b.when())
    document = b.add_file(
        "contract.pdf",
        "application/pdf",
        b"%PDF-1.4\n% sandbox document\n1 0 obj << /Type /Catalog >> endobj\n"
        b"trailer << >>\n%%EOF\n",
        b.when(),
    )
    thumb = b.add_file("podio-thumb.png", "image/png", png_bytes(8, 8, (30, 144, 255)), b.when())
    link = b.add_embed(
        "https://podio.com/", "Podio", "Work management for teams: apps, items and workflows."
    )
    state.embeds[link].url = "https://podio.com/"
    richest = b.item(
        showcase,
        {
            "title": ["The richest item"],
            "description": [
                "<p>Every field type, <strong>filled</strong>.</p><ul><li>one</li><li>two</li></ul>"
            ],
            "plain-notes": ["Plain text\nover two lines"],
            "quantity": ["12.5"],
            "price": [{"value": "99.95", "currency": "EUR"}],
            "progress": [65],
            "duration": [93784],
            "meeting": [{"start": "2026-03-10 08:30:00", "end": "2026-03-10 10:00:00"}],
            "holiday": [{"start": "2026-07-06", "end": "2026-07-24"}],
            "state": [2],
            "tags": [1, 2, 4],
            "related": [company_items[0].item_id, project_items[0].item_id],
            "people": [primary.profile_id, space_contacts[0]],
            "picture": [picture],
            "document": [document],
            "link": [{"embed": link, "file": thumb}],
            "place": [
                _location(
                    "Rådhuspladsen 1, 1550 København V, Denmark",
                    "Rådhuspladsen 1",
                    "1550",
                    "København",
                    "Denmark",
                    55.6759,
                    12.5690,
                )
            ],
            "email": [
                {"type": "work", "value": "sandra@sandbox.example.com"},
                {"type": "home", "value": "sandra@home.example.com"},
            ],
            "phone": [
                {"type": "mobile", "value": "+45 20 30 40 50"},
                {"type": "work", "value": "+45 70 10 20 30"},
            ],
        },
        when="2025-11-02 09:15:00",
        tags=["demo", "every-field"],
    )
    richest.file_ids = [document]
    for file_id in (picture, document, thumb):
        state.files[file_id].attached_to = ("item", richest.item_id)
    state.richest_item_id = richest.item_id
    b.edit(richest, {"progress": [70], "state": [2]}, b.other)
    b.edit(richest, {"quantity": ["12.5"], "tags": [1, 2, 4]}, b.user)
    b.comment(richest, "Kick-off went well. @Oskar please check the numbers.", b.user)
    b.comment(richest, "Numbers checked, all good.", b.other)
    for index in range(1, 6):
        b.item(
            showcase,
            {
                "title": [f"Showcase sample {index}"],
                "quantity": [str(index * 3)],
                "state": [index % 4 + 1],
                "meeting": [{"start": b.when()}] if index % 2 else [],
                "holiday": [{"start": b.when()[:10]}] if index % 2 == 0 else [],
                "people": [space_contacts[index % len(space_contacts)]],
            },
        )

    # Revisions and comments on some projects, partly by the other user.
    for index, item in enumerate(project_items[:4]):
        b.edit(item, {"progress": [min(100, index * 20 + 10)]}, b.other if index % 2 else b.user)
        b.edit(item, {"status": [2]}, b.user)
        b.comment(item, f"Status update {index + 1}: on track.", b.other)
    for index, item in enumerate(project_items[:3]):
        task_id = state.counters.next_task_id
        state.counters.next_task_id += 1
        state.tasks[task_id] = Task(
            task_id,
            f"Review {project_names[index].lower()}",
            "Check scope and budget.",
            "active" if index else "completed",
            _plus_days(item.created_on, 14)[:10],
            "item",
            item.item_id,
            primary.user_id,
            item.created_on,
            primary.user_id,
        )

    # The large app is about a million small containers and no cyclic garbage: collection
    # passes over them while they are built would find nothing, so they wait until the end.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        tickets = _seed_tickets(b, big_items, company_items, users + space_contacts[:2])
    finally:
        if gc_was_enabled:
            gc.enable()

    genres = _options("Fiction", "History", "Science", "Biography", "Poetry", "Travel")
    books = b.app(
        35,
        24,
        "Books",
        "Book",
        [
            ("text", "title", "Title", {"format": "plain", "size": "small"}),
            ("text", "author", "Author", {"format": "plain", "size": "small"}),
            ("number", "rating", "Rating", {"decimals": 0}),
            (
                "date",
                "read-on",
                "Read on",
                {"calendar": False, "end": "disabled", "time": "disabled", "color": "E1D8ED"},
            ),
            (
                "category",
                "genres",
                "Genres",
                {"multiple": True, "options": genres, "display": "inline"},
            ),
            ("embed", "link", "Link", None),
            (
                "email",
                "lent-to",
                "Lent to",
                {
                    "include_in_bcc": False,
                    "include_in_cc": False,
                    "possible_types": ["work", "home", "other"],
                },
            ),
        ],
        icon_id=12,
    )
    book_titles = [
        ("The Long Ships", "Frans G. Bengtsson"),
        ("Smilla's Sense of Snow", "Peter Høeg"),
        ("A Brief History of Time", "Stephen Hawking"),
        ("The Hare with Amber Eyes", "Edmund de Waal"),
        ("Leaves of Grass", "Walt Whitman"),
        ("Kon-Tiki", "Thor Heyerdahl"),
        ("Cosmos", "Carl Sagan"),
        ("Babette's Feast", "Karen Blixen"),
    ]
    for index, (title, author) in enumerate(book_titles):
        embed = b.add_embed(
            f"https://books.example.org/{index + 1}", title, f"{title} by {author}."
        )
        b.item(
            books,
            {
                "title": [title],
                "author": [author],
                "rating": [str(rng.randrange(1, 6))],
                "read-on": [{"start": b.when()[:10]}],
                "genres": sorted(rng.sample(range(1, 7), rng.randrange(1, 3))),
                "link": [{"embed": embed, "file": None}],
                "lent-to": [{"type": "home", "value": "friend@example.org"}]
                if index % 3 == 0
                else [],
            },
        )
    notes = b.app(
        36,
        25,
        "Notes",
        "Note",
        [
            ("text", "title", "Title", {"format": "plain", "size": "small"}),
            ("text", "body", "Body", {"format": "markdown", "size": "large"}),
        ],
        icon_id=3,
    )
    for index, title in enumerate(["Old ideas", "Meeting notes 2023", "Reading wishlist"]):
        b.item(notes, {"title": [title], "body": [f"# {title}\n\n- point {index + 1}\n"]})

    for view in (
        View(
            501,
            projects.app_id,
            "Active projects",
            "status",
            False,
            [{"key": "status", "values": [2]}],
        ),
        View(
            502,
            tickets.app_id,
            "Open tickets",
            _field_id(tickets, "due"),
            False,
            [{"key": _field_id(tickets, "status"), "values": [1, 2, 3]}],
        ),
        View(503, tickets.app_id, "Most expensive", _field_id(tickets, "amount"), True, []),
        View(
            504,
            companies.app_id,
            "Software companies",
            "title",
            False,
            [{"key": "industry", "values": [1]}],
        ),
    ):
        state.views[view.view_id] = view


def _field_id(app: App, external_id: str) -> str:
    definition = app.field_by_key(external_id)
    assert definition is not None
    return str(definition.field_id)


def _seed_tickets(b: _Builder, count: int, companies: list[Item], contacts: list[int]) -> App:
    state = b.state
    rng = b.rng
    ticket_statuses = _options("New", "Open", "Waiting", "Closed")
    priorities = _options("Low", "Normal", "High", "Critical")
    app = b.app(
        34,
        23,
        "Tickets",
        "Ticket",
        [
            ("text", "title", "Subject", {"format": "plain", "size": "small"}),
            (
                "category",
                "status",
                "Status",
                {"multiple": False, "options": ticket_statuses, "display": "inline"},
            ),
            (
                "category",
                "priority",
                "Priority",
                {"multiple": False, "options": priorities, "display": "dropdown"},
            ),
            ("number", "amount", "Amount", {"decimals": 2}),
            ("money", "price", "Price", {"allowed_currencies": ["EUR", "USD"]}),
            (
                "date",
                "due",
                "Due",
                {"calendar": True, "end": "disabled", "time": "enabled", "color": "FFD5C2"},
            ),
            ("app", "customer", "Customer", _ref_settings_ids([31], multiple=False)),
            (
                "contact",
                "assignee",
                "Assignee",
                {"type": "space_users", "valid_types": ["user", "space"]},
            ),
            ("progress", "progress", "Progress", None),
            ("duration", "effort", "Effort", {"fields": ["hours", "minutes"]}),
        ],
        icon_id=42,
    )
    ids = [definition.field_id for definition in app.fields]
    (
        f_title,
        f_status,
        f_priority,
        f_amount,
        f_price,
        f_due,
        f_customer,
        f_assignee,
        f_progress,
        f_effort,
    ) = ids
    subjects = (
        "Printer offline",
        "Invoice question",
        "Login fails",
        "Slow dashboard",
        "Export broken",
        "New user request",
        "Password reset",
        "Wrong totals",
        "Feature idea",
        "Data import",
    )
    customer_ids = [item.item_id for item in companies]
    items = state.items
    app_ids = state.app_items[app.app_id]
    random_value = rng.random

    def randrange(low: int, high: int) -> int:
        # random() scaled: cheaper than Random.randrange, still seeded.
        return low + int(random_value() * (high - low))

    user = b.user
    # The large app is built in one tight loop: no per-item validation, no caches.
    moments = sorted(randrange(0, SEED_SPAN) for _ in range(count))
    first_item_id = state.counters.next_item_id
    first_revision_id = state.counters.next_revision_id
    days: dict[int, str] = {}
    for index in range(count):
        moment = int(SEED_EPOCH) + moments[index]
        day, seconds = divmod(moment, 86400)
        date_text = days.get(day)
        if date_text is None:
            date_text = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d")
            days[day] = date_text
        hours, rest = divmod(seconds, 3600)
        created = f"{date_text} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
        values: dict[int, list[JSON]] = {
            f_title: [f"{subjects[index % 10]} #{index + 1}"],
            f_status: [randrange(1, 5)],
            f_amount: [f"{randrange(0, 10_000_000) / 100:.2f}"],
        }
        if random_value() < 0.8:
            values[f_priority] = [randrange(1, 5)]
        if random_value() < 0.7:
            values[f_price] = [{"value": str(randrange(10, 5000)), "currency": "EUR"}]
        if random_value() < 0.6:
            values[f_due] = [{"start": f"{created[:10]} {randrange(8, 18):02d}:00:00"}]
        if random_value() < 0.5:
            values[f_customer] = [customer_ids[index % len(customer_ids)]]
        if random_value() < 0.5:
            values[f_assignee] = [contacts[index % len(contacts)]]
        if random_value() < 0.5:
            values[f_progress] = [randrange(0, 101)]
        if random_value() < 0.3:
            values[f_effort] = [randrange(1, 48) * 1800]
        item_id = first_item_id + index
        revision_id = first_revision_id + index
        item = Item(
            item_id,
            app.app_id,
            index + 1,
            values,
            created,
            user,
            created,
            user,
            initial_revision_id=revision_id,
            current_revision_id=revision_id,
        )
        items[item_id] = item
        app_ids.append(item_id)
        customer = values.get(f_customer)
        if customer:
            state.referrers.setdefault(customer[0], set()).add(item_id)
    state.counters.next_item_id += count
    state.counters.next_revision_id += count
    state.dirty_items.update(app_ids)
    return app


_PHONE = ("mobile", "work", "home", "main", "work_fax", "private_fax", "other")


def _formula(
    state: State,
    app: App,
    calculation: str,
    left_label: str,
    left: str,
    operator: str,
    right_label: str,
    right: str,
) -> None:
    """Register a seeded calculation (a * b or a / b) and write its script as Podio shows it."""
    target, a, b = (app.field_by_key(key) for key in (calculation, left, right))
    if target is None or a is None or b is None:
        raise ValueError(f"unknown field in the formula of {calculation!r}")
    target.settings["script"] = (
        f"@[{left_label}](field_{a.field_id}) {operator} @[{right_label}](field_{b.field_id})"
    )
    state.calculations[target.field_id] = (app.app_id, operator, a.field_id, b.field_id)


def _calc_settings(script: str) -> JSON:
    return {
        "script": script,
        "color": None,
        "expression": None,
        "time": None,
        "calendar": None,
        "decimals": 2,
        "return_type": "number",
        "unit": None,
    }


def _ref_settings(*apps: App, multiple: bool) -> JSON:
    return _ref_settings_ids([app.app_id for app in apps], multiple=multiple)


def _ref_settings_ids(app_ids: list[int], *, multiple: bool) -> JSON:
    return {
        "multiple": multiple,
        "referenced_apps": [{"view_id": None, "app_id": app_id} for app_id in app_ids],
        "referenceable_types": list(app_ids),
    }


def _plus_days(text: str, days: int) -> str:
    moment = datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()
    return datetime.fromtimestamp(moment + days * 86400, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _location(
    address: str, street: str, postal: str, city: str, country: str, lat: float, lng: float
) -> JSON:
    number, _, name = street.partition(" ")
    if not number.isdigit():
        name, _, number = street.rpartition(" ")
    return {
        "value": address,
        "formatted": address,
        "street_number": number,
        "street_name": name,
        "postal_code": postal,
        "city": city,
        "state": None,
        "country": country,
        "lat": lat,
        "lng": lng,
        "map_in_sync": True,
    }


def _user_profile(user: User) -> dict[str, JSON]:
    return {
        "user_id": user.user_id,
        "space_id": None,
        "rights": ["view"],
        "url": [],
        "type": "user",
        "image": None,
        "profile_id": user.profile_id,
        "org_id": None,
        "phone": [],
        "link": f"https://podio.com/users/{user.user_id}",
        "avatar": None,
        "mail": [user.mail],
        "title": [],
        "external_id": None,
        "last_seen_on": user.last_seen_on,
        "name": user.name,
    }


def _space_contact(profile_id: int, name: str, space_id: int) -> dict[str, JSON]:
    slug = name.lower().replace(" ", ".")
    return {
        "user_id": None,
        "space_id": space_id,
        "rights": ["view", "update", "delete"],
        "url": [],
        "type": "space",
        "image": None,
        "profile_id": profile_id,
        "org_id": None,
        "phone": [f"+45 30 00 {profile_id % 100:02d} 00"],
        "link": f"https://podio.com/contacts/{profile_id}",
        "avatar": None,
        "mail": [f"{slug}@example.com"],
        "title": ["Customer contact"],
        "external_id": None,
        "last_seen_on": None,
        "name": name,
    }
