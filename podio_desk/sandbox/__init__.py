"""sandbox layer of Podio Desk (see DESIGN.md)."""
