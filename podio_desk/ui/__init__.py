"""ui layer of Podio Desk (see DESIGN.md): the only code that imports PySide6 or qasync."""
