"""ECR repositories: ``ecr/<name>/get-repository-policy.json``."""

from __future__ import annotations

from .base import RegionContext, ResourceRef, Responses, directory_name, paginate_all, ref

RESOURCE_TYPE = "AWS::ECR::Repository"
ACTIONS = ("ecr:DescribeRepositories", "ecr:GetRepositoryPolicy")
GONE = ("RepositoryNotFoundException",)


def _ref(ctx: RegionContext, name: str) -> ResourceRef:
    return ref(RESOURCE_TYPE, ctx.region, ("ecr", directory_name(name)), repositoryName=name)


def discover(ctx: RegionContext) -> list[ResourceRef]:
    return [_ref(ctx, r["repositoryName"]) for r in paginate_all(ctx.client("ecr"), "describe_repositories",
                                                                 "repositories")]


def ref_for(ctx: RegionContext, identifier: str) -> ResourceRef:
    """``identifier``: the repository name or ARN."""
    return _ref(ctx, identifier.split(":repository/", 1)[-1])


def collect(ctx: RegionContext, target: ResourceRef) -> Responses:
    out = Responses()
    out.call("get-repository-policy.json", ctx.client("ecr").get_repository_policy, gone=GONE, keep_not_found=True,
             repositoryName=target.get("repositoryName"), registryId=ctx.account_id)
    return out
