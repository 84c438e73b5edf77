"""``accessproof.client("iam")``: the IAM policy simulator (``simulate_custom_policy``), answered locally.

Arguments and result follow boto3's ``iam.simulate_custom_policy`` (botocore's IAM model is the
reference), including ``OrderedOrganizationPolicyInputList``: the SCPs of each level of the
organization, root first (``[{"ServiceControlPolicyInputList": [document, ...]}, ...]``, at most
7 levels). accessproof's own extra arguments: ``ServiceControlPolicyInputList`` (the same levels
in a shorter form, kept for compatibility: each item a policy document, or a list of the documents
attached at that level; give one of the two), ``ResourceControlPolicyInputList`` (RCPs, the same
shape) and ``SessionPolicyInputList`` (the session policies of the caller's session). An unknown
argument raises botocore's ``ParamValidationError``, as boto3 does before sending the request.
"""

from __future__ import annotations

import re
from typing import Any, Optional, Sequence, Union

from ..evaluate import (
    BOUNDARY, IDENTITY, RCP, RESOURCE, SCP, SESSION, CompiledPolicy, ContextValue, Decision,
    EvaluationError, MalformedPolicy, PolicySet, Request, compile_policy_text, evaluate,
    parse_principal,
)
from botocore.exceptions import ParamValidationError

from ..evaluate.request import UNSPECIFIED
from . import errors

OPERATION = "SimulateCustomPolicy"
CONTEXT_TYPES = ("string", "stringList", "numeric", "numericList", "boolean", "booleanList", "ip", "ipList",
                 "binary", "binaryList", "date", "dateList")
_ACCOUNT = re.compile(r"^(?:arn:[a-z-]+:iam::)?(\d{12})(?::root)?$")
_SOURCE_TYPES = {RESOURCE: "resource"}
# botocore's IAM model, SimulateCustomPolicy: OrganizationPolicyListType has "max": 7.
MAX_ORGANIZATION_LEVELS = 7
BOTOCORE_ARGUMENTS = (
    "PolicyInputList", "PermissionsBoundaryPolicyInputList", "OrderedOrganizationPolicyInputList", "ActionNames",
    "ResourceArns", "ResourcePolicy", "ResourceOwner", "CallerArn", "ContextEntries", "ResourceHandlingOption",
    "MaxItems", "Marker",
)
EXTENSION_ARGUMENTS = ("ServiceControlPolicyInputList", "ResourceControlPolicyInputList", "SessionPolicyInputList")
MAX_ITEMS_MIN, MAX_ITEMS_MAX = 1, 1000  # maxItemsType in botocore's iam model


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


def _ordered_levels(items: object) -> tuple[tuple[CompiledPolicy, ...], ...]:
    """botocore's ``OrderedOrganizationPolicyInputList``: one ``{"ServiceControlPolicyInputList": [...]}`` per level."""
    name = "OrderedOrganizationPolicyInputList"
    if not isinstance(items, list):
        raise _invalid(f"{name} must be a list of levels, root first")
    if len(items) > MAX_ORGANIZATION_LEVELS:
        raise _invalid(f"{name} has {len(items)} levels; an organization has at most {MAX_ORGANIZATION_LEVELS} "
                       "(root, up to 5 OUs, account)")
    levels = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or set(item) - {"ServiceControlPolicyInputList"}:
            raise _invalid(f'{name} item {n} must be {{"ServiceControlPolicyInputList": [policy documents]}}')
        documents = item.get("ServiceControlPolicyInputList", [])
        if not isinstance(documents, list):
            raise _invalid(f"{name} item {n}: ServiceControlPolicyInputList must be a list of policy documents")
        levels.append(tuple(_compile(d, f"{name}.{n}.{i}", SCP) for i, d in enumerate(documents, 1)))
    return tuple(levels)


def _scp_levels(ordered: object, shorthand: Optional[list]) -> tuple[tuple[CompiledPolicy, ...], ...]:
    if ordered is not None and shorthand is not None:
        raise _invalid("Give the SCPs once: OrderedOrganizationPolicyInputList or ServiceControlPolicyInputList")
    if ordered is not None:
        return _ordered_levels(ordered)
    return _levels(shorthand, "ServiceControlPolicyInputList", SCP)


def _check_arguments(kwargs: dict) -> None:
    """boto3 validates parameter names before sending; a typo must not silently change the simulation."""
    unknown = [k for k in kwargs if k not in BOTOCORE_ARGUMENTS and k not in EXTENSION_ARGUMENTS]
    if unknown:
        valid = ", ".join(BOTOCORE_ARGUMENTS + EXTENSION_ARGUMENTS)
        raise ParamValidationError(report="\n".join(
            f'Unknown parameter in input: "{k}", must be one of: {valid}' for k in unknown))
    missing = [k for k in ("PolicyInputList", "ActionNames") if k not in kwargs]
    if missing:
        raise ParamValidationError(report="\n".join(f'Missing required parameter in input: "{k}"' for k in missing))


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


