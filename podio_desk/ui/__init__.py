"""ui layer of Podio Desk (see docs/architecture.md): the only code that imports PySide6 or
qasync."""
