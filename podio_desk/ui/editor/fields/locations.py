"""The location editor: an address and an optional map position."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from podio_desk.domain.errors import MalformedValueError
from podio_desk.domain.fields import (
    EMPTY,
    FieldDef,
    FieldValue,
    LocationValue,
    Place,
    parse_user_text,
)
from podio_desk.domain.user_input import parse_coordinate
from podio_desk.ui.editor.context import EditorContext
from podio_desk.ui.editor.fields.base import FieldEditor, _vbox


class LocationEditor(FieldEditor):
    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        self.address = QLineEdit(self)
        self.address.setPlaceholderText("Street, postal code, city, country")
        self.lat = QLineEdit(self)
        self.lat.setPlaceholderText("latitude")
        self.lat.setMaximumWidth(110)
        self.lng = QLineEdit(self)
        self.lng.setPlaceholderText("longitude")
        self.lng.setMaximumWidth(110)
        for line in (self.address, self.lat, self.lng):
            line.textChanged.connect(self._emit_changed)
        layout = _vbox(self)
        layout.addWidget(self.address)
        layout.addLayout(
            self._row(
                QLabel("Map position", self), self.lat, self.lng, QWidget(self), stretch_last=True
            )
        )
        self._shown: tuple[str, str, str] = ("", "", "")

    def _show(self, value: FieldValue) -> None:
        place = value.places[0] if isinstance(value, LocationValue) and value.places else None
        self.address.setText(place.text if place else "")
        self.lat.setText("" if place is None or place.lat is None else str(place.lat))
        self.lng.setText("" if place is None or place.lng is None else str(place.lng))
        self._shown = (self.address.text(), self.lat.text(), self.lng.text())

    def _coordinate(self, text: str, what: str) -> Decimal | None:
        return parse_coordinate(self.fdef, text, what)

    def _read(self) -> FieldValue:
        now = (self.address.text(), self.lat.text(), self.lng.text())
        if now == self._shown:
            return self._shown_value
        lat = self._coordinate(now[1], "latitude")
        lng = self._coordinate(now[2], "longitude")
        if not now[0].strip() and lat is None and lng is None:
            return EMPTY
        if not now[0].strip():
            raise MalformedValueError(f'"{self.fdef.label}" needs an address with the map position')
        typed = parse_user_text(self.fdef, now[0])
        assert isinstance(typed, LocationValue)
        place = typed.places[0]
        return LocationValue((Place(value=place.value, lat=lat, lng=lng),))
