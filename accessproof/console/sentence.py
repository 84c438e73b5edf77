"""A witness request in words: "anonymous callers can call s3:GetObject on arn:aws:s3:::reports/x".

Returns plain text; the templates escape it.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional

_ACCOUNT = re.compile(r"^\d{12}$")
_IAM = re.compile(r"^arn:[a-z-]+:(iam|sts)::(\d{12}):(.+)$")


def caller(principal: Optional[str]) -> str:
    """Who a witness's principal is, in words."""
    if principal in (None, "", "anonymous", "*"):
        return "anonymous callers"
    if _ACCOUNT.match(principal):
        return f"any principal of account {principal}"
    m = _IAM.match(principal)
    if m:
        account, resource = m.group(2), m.group(3)
        if resource == "root":
            return f"any principal of account {account}"
        kind, _, rest = resource.partition("/")
        words = {"user": "user", "role": "role", "assumed-role": "a session of role", "federated-user": "federated user",
                 "saml-provider": "users of SAML provider", "oidc-provider": "users of OIDC provider"}.get(kind, kind)
        name = rest.split("/")[0] if kind == "assumed-role" else rest.rsplit("/", 1)[-1]
        return f"{words} {name} of account {account}"
    if principal.endswith(".amazonaws.com"):
        return f"the service {principal}"
    if re.fullmatch(r"[0-9a-fA-F]{64}", principal):
        return f"the S3 canonical user {principal[:12]}…"
    return principal


def witness_sentence(witness: Mapping[str, Any], condition: Optional[Mapping[str, str]] = None,
                     public: bool = False) -> str:
    """The witness as one sentence; the context keys the finding's condition names are added
    ("when kms:EncryptionContext:project is alpha"). ``public``: the finding is public, so the
    witness's caller is one example of anyone."""
    who = caller(witness.get("principal"))
    if public and who != "anonymous callers":
        who = f"anyone (for example {who})"
    action = witness.get("action") or "an action"
    resource = witness.get("resource") or "the resource"
    sentence = f"{who} can call {action} on {resource}"
    context = {str(k).lower(): v for k, v in (witness.get("context") or {}).items()}
    clauses = []
    for key in sorted(condition or {}):
        value = context.get(key.lower())
        if value is not None:
            shown = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
            clauses.append(f"{key} is {shown}")
    if clauses:
        sentence += " when " + " and ".join(clauses)
    return sentence[:1].upper() + sentence[1:]
