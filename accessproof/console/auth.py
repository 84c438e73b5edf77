"""Console sessions: who is logged in, and the CSRF token of every form.

Every visitor gets a session cookie (``HttpOnly``, ``SameSite=Strict``), signed with
itsdangerous under a key made when the server starts (sessions end with the server): a random
session id and, after login, the access key id logged in with. When the API requires SigV4 the
console requires a login with the same configured credentials (access key id and secret access
key). Every POST form carries a CSRF token: an HMAC of the session id under the same key, checked
in constant time; a new session id is issued at login (no session fixation).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Mapping, Optional

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "accessproof_console"
SESSION_SECONDS = 12 * 3600
_SALT = "accessproof-console-session"


@dataclass(frozen=True)
class Session:
    id: str
    user: Optional[str] = None  # the access key id logged in with; None: not logged in


class ConsoleAuth:
    """``credentials``: access key id → secret access key; None: no login (``--no-auth``)."""

    def __init__(self, credentials: Optional[Mapping[str, str]], key: Optional[bytes] = None):
        self.credentials = dict(credentials) if credentials is not None else None
        self._key = key or secrets.token_bytes(32)
        self._serializer = URLSafeTimedSerializer(self._key, salt=_SALT)

    @property
    def required(self) -> bool:
        return self.credentials is not None

    def new_session(self, user: Optional[str] = None) -> Session:
        return Session(secrets.token_urlsafe(18), user)

    def dump(self, session: Session) -> str:
        return self._serializer.dumps({"id": session.id, "user": session.user})

    def load(self, cookie: Optional[str]) -> Optional[Session]:
        """The session of a cookie value; None when absent, forged or expired."""
        if not cookie or len(cookie) > 4096:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=SESSION_SECONDS)
        except BadSignature:  # SignatureExpired included
            return None
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            return None
        user = data.get("user")
        return Session(data["id"], user if isinstance(user, str) else None)

    def allowed(self, session: Session) -> bool:
        """May this session see the console?"""
        return not self.required or (session.user is not None and session.user in (self.credentials or {}))

    def login(self, access_key_id: str, secret_access_key: str) -> Optional[Session]:
        """A new, logged-in session when the pair is a configured credential."""
        if not self.required:
            return self.new_session()
        expected = (self.credentials or {}).get(access_key_id)
        # Compare even for an unknown key id, so that timing does not tell which ids exist.
        ok = hmac.compare_digest((expected or "\0").encode(), secret_access_key.encode())
        return self.new_session(access_key_id) if expected is not None and ok else None

    def csrf_token(self, session: Session) -> str:
        return hmac.new(self._key, b"csrf:" + session.id.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: Session, token: Optional[str]) -> bool:
        return isinstance(token, str) and hmac.compare_digest(self.csrf_token(session), token)
