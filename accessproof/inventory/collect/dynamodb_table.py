"""DynamoDB tables: ``dynamodb/tables/<table>/get-resource-policy.json``."""

from __future__ import annotations

from .base import RegionContext, ResourceRef, Responses, paginate_all, ref

RESOURCE_TYPE = "AWS::DynamoDB::Table"
ACTIONS = ("dynamodb:ListTables", "dynamodb:DescribeTable", "dynamodb:GetResourcePolicy")
GONE = ("ResourceNotFoundException",)


def _ref(ctx: RegionContext, name: str) -> ResourceRef:
    return ref(RESOURCE_TYPE, ctx.region, ("dynamodb", "tables", name), name=name,
               ResourceArn=ctx.arn("dynamodb", f"table/{name}"))


def discover(ctx: RegionContext) -> list[ResourceRef]:
    return [_ref(ctx, name) for name in paginate_all(ctx.client("dynamodb"), "list_tables", "TableNames")]


def ref_for(ctx: RegionContext, identifier: str) -> ResourceRef:
    """``identifier``: the table name or ARN."""
    return _ref(ctx, identifier.split(":table/", 1)[-1].split("/", 1)[0])


def collect(ctx: RegionContext, target: ResourceRef) -> Responses:
    client = ctx.client("dynamodb")
    out = Responses()
    # GetResourcePolicy answers PolicyNotFoundException for a table without a policy and
    # ResourceNotFoundException for no table: the same code as other services' "no policy", so ask first.
    out.probe(client.describe_table, gone=GONE, TableName=target.get("name"))
    out.call("get-resource-policy.json", client.get_resource_policy, gone=GONE, keep_not_found=True,
             ResourceArn=target.get("ResourceArn"))
    return out
