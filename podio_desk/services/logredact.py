"""The app's log redaction: the api layer's one implementation, for every log handler."""

from __future__ import annotations

from podio_desk.api.redact import REDACTED, RedactingFilter, install_redaction
from podio_desk.api.redact import redact_text as redact

__all__ = ["REDACTED", "RedactingFilter", "install_redaction", "redact"]
