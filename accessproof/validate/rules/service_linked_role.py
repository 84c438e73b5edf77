"""Rules: iam:CreateServiceLinkedRole allowed too broadly.

The six shapes and the choices made where AWS is silent are those of the iam:PassRole family
(see ``pass_role``); only the action, the texts and the covered resources differ: a resource
covers "all" service-linked roles when it covers ``role/aws-service-role/*``.

A statement whose condition limits ``iam:AWSServiceName`` (the action's own key) to named services
is not reported for the three star-in-resource shapes, as for PassRole: hundreds of AWS managed
policies allow ``iam:CreateServiceLinkedRole`` on ``*`` limited by ``iam:AWSServiceName`` without a
finding, while AlexaForBusinessFullAccess, limited by ``*a4b.amazonaws.com`` (a value that can end
any service's name), has CREATE_SLR_WITH_STAR_IN_RESOURCE.
"""

from __future__ import annotations

from ..rule import WARNING
from .pass_role import (
    NOT_ACTION_AND_NOT_RESOURCE,
    NOT_RESOURCE,
    STAR_IN_ACTION_AND_NOT_RESOURCE,
    STAR_IN_ACTION_AND_RESOURCE,
    STAR_IN_RESOURCE,
    STAR_IN_RESOURCE_AND_NOT_ACTION,
    ShapeText,
    make_family,
)

_ANCHOR = "access-analyzer-reference-policy-checks-general-warning-create-slr-with-"
_ARNS = "We recommend that you specify resource ARNs instead."

CREATE_SLR_TEXTS = {
    NOT_RESOURCE: ShapeText(
        "Create SLR with NotResource",
        "Using the iam:CreateServiceLinkedRole action with NotResource can allow creation of unintended "
        "service-linked roles for multiple resources. " + _ARNS,
        _ANCHOR + "not-resource",
    ),
    STAR_IN_ACTION_AND_NOT_RESOURCE: ShapeText(
        "Create SLR with star in action and NotResource",
        "Using an action with a wildcard(*) and NotResource can allow creation of unintended service-linked "
        "roles because it can allow iam:CreateServiceLinkedRole permissions on multiple resources. " + _ARNS,
        _ANCHOR + "star-in-action-and-not-resource",
    ),
    NOT_ACTION_AND_NOT_RESOURCE: ShapeText(
        "Create SLR with NotAction and NotResource",
        "Using NotAction with NotResource can allow creation of unintended service-linked roles because it "
        "allows iam:CreateServiceLinkedRole permissions on multiple resources. " + _ARNS,
        _ANCHOR + "not-action-and-not-resource",
    ),
    STAR_IN_RESOURCE: ShapeText(
        "Create SLR with star in resource",
        "Using the iam:CreateServiceLinkedRole action with wildcards (*) in the resource can allow creation of "
        "unintended service-linked roles. " + _ARNS,
        _ANCHOR + "star-in-resource",
    ),
    STAR_IN_ACTION_AND_RESOURCE: ShapeText(
        "Create SLR with star in action and resource",
        "Using wildcards (*) in the action and the resource can allow creation of unintended service-linked "
        "roles because it allows iam:CreateServiceLinkedRole permissions on all resources. " + _ARNS,
        _ANCHOR + "star-in-action-and-resource",
    ),
    STAR_IN_RESOURCE_AND_NOT_ACTION: ShapeText(
        "Create SLR with star in resource and NotAction",
        "Using a resource with wildcards (*) and NotAction can allow creation of unintended service-linked "
        "roles because it allows iam:CreateServiceLinkedRole permissions on all resources. " + _ARNS,
        _ANCHOR + "star-in-resource-and-not-action",
    ),
}

CREATE_SLR_RULES = make_family(
    "CREATE_SLR_WITH", "iam:CreateServiceLinkedRole", WARNING, CREATE_SLR_TEXTS, "role/aws-service-role/*",
)
