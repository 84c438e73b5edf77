"""SQS queues: ``sqs/<queue>/get-queue-attributes.json`` (``--attribute-names Policy QueueArn``)."""

from __future__ import annotations

from .base import RegionContext, ResourceRef, Responses, paginate_all, ref

RESOURCE_TYPE = "AWS::SQS::Queue"
ACTIONS = ("sqs:ListQueues", "sqs:GetQueueAttributes")
GONE = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")


def _ref(ctx: RegionContext, url: str) -> ResourceRef:
    name = url.rstrip("/").rsplit("/", 1)[-1]
    return ref(RESOURCE_TYPE, ctx.region, ("sqs", name), QueueUrl=url, name=name)


def discover(ctx: RegionContext) -> list[ResourceRef]:
    return [_ref(ctx, url) for url in paginate_all(ctx.client("sqs"), "list_queues", "QueueUrls")]


def ref_for(ctx: RegionContext, identifier: str) -> ResourceRef:
    """``identifier``: the queue's URL, ARN or name."""
    if identifier.startswith("arn:"):
        identifier = identifier.rsplit(":", 1)[-1]
    if "/" not in identifier:
        url = Responses().probe(ctx.client("sqs").get_queue_url, gone=GONE, QueueName=identifier)["QueueUrl"]
        return _ref(ctx, url)
    return _ref(ctx, identifier)


def collect(ctx: RegionContext, target: ResourceRef) -> Responses:
    out = Responses()
    out.call("get-queue-attributes.json", ctx.client("sqs").get_queue_attributes, gone=GONE,
             QueueUrl=target.get("QueueUrl"), AttributeNames=["Policy", "QueueArn"])
    return out