def _max_items_error(value: Any, constraint: str):
    return errors.validation_error(
        f"1 validation error detected: Value '{value}' at 'maxItems' failed to satisfy constraint: {constraint}",
        OPERATION)


def _check_max_items(value: Any) -> None:
    """MaxItems is IAM's maxItemsType: an integer from 1 to 1000 (botocore's iam model). Zero would
    return empty pages, each with a Marker to the same place, for ever."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise _max_items_error(value, "Member must be an integer")
    if value < MAX_ITEMS_MIN:
        raise _max_items_error(value, f"Member must have value greater than or equal to {MAX_ITEMS_MIN}")
    if value > MAX_ITEMS_MAX:
        raise _max_items_error(value, f"Member must have value less than or equal to {MAX_ITEMS_MAX}")


def _marker_position(marker: Optional[str], total: int) -> int:
    """Where the page that ``marker`` (one this operation returned) starts; None: the first page."""
    if marker is None:
        return 0
    if not isinstance(marker, str) or not marker.isdigit() or int(marker) > total:
        raise errors.validation_error(f"Invalid Marker {marker!r}: give the Marker of the previous response", OPERATION)
    return int(marker)


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


@errors.bounded_arguments(lambda message, operation: errors.client_error("InvalidInputException", message, operation))
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

    def simulate_custom_policy_explained(self, **kwargs: Any) -> tuple[dict, list[str]]:
        """The response, and for each result one sentence saying which statement decided."""
        _check_arguments(kwargs)
        return self._simulate(**kwargs)

    def simulate_principal_policy(self, *, PolicySourceArn: str, ActionNames: list[str],
                                  PolicyInputList: Optional[list[str]] = None,
                                  PolicyExclusionList: Optional[list[dict]] = None,
                                  CallerArn: Optional[str] = None, **kwargs: Any) -> dict:
        """SimulatePrincipalPolicy: the identity policies of a user, group or role of the client's
        ``snapshot`` (its inline and managed policies, and a user's groups'), plus ``PolicyInputList``,
        less ``PolicyExclusionList``. ``CallerArn`` defaults to the user given (IAM API Reference)."""
        from .principals import principal_policies

        attached = principal_policies(self._config.get("snapshot"), PolicySourceArn, PolicyExclusionList or [])
        extra = [(f"PolicyInputList.{i}", text, None) for i, text in enumerate(PolicyInputList or [], 1)]
        if CallerArn is None and ":user/" in PolicySourceArn:
            CallerArn = PolicySourceArn
        named = attached + extra
        return self._simulate(PolicyInputList=[text for _, text, _ in named], ActionNames=ActionNames,
                              CallerArn=CallerArn, identity_names=[(name, kind) for name, _, kind in named],
                              **kwargs)[0]

    def _simulate(
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
        identity_names: Optional[Sequence[tuple[str, Optional[str]]]] = None,
    ) -> tuple[dict, list[str]]:
        """``identity_names``: (SourcePolicyId, SourcePolicyType or None) of each PolicyInputList
        document (SimulatePrincipalPolicy names the principal's policies); default PolicyInputList.N."""
        _check_max_items(MaxItems)
        if not isinstance(PolicyInputList, list):
            raise _invalid("PolicyInputList must be a list of policy documents")
        if not isinstance(ActionNames, list) or not ActionNames:
            raise _invalid("ActionNames must be a non-empty list")
        if ResourcePolicy is not None and CallerArn is None:
            raise _invalid("CallerArn is required when a ResourcePolicy is given, so that the policy's "
                           "Principal element has a value to evaluate against")
        names = list(identity_names) if identity_names is not None else \
            [(f"PolicyInputList.{i}", None) for i in range(1, len(PolicyInputList) + 1)]
        source_types = {name: kind for name, kind in names if kind}
        policies = PolicySet(
            identity=tuple(_compile(t, name, IDENTITY) for (name, _), t in zip(names, PolicyInputList)),
            resource=_compile(ResourcePolicy, "ResourcePolicy", RESOURCE) if ResourcePolicy is not None else None,
            boundary=(tuple(_compile(t, f"PermissionsBoundaryPolicyInputList.{i}", BOUNDARY)
                            for i, t in enumerate(PermissionsBoundaryPolicyInputList, 1))
                      if PermissionsBoundaryPolicyInputList else None),
            session=(tuple(_compile(t, f"SessionPolicyInputList.{i}", SESSION)
                           for i, t in enumerate(SessionPolicyInputList, 1))
                     if SessionPolicyInputList else None),
            scp_levels=_scp_levels(OrderedOrganizationPolicyInputList, ServiceControlPolicyInputList),
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
        start = _marker_position(Marker, len(results))
        end = len(results) if MaxItems is None else start + MaxItems
        response: dict = {"EvaluationResults": results[start:end], "IsTruncated": end < len(results)}
        if end < len(results):
            response["Marker"] = str(end)
        return response, reasons[start:end]
