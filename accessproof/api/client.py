"""``accessproof.client(service)``: drop-in replacements for ``boto3.client(service)``."""

from __future__ import annotations

from typing import Any


def client(service_name: str, **config: Any):
    """Return the local client for ``"accessanalyzer"`` or ``"iam"``.

    Code written against boto3 ports by swapping ``boto3.client`` for ``accessproof.client``.
    """
    if service_name == "accessanalyzer":
        from .accessanalyzer import AccessAnalyzerClient

        return AccessAnalyzerClient(**config)
    if service_name == "iam":
        from .iam import IAMClient

        return IAMClient(**config)
    raise ValueError(f"Unknown service: {service_name!r}. Valid service names are: accessanalyzer, iam")
