"""api layer of Podio Desk (see docs/architecture.md): httpx + domain only, no Qt.

Modules: `client` (`PodioClient`, one per account), `auth` (session and grants), `ratelimit`
(the rate-limit scheduler and its events), `transport`, `events`, `errors` (the error
hierarchy). Import names from the module that defines them.
"""
