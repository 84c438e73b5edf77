"""Formats and systems findings are sent to: SARIF, EventBridge, Security Hub, webhooks."""
