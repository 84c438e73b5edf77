"""The notification configuration: one TOML file naming every destination.

```toml
[eventbridge]                       # PutEvents of AWS's "Access Analyzer Finding" events
region = "us-east-1"
event_bus = "default"               # optional (default: the default bus)
source = "aws.access-analyzer"      # optional; a real bus refuses "aws." sources from accounts
endpoint_url = "http://127.0.0.1:5000"   # optional (a local endpoint)

[securityhub]                       # BatchImportFindings in ASFF
region = "us-east-1"
product_arn = "arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default"   # optional

[[webhooks]]
name = "ops"                        # the destination is webhook:ops
url = "https://hooks.example.com/accessproof"
format = "json"                     # or "slack" (an incoming-webhook message)
secret = "..."                      # optional: X-Accessproof-Signature, HMAC-SHA256 of the body
headers = { Authorization = "Bearer ..." }   # optional

[delivery]                          # optional
backoff_base_seconds = 2
backoff_cap_seconds = 900
```

Every mistake is a ``NotificationConfigError`` with one line naming the file and the key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Union

from ..untrusted import MAX_DOCUMENT_BYTES, InputRefused, decode_text, read_file
from .outbox import Backoff, Sender
from .webhooks import FORMATS, JSON

WEBHOOK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
ClientFactory = Callable[[str, Optional[str], Optional[str]], Any]  # (service, region, endpoint_url) → client


class NotificationConfigError(ValueError):
    """A configuration file that cannot be used; ``str(e)`` is one line."""


@dataclass(frozen=True)
class AwsDestination:
    region: Optional[str] = None
    endpoint_url: Optional[str] = None
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookDestination:
    name: str
    url: str
    format: str = JSON
    secret: Optional[str] = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NotificationConfig:
    eventbridge: Optional[AwsDestination] = None
    securityhub: Optional[AwsDestination] = None
    webhooks: tuple[WebhookDestination, ...] = ()
    backoff: Backoff = field(default_factory=Backoff)

    @property
    def destinations(self) -> list[str]:
        names = (["eventbridge"] if self.eventbridge else []) + (["securityhub"] if self.securityhub else [])
        return names + [f"webhook:{w.name}" for w in self.webhooks]


def _table(data: Mapping[str, Any], key: str, where: str) -> Optional[Mapping[str, Any]]:
    value = data.get(key)
    if value is not None and not isinstance(value, dict):
        raise NotificationConfigError(f"{where}: [{key}] must be a table")
    return value


def _string(table: Mapping[str, Any], key: str, where: str, required: bool = False) -> Optional[str]:
    value = table.get(key)
    if value is None:
        if required:
            raise NotificationConfigError(f"{where}: {key} is required")
        return None
    if not isinstance(value, str) or not value:
        raise NotificationConfigError(f"{where}: {key} must be a non-empty string")
    return value


def _known(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise NotificationConfigError(f"{where}: unknown key {unknown[0]!r}; expected {', '.join(sorted(allowed))}")


def _aws(table: Mapping[str, Any], where: str, options: set[str]) -> AwsDestination:
    _known(table, {"region", "endpoint_url"} | options, where)
    return AwsDestination(_string(table, "region", where), _string(table, "endpoint_url", where),
                          {k: v for k in sorted(options) if (v := _string(table, k, where)) is not None})


def _number(table: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise NotificationConfigError(f"{where}: {key} must be a positive number")
    return float(value)


def parse_config(data: Mapping[str, Any], where: str) -> NotificationConfig:
    _known(data, {"eventbridge", "securityhub", "webhooks", "delivery"}, where)
    eventbridge = _table(data, "eventbridge", where)
    securityhub = _table(data, "securityhub", where)
    delivery = _table(data, "delivery", where) or {}
    _known(delivery, {"backoff_base_seconds", "backoff_cap_seconds"}, f"{where} [delivery]")
    hooks_raw = data.get("webhooks", [])
    if not isinstance(hooks_raw, list) or not all(isinstance(h, dict) for h in hooks_raw):
        raise NotificationConfigError(f"{where}: webhooks must be an array of tables ([[webhooks]])")
    hooks: list[WebhookDestination] = []
    for i, hook in enumerate(hooks_raw):
        at = f"{where} webhooks[{i}]"
        _known(hook, {"name", "url", "format", "secret", "headers"}, at)
        name = _string(hook, "name", at, required=True)
        assert name is not None
        if not WEBHOOK_NAME.match(name) or any(h.name == name for h in hooks):
            raise NotificationConfigError(f"{at}: name {name!r} must be unique, 1-64 letters, digits, _ . -")
        url = _string(hook, "url", at, required=True)
        assert url is not None
        if not url.startswith(("http://", "https://")):
            raise NotificationConfigError(f"{at}: url must be http:// or https://, not {url!r}")
        form = _string(hook, "format", at) or JSON
        if form not in FORMATS:
            raise NotificationConfigError(f"{at}: format must be one of {', '.join(FORMATS)}, not {form!r}")
        headers = hook.get("headers", {})
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise NotificationConfigError(f"{at}: headers must be a table of strings")
        hooks.append(WebhookDestination(name, url, form, _string(hook, "secret", at), dict(headers)))
    config = NotificationConfig(
        eventbridge=_aws(eventbridge, f"{where} [eventbridge]", {"event_bus", "source"}) if eventbridge is not None else None,
        securityhub=_aws(securityhub, f"{where} [securityhub]", {"product_arn"}) if securityhub is not None else None,
        webhooks=tuple(hooks),
        backoff=Backoff(_number(delivery, "backoff_base_seconds", 2.0, where),
                        _number(delivery, "backoff_cap_seconds", 900.0, where)),
    )
    if not config.destinations:
        raise NotificationConfigError(f"{where}: no destination: give [eventbridge], [securityhub] or [[webhooks]]")
    return config


def load_config(path: Union[str, Path]) -> NotificationConfig:
    source = Path(path)
    if not source.exists() and not source.is_symlink():
        raise NotificationConfigError(f"{source}: no such notification configuration file")
    try:
        data = tomllib.loads(decode_text(read_file(source, MAX_DOCUMENT_BYTES), str(source)))
    except InputRefused as e:
        raise NotificationConfigError(f"cannot read the notification configuration {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise NotificationConfigError(f"{source}: not TOML: {e}") from None
    return parse_config(data, str(source))


def _boto3_client(service: str, region: Optional[str], endpoint_url: Optional[str]) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(service, region_name=region, endpoint_url=endpoint_url,
                        config=Config(retries={"mode": "standard", "max_attempts": 3}))


def senders(config: NotificationConfig, client_factory: ClientFactory = _boto3_client) -> dict[str, Sender]:
    """One sender per destination of ``config``, by destination name."""
    from .eventbridge import SOURCE, EventBridgeSender
    from .securityhub import SecurityHubSender
    from .webhooks import WebhookSender

    out: dict[str, Sender] = {}
    if config.eventbridge is not None:
        eb = config.eventbridge
        out["eventbridge"] = EventBridgeSender(client_factory("events", eb.region, eb.endpoint_url),
                                               event_bus=eb.options.get("event_bus"),
                                               source=eb.options.get("source", SOURCE))
    if config.securityhub is not None:
        sh = config.securityhub
        out["securityhub"] = SecurityHubSender(client_factory("securityhub", sh.region, sh.endpoint_url),
                                               product_arn=sh.options.get("product_arn"))
    for hook in config.webhooks:
        sender = WebhookSender(hook.name, hook.url, hook.format, hook.headers, hook.secret)
        out[sender.destination] = sender
    return out
