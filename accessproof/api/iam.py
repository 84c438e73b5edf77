"""``accessproof.client("iam")``: the IAM policy simulator (``simulate_custom_policy``), answered locally.

Arguments and result follow boto3's ``iam.simulate_custom_policy``. Documented extra arguments:
``ServiceControlPolicyInputList`` and ``ResourceControlPolicyInputList`` (each item is one level
of the organization, root first: a policy document, or a list of the documents attached at that
level), and ``SessionPolicyInputList`` (the session policies of the caller's session).
"""

from __future__ import annotations

import re
from typing import Any, Optional, Sequence, Union

from ..evaluate import (
    BOUNDARY, IDENTITY, RCP, RESOURCE, SCP, SESSION, CompiledPolicy, ContextValue, Decision,
    EvaluationError, MalformedPolicy, PolicySet, Request, compile_policy_text, evaluate,
    parse_principal,
)
from ..evaluate.request import UNSPECIFIED
from . import errors

OPERATION = "SimulateCustomPolicy"
CONTEXT_TYPES = ("string", "stringList", "numeric", "numericList", "boolean", "booleanList", "ip", "ipList",
                 "binary", "binaryList", "date", "dateList")
_ACCOUNT = re.compile(r"^(?:arn:[a-z-]+:iam::)?(\d{12})(?::root)?$")
_SOURCE_TYPES = {RESOURCE: "resource"}


def _invalid(message: str):
    return errors.client_error("InvalidInputException", message, OPERATION)


def _malformed(message: str):
    return errors.client_error("MalformedPolicyDocumentException", message, OPERATION)


def _compile(text: Any, policy_id: str, policy_type: str) -> CompiledPolicy:
    if not isinstance(text, str):
        raise _invalid(f"{policy_id} must be a policy document string")
    try:
        return compile_policy_text(text, policy_id, policy_type)
    except MalformedPolicy as e:
        raise _malformed(str(e)) from None


def _levels(items: Optional[Sequence[Union[str, Sequence[str]]]], name: str, policy_type: str):
    levels = []
    for n, item in enumerate(items or (), 1):
        documents = [item] if isinstance(item, str) else list(item)
        levels.append(tuple(_compile(d, f"{name}.{n}.{i}" if len(documents) > 1 else f"{name}.{n}", policy_type)
                            for i, d in enumerate(documents, 1)))
    return tuple(levels)


def _context(entries: Optional[list[dict]]) -> dict[str, ContextValue]:
    out: dict[str, ContextValue] = {}
    for entry in entries or ():
        if not isinstance(entry, dict) or not isinstance(entry.get("ContextKeyName"), str):
            raise _invalid("Each ContextEntries item needs a ContextKeyName")
        kind = entry.get("ContextKeyType", "string")
        if kind not in CONTEXT_TYPES:
            raise errors.client_error(
                "InvalidInputException",
                f"Invalid ContextKeyType {kind!r}; valid types: {', '.join(CONTEXT_TYPES)}", OPERATION)
        values = entry.get("ContextKeyValues", [])
        if isinstance(values, str) or not isinstance(values, list):
            raise _invalid(f"ContextKeyValues of {entry['ContextKeyName']} must be a list of strings")
        texts = tuple(("true" if v else "false") if isinstance(v, bool) else str(v) for v in values)
        if kind.startswith("boolean"):
            texts = tuple(t.lower() for t in texts)
        multivalued = kind.endswith("List")
        if not multivalued and len(texts) > 1:
            raise _invalid(f"ContextKeyType {kind} of {entry['ContextKeyName']} takes one value; use {kind}List")
        out[entry["ContextKeyName"].lower()] = ContextValue(texts, multivalued)
    return out


