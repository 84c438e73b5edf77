"""DynamoDB streams: ``dynamodb/streams/<table>/<stream-label>/get-resource-policy.json``."""

from __future__ import annotations

from typing import Any

from .base import RegionContext, ResourceRef, Responses, call_or_fail, ref
from .dynamodb_table import discover as discover_tables

RESOURCE_TYPE = "AWS::DynamoDB::Stream"
ACTIONS = ("dynamodb:ListStreams", "dynamodb:GetResourcePolicy", "dynamodb:ListTables")
GONE = ("ResourceNotFoundException",)


def _ref(ctx: RegionContext, arn: str) -> ResourceRef:
    table, label = arn.split(":table/", 1)[1].split("/stream/", 1)
    return ref(RESOURCE_TYPE, ctx.region, ("dynamodb", "streams", table, label), ResourceArn=arn)


def _streams(client: Any, table: str) -> list[str]:
    """Every stream of the table (DynamoDB Streams' ListStreams pages by ExclusiveStartStreamArn)."""
    arns: list[str] = []
    start: dict[str, str] = {}
    while True:
        page = call_or_fail(client.list_streams, "dynamodbstreams ListStreams", TableName=table, **start)
        arns += [s["StreamArn"] for s in page.get("Streams", [])]
        last = page.get("LastEvaluatedStreamArn")
        if not last:
            return arns
        start = {"ExclusiveStartStreamArn": last}


def discover(ctx: RegionContext) -> list[ResourceRef]:
    client = ctx.client("dynamodbstreams")
    return [_ref(ctx, arn) for table in discover_tables(ctx) for arn in _streams(client, table.get("name"))]


def ref_for(ctx: RegionContext, identifier: str) -> ResourceRef:
    """``identifier``: the stream ARN."""
    return _ref(ctx, identifier)


def collect(ctx: RegionContext, target: ResourceRef) -> Responses:
    out = Responses()
    out.call("get-resource-policy.json", ctx.client("dynamodb").get_resource_policy, gone=GONE, keep_not_found=True,
             ResourceArn=target.get("ResourceArn"))
    return out
