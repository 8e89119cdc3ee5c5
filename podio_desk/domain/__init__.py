"""domain layer of Podio Desk (see docs/architecture.md): pure Python, no I/O, no threads.

Modules: `fields` (field types and values), `workspace` (orgs, spaces, apps, views), `items`
(items and what hangs off them), `timestamps`, `errors`. Import names from the module that
defines them.
"""
