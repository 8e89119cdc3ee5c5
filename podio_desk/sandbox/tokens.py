"""OAuth tokens: issued per grant, looked up per request, expired on demand."""

from __future__ import annotations

import secrets

from podio_desk.sandbox.model import JSON
from podio_desk.sandbox.records import Records, RefreshGrant, Token


class TokenGrants(Records):
    """Access and refresh tokens."""

    # ------------------------------------------------------------------ tokens

    def issue_token(self, ref_type: str, ref_id: int, client_id: str, refresh: str | None) -> JSON:
        scope = "global:all" if ref_type == "user" else f"app:{ref_id}:all"
        if refresh is None or refresh not in self.refresh_grants:
            refresh = secrets.token_hex(16)
            self.refresh_grants[refresh] = RefreshGrant(refresh, ref_type, ref_id, client_id, scope)
        if len(self.tokens) > 1000:
            now = self.clock.now()
            self.tokens = {key: t for key, t in self.tokens.items() if t.expires_at > now}
        # Access tokens are "currently 128 characters long" (docs/podio-api.md, Token response
        # and refresh).
        access = secrets.token_hex(64)
        self.tokens[access] = Token(
            access, refresh, ref_type, ref_id, client_id, self.clock.now() + self.token_ttl, scope
        )
        self.dirty_meta = True
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": self.token_ttl,
            "refresh_token": refresh,
            "scope": scope,
            "ref": {"type": ref_type, "id": ref_id},
        }

    def token(self, access: str) -> Token | None:
        token = self.tokens.get(access)
        if token is None:
            return None
        if token.expires_at <= self.clock.now():
            return None
        return token

    def expire_all_tokens(self) -> None:
        for token in self.tokens.values():
            token.expires_at = 0.0
        self.dirty_meta = True
