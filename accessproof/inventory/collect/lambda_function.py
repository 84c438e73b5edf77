"""Lambda functions: ``lambda/functions/<name>/`` — the function's policy and URL, and per alias or
published version (``qualifiers/<q>/``) the same two (a version has no URL)."""

from __future__ import annotations

from typing import Any

from .base import RegionContext, ResourceRef, Responses, paginate_all, ref

RESOURCE_TYPE = "AWS::Lambda::Function"
ACTIONS = ("lambda:ListFunctions", "lambda:GetPolicy", "lambda:GetFunctionUrlConfig", "lambda:ListAliases",
           "lambda:ListVersionsByFunction")
GONE = ("ResourceNotFoundException",)


def _ref(ctx: RegionContext, name: str) -> ResourceRef:
    return ref(RESOURCE_TYPE, ctx.region, ("lambda", "functions", name), FunctionName=name)


def discover(ctx: RegionContext) -> list[ResourceRef]:
    return [_ref(ctx, f["FunctionName"]) for f in paginate_all(ctx.client("lambda"), "list_functions", "Functions")]


def ref_for(ctx: RegionContext, identifier: str) -> ResourceRef:
    """``identifier``: a function name, ARN or partial ARN, possibly with a qualifier."""
    if identifier.startswith("arn:"):
        identifier = identifier.split(":function:", 1)[1]
    elif ":function:" in identifier:  # 123456789012:function:name
        identifier = identifier.split(":function:", 1)[1]
    return _ref(ctx, identifier.split(":", 1)[0])


def _qualifiers(client: Any, out: Responses, name: str) -> tuple[list[str], list[str]]:
    """(aliases, published versions). ListAliases also proves that the function exists: GetPolicy's
    ResourceNotFoundException means "no policy" as well as "no function"."""
    aliases = out.probe(lambda **kw: [a for page in client.get_paginator("list_aliases").paginate(**kw)
                                      for a in page.get("Aliases", [])], gone=GONE, FunctionName=name)
    versions = paginate_all(client, "list_versions_by_function", "Versions", FunctionName=name)
    return ([a["Name"] for a in aliases], [v["Version"] for v in versions if v.get("Version") != "$LATEST"])


def collect(ctx: RegionContext, target: ResourceRef) -> Responses:
    client = ctx.client("lambda")
    name = target.get("FunctionName")
    out = Responses()
    aliases, versions = _qualifiers(client, out, name)
    out.call("get-policy.json", client.get_policy, FunctionName=name)
    # ResourceNotFoundException here means "no URL", which decides lambda:InvokeFunctionUrl: kept.
    out.call("get-function-url-config.json", client.get_function_url_config, keep_not_found=True, FunctionName=name)
    for alias in aliases:
        out.call(f"qualifiers/{alias}/get-policy.json", client.get_policy, FunctionName=name, Qualifier=alias)
        out.call(f"qualifiers/{alias}/get-function-url-config.json", client.get_function_url_config,
                 keep_not_found=True, FunctionName=name, Qualifier=alias)
    for version in versions:
        out.call(f"qualifiers/{version}/get-policy.json", client.get_policy, FunctionName=name, Qualifier=version)
    return out
