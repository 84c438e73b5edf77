"""SNS topics: ``sns/<topic>/get-topic-attributes.json``."""

from __future__ import annotations

from .base import RegionContext, ResourceRef, Responses, paginate_all, ref

RESOURCE_TYPE = "AWS::SNS::Topic"
ACTIONS = ("sns:ListTopics", "sns:GetTopicAttributes")
GONE = ("NotFound", "NotFoundException")


def _ref(ctx: RegionContext, arn: str) -> ResourceRef:
    return ref(RESOURCE_TYPE, ctx.region, ("sns", arn.rsplit(":", 1)[-1]), TopicArn=arn)


def discover(ctx: RegionContext) -> list[ResourceRef]:
    return [_ref(ctx, t["TopicArn"]) for t in paginate_all(ctx.client("sns"), "list_topics", "Topics")]


def ref_for(ctx: RegionContext, identifier: str) -> ResourceRef:
    """``identifier``: the topic's ARN or name."""
    return _ref(ctx, identifier if identifier.startswith("arn:") else ctx.arn("sns", identifier))


def collect(ctx: RegionContext, target: ResourceRef) -> Responses:
    out = Responses()
    out.call("get-topic-attributes.json", ctx.client("sns").get_topic_attributes, gone=GONE,
             TopicArn=target.get("TopicArn"))
    return out