def _account(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    m = _ACCOUNT.match(value)
    if not m:
        raise _invalid(f"ResourceOwner must be an account id or arn:aws:iam::<account>:root, not {value!r}")
    return m.group(1)


def _arn_account(arn: str) -> Optional[str]:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and re.fullmatch(r"\d{12}", parts[4]) else None


def _position(line_column: tuple[int, int]) -> dict:
    return {"Line": line_column[0], "Column": line_column[1]}


def matched_statements(decision: Decision, source_types: Optional[dict[str, str]] = None) -> list[dict]:
    out = []
    for m in decision.matched:
        item = {"SourcePolicyId": m.policy_id}
        if m.policy_type in _SOURCE_TYPES:
            item["SourcePolicyType"] = _SOURCE_TYPES[m.policy_type]
        elif source_types and m.policy_id in source_types:
            item["SourcePolicyType"] = source_types[m.policy_id]
        item["StartPosition"] = _position(m.start)
        item["EndPosition"] = _position(m.end)
        out.append(item)
    return out


def _details(decision: Decision, cross_account_view: bool) -> dict:
    details: dict = {}
    if cross_account_view:
        details["EvalDecisionDetails"] = dict(decision.details)
    if decision.allowed_by_organizations is not None:
        details["OrganizationsDecisionDetail"] = {"AllowedByOrganizations": decision.allowed_by_organizations}
    if decision.allowed_by_boundary is not None:
        details["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": decision.allowed_by_boundary}
    return details


def _organization_levels(ordered: Optional[list[dict]], levels: Optional[list]) -> Optional[list]:
    """IAM's ``OrderedOrganizationPolicyInputList`` (root first, one ``ServiceControlPolicyInputList``
    per level) as the SCP levels, or accessproof's ``ServiceControlPolicyInputList``; not both."""
    if ordered is None:
        return levels
    if levels:
        raise _invalid("Give OrderedOrganizationPolicyInputList or ServiceControlPolicyInputList, not both")
    out = []
    for n, level in enumerate(ordered, 1):
        documents = level.get("ServiceControlPolicyInputList") if isinstance(level, dict) else None
        if not isinstance(documents, list) or not documents:
            raise _invalid(f"OrderedOrganizationPolicyInputList.{n} needs a ServiceControlPolicyInputList")
        out.append(documents)
    return out


class IAMClient:
    """The subset of ``boto3.client("iam")`` that accessproof answers offline."""

    exceptions = errors.exceptions

    def __init__(self, **config: Any) -> None:
        """``config``: ``snapshot`` (an account snapshot directory: the principals and policies
        SimulatePrincipalPolicy reads)."""
        self._config = config

    def simulate_custom_policy(self, **kwargs: Any) -> dict:
        """SimulateCustomPolicy, as boto3 calls it."""
        return self.simulate_custom_policy_explained(**kwargs)[0]

    def simulate_custom_policy_explained(
        self,
        *,
        PolicyInputList: list[str],
        ActionNames: list[str],
        PermissionsBoundaryPolicyInputList: Optional[list[str]] = None,
        OrderedOrganizationPolicyInputList: Optional[list[dict]] = None,
        ResourceArns: Optional[list[str]] = None,
        ResourcePolicy: Optional[str] = None,
        ResourceOwner: Optional[str] = None,
        CallerArn: Optional[str] = None,
        ContextEntries: Optional[list[dict]] = None,
        ResourceHandlingOption: Optional[str] = None,
        MaxItems: Optional[int] = None,
        Marker: Optional[str] = None,
        ServiceControlPolicyInputList: Optional[list] = None,
        ResourceControlPolicyInputList: Optional[list] = None,
        SessionPolicyInputList: Optional[list[str]] = None,
    ) -> tuple[dict, list[str]]:
        """The response, and for each result one sentence saying which statement decided."""
        if not isinstance(PolicyInputList, list):
            raise _invalid("PolicyInputList must be a list of policy documents")
        return self._simulate(
            [(f"PolicyInputList.{i}", text, None) for i, text in enumerate(PolicyInputList, 1)],
            ActionNames=ActionNames, PermissionsBoundaryPolicyInputList=PermissionsBoundaryPolicyInputList,
            ServiceControlPolicyInputList=_organization_levels(OrderedOrganizationPolicyInputList,
                                                               ServiceControlPolicyInputList),
            ResourceArns=ResourceArns, ResourcePolicy=ResourcePolicy, ResourceOwner=ResourceOwner,
            CallerArn=CallerArn, ContextEntries=ContextEntries, MaxItems=MaxItems, Marker=Marker,
            ResourceControlPolicyInputList=ResourceControlPolicyInputList,
            SessionPolicyInputList=SessionPolicyInputList)

    def simulate_principal_policy(self, *, PolicySourceArn: str, ActionNames: list[str],
                                  PolicyInputList: Optional[list[str]] = None,
                                  PolicyExclusionList: Optional[list[dict]] = None,
                                  CallerArn: Optional[str] = None, **kwargs: Any) -> dict:
        """SimulatePrincipalPolicy: the identity policies of a user, group or role of the client's
        ``snapshot`` (its inline and managed policies, and a user's groups'), plus ``PolicyInputList``,
        less ``PolicyExclusionList``. ``CallerArn`` defaults to the user given (IAM API Reference)."""
        from .principals import principal_policies

        snapshot = self._config.get("snapshot")
        policies = principal_policies(snapshot, PolicySourceArn, PolicyExclusionList or [])
        extra = [(f"PolicyInputList.{i}", text, None) for i, text in enumerate(PolicyInputList or [], 1)]
        if CallerArn is None and ":user/" in PolicySourceArn:
            CallerArn = PolicySourceArn
        organization = kwargs.pop("OrderedOrganizationPolicyInputList", None)
        kwargs["ServiceControlPolicyInputList"] = _organization_levels(organization, kwargs.get("ServiceControlPolicyInputList"))
        return self._simulate(policies + extra, ActionNames=ActionNames, CallerArn=CallerArn, **kwargs)[0]

    def _simulate(
        self,
        identity_policies: list[tuple[str, str, Optional[str]]],
        *,
        ActionNames: list[str],
        PermissionsBoundaryPolicyInputList: Optional[list[str]] = None,
        ResourceArns: Optional[list[str]] = None,
        ResourcePolicy: Optional[str] = None,
        ResourceOwner: Optional[str] = None,
        CallerArn: Optional[str] = None,
        ContextEntries: Optional[list[dict]] = None,
        ResourceHandlingOption: Optional[str] = None,
        MaxItems: Optional[int] = None,
        Marker: Optional[str] = None,
        ServiceControlPolicyInputList: Optional[list] = None,
        ResourceControlPolicyInputList: Optional[list] = None,
        SessionPolicyInputList: Optional[list[str]] = None,
    ) -> tuple[dict, list[str]]:
        """``identity_policies``: (policy id, document, SourcePolicyType or None) of each identity policy."""
        source_types = {policy_id: kind for policy_id, _, kind in identity_policies if kind}
        if not isinstance(ActionNames, list) or not ActionNames:
            raise _invalid("ActionNames must be a non-empty list")
        if ResourcePolicy is not None and CallerArn is None:
            raise _invalid("CallerArn is required when a ResourcePolicy is given, so that the policy's "
                           "Principal element has a value to evaluate against")
        policies = PolicySet(
            identity=tuple(_compile(t, policy_id, IDENTITY) for policy_id, t, _ in identity_policies),
            resource=_compile(ResourcePolicy, "ResourcePolicy", RESOURCE) if ResourcePolicy is not None else None,
            boundary=(tuple(_compile(t, f"PermissionsBoundaryPolicyInputList.{i}", BOUNDARY)
                            for i, t in enumerate(PermissionsBoundaryPolicyInputList, 1))
                      if PermissionsBoundaryPolicyInputList else None),
            session=(tuple(_compile(t, f"SessionPolicyInputList.{i}", SESSION)
                           for i, t in enumerate(SessionPolicyInputList, 1))
                     if SessionPolicyInputList else None),
            scp_levels=_levels(ServiceControlPolicyInputList, "ServiceControlPolicyInputList", SCP),
            rcp_levels=_levels(ResourceControlPolicyInputList, "ResourceControlPolicyInputList", RCP),
        )
        try:
            principal = parse_principal(CallerArn) if CallerArn is not None else UNSPECIFIED
        except EvaluationError as e:
            raise _invalid(f"Invalid CallerArn: {e}") from None
        context = _context(ContextEntries)
        owner = _account(ResourceOwner)
        resources = ResourceArns or ["*"]
        results = []
        for action in ActionNames:
            for resource in resources:
                # The owner of a resource whose ARN names none is ResourceOwner, else the caller's
                # account (API reference, SimulateCustomPolicy, ResourceOwner).
                resource_account = owner
                if ResourcePolicy is not None and resource_account is None:
                    resource_account = _arn_account(resource)
                try:
                    request = Request.of(principal, action, resource, None, resource_account)
                except EvaluationError as e:
                    raise _invalid(str(e)) from None
                request = Request(request.principal, request.action, request.resource, context, request.resource_account)
                decision = evaluate(request, policies)
                result = {
                    "EvalActionName": action,
                    "EvalResourceName": resource,
                    "EvalDecision": decision.decision,
                    "MatchedStatements": matched_statements(decision, source_types),
                    "MissingContextValues": list(decision.missing_context_keys),
                    **_details(decision, ResourcePolicy is not None),
                }
                if ResourceArns:
                    result["ResourceSpecificResults"] = [{
                        "EvalResourceName": resource,
                        "EvalResourceDecision": decision.decision,
                        "MatchedStatements": result["MatchedStatements"],
                        "MissingContextValues": result["MissingContextValues"],
                        **({"EvalDecisionDetails": result["EvalDecisionDetails"]} if "EvalDecisionDetails" in result else {}),
                        **({"PermissionsBoundaryDecisionDetail": result["PermissionsBoundaryDecisionDetail"]}
                           if "PermissionsBoundaryDecisionDetail" in result else {}),
                    }]
                result["_reason"] = decision.reason
                results.append(result)
        reasons = [r.pop("_reason") for r in results]
        start = int(Marker) if Marker and Marker.isdigit() else 0
        end = len(results) if MaxItems is None else start + MaxItems
        response: dict = {"EvaluationResults": results[start:end], "IsTruncated": end < len(results)}
        if end < len(results):
            response["Marker"] = str(end)
        return response, reasons[start:end]
