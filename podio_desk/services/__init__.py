"""services layer of Podio Desk (see docs/architecture.md)."""
