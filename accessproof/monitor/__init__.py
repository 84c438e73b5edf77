"""Continuous monitoring (``accessproof monitor``): events → re-read → re-analyse → record → notify.

- ``changes``: the permission-changing calls per resource type, and the EventBridge rule's pattern;
- ``service``: ``LiveMonitor`` (an SQS queue of CloudTrail events, periodic full scans) and
  ``LocalMonitor`` (a snapshot folder watched for edits).
"""
