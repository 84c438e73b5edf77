"""AWS::Lambda::Function — the function policy (``aws lambda get-policy``), the policies of its
aliases and versions (``get-policy --qualifier``) and its function URLs (``aws lambda
get-function-url-config``).

The statements AddPermission wrote, as Lambda returns them; Access Analyzer "also analyzes
permissions granted when using the AddPermission operation with an EventSourceToken" (the
``lambda:EventSourceToken`` condition, IAM User Guide, "IAM Access Analyzer resource types").
An alias or version has a policy of its own, whose statements name ``function:NAME:QUALIFIER``
(Lambda Developer Guide, "Using resource-based policies in Lambda": "you can apply a
resource-based policy to a function version or alias"); hence the second request resource.

Function URLs: ``lambda:InvokeFunctionUrl`` is a request through a function URL, and the
``lambda:FunctionUrlAuthType`` key carries that URL's auth type (Lambda Developer Guide,
"Control access to Lambda function URLs"). What the snapshot records of a function's or an
alias's URL is stated as Denies: no InvokeFunctionUrl on one that has no URL, and none with an
auth type other than its URL's. For a function or alias the snapshot says nothing about,
either auth type is possible wherever a policy mentions one (more access, never less).
"""

from __future__ import annotations

from typing import Callable, Optional

from ..inventory.model import LAMBDA_FUNCTION, FunctionUrl, LambdaFunction
from .base import POLICY_SOURCE, SourcedStatement, statements_of_policy
from .policy_only import policy_statements

RESOURCE_TYPE = LAMBDA_FUNCTION
SERVICE_PREFIXES = ("lambda",)
INVOKE_FUNCTION_URL = "lambda:InvokeFunctionUrl"
AUTH_TYPE_KEY = "lambda:FunctionUrlAuthType"


def arn(function: LambdaFunction) -> str:
    return function.arn


def request_resources(function: LambdaFunction) -> tuple[str, ...]:
    return (function.arn, f"{function.arn}:*")


def statements(function: LambdaFunction, policy_is_public: Optional[Callable[[str], bool]] = None) -> list[SourcedStatement]:
    out = policy_statements(function, "function policy")
    for qualified in function.qualifier_policies:
        out += statements_of_policy(qualified.policy, POLICY_SOURCE, f"{qualified.qualifier} policy")
    if function.function_urls and any(s.is_allow for s in out):
        out += function_url_limits(function, function.function_urls)
    return out


def url_target(function: LambdaFunction, url: FunctionUrl) -> str:
    return function.arn if url.qualifier is None else f"{function.arn}:{url.qualifier}"


def function_url_limits(function: LambdaFunction, urls: tuple[FunctionUrl, ...]) -> list[SourcedStatement]:
    """Deny statements: no InvokeFunctionUrl where the snapshot says there is no URL, and only
    the URL's auth type where there is one."""
    out = []
    without = [url_target(function, url) for url in urls if url.auth_type is None]
    if without:
        deny = {"Effect": "Deny", "Principal": "*", "Action": INVOKE_FUNCTION_URL, "Resource": without}
        out.append(SourcedStatement(POLICY_SOURCE, deny, f"no function URL on {', '.join(without)}"))
    for url in urls:
        if url.auth_type is None:
            continue
        target = url_target(function, url)
        # The key has exactly the URL's value: denied when it is missing, and when any value
        # differs (a single-valued key, but the engine lets a witness hold several values).
        for condition in ({"Null": {AUTH_TYPE_KEY: "true"}},
                          {"ForAnyValue:StringNotEquals": {AUTH_TYPE_KEY: url.auth_type}}):
            deny = {"Effect": "Deny", "Principal": "*", "Action": INVOKE_FUNCTION_URL, "Resource": target,
                    "Condition": condition}
            out.append(SourcedStatement(POLICY_SOURCE, deny, f"function URL of {target}: AuthType {url.auth_type}"))
    return out
