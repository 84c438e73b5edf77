"""SARIF 2.1.0 that code scanning accepts (GitHub, GitLab, Azure DevOps).

What GitHub's code scanning reads ("SARIF support for code scanning", GitHub Docs) is met:

- ``artifactLocation.uri`` relative to the repository root (``uriBaseId`` ``%SRCROOT%``, the root
  given in ``originalUriBaseIds``), percent-encoded; a file outside the root is an absolute
  ``file://`` URI; standard input and inline documents have no URI, only a description;
- regions with 1-based ``startLine`` / ``startColumn`` (columns count Unicode code points,
  ``columnKind``); ValidatePolicy findings at their span, check results at the statement the
  reason names, analyzer findings at the snapshot file (and member) that grants the access;
- rules with a short and a full description, help (text and Markdown), ``helpUri`` (AWS's
  documentation) and, in ``properties``, ``security-severity`` as a number in a string, ``tags``
  and ``precision``;
- ``partialFingerprints`` (``accessproof/v1``): a digest of what the result is about (rule, file,
  policy element and its text, or resource, principal and actions), not of line numbers, so that an
  alert survives edits elsewhere in the file. GitHub's own ``primaryLocationLineHash`` is left
  for GitHub to compute.

Severities are accessproof's choice (AWS gives none to these results), written beside each rule.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence
from urllib.parse import quote

from ..version import __version__

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
INFORMATION_URI = "https://github.com/accessproof/accessproof"
FINGERPRINT = "accessproof/v1"
_LEVELS = {"ERROR": "error", "SECURITY_WARNING": "error", "WARNING": "warning", "SUGGESTION": "note"}
# Characters left as they are in a URI path segment (RFC 3986 pchar); a ":" in the first segment of
# a relative reference would read as a scheme, so there it is encoded.
_SEGMENT_SAFE = "-._~!$&'()*+,;=:@"

POLICY_CHECKS_URI = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
CUSTOM_CHECKS_URI = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-custom-policy-checks.html"
FINDINGS_URI = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-findings.html"


# ------------------------------------------------------------------------------ the model


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    description: str
    help_uri: str
    level: str  # error | warning | note
    security_severity: float  # GitHub: 9.0+ critical, 7.0+ high, 4.0+ medium, below: low
    tags: tuple[str, ...] = ("security",)
    precision: str = "very-high"

    def to_sarif(self) -> dict[str, Any]:
        name = "".join(part.capitalize() if part.isupper() or part.islower() else part
                       for part in self.id.replace("-", "_").split("_"))
        return {
            "id": self.id,
            "name": name,
            "shortDescription": {"text": self.title},
            "fullDescription": {"text": self.description},
            "help": {"text": f"{self.description}\n\nLearn more: {self.help_uri}",
                     "markdown": f"{self.description}\n\n[Learn more]({self.help_uri})"},
            "helpUri": self.help_uri,
            "defaultConfiguration": {"level": self.level},
            "properties": {"security-severity": f"{self.security_severity:.1f}", "tags": list(self.tags),
                           "precision": self.precision},
        }


@dataclass(frozen=True)
class Region:
    """1-based lines and columns; ``end_column`` is the column just after the region (SARIF)."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int

    def to_sarif(self) -> dict[str, int]:
        return {"startLine": self.start_line, "startColumn": self.start_column,
                "endLine": self.end_line, "endColumn": self.end_column}


@dataclass(frozen=True)
class Place:
    """Where a result is: a file (``path`` as the user named it; None for standard input or an
    inline document, then ``description`` says which) and, when known, the region in it."""

    path: Optional[str]
    region: Optional[Region] = None
    description: str = ""


@dataclass(frozen=True)
class Result:
    rule: Rule
    message: str
    place: Place
    identity: tuple  # what the result is about, for the fingerprint
    level: Optional[str] = None  # default: the rule's
    related: tuple[Place, ...] = ()
    resource: Optional[str] = None  # an ARN, as the logical location
    properties: dict[str, Any] = field(default_factory=dict)


# Where a finding is (``accessproof.integrations.snapshot_places`` builds these from snapshots): its
# places, the most relevant first (at least one).
FindingPlaces = Callable[[dict], list[Place]]


def sarif_log(results: Sequence[Result], category: str, root: Optional[Path] = None,
              rules: Iterable[Rule] = ()) -> dict[str, Any]:
    """One run of accessproof: every rule used (and ``rules``), every result."""
    base = (root or source_root()).absolute()
    used = {r.id: r for r in rules}
    for result in results:
        used.setdefault(result.rule.id, result.rule)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "accessproof", "version": __version__, "semanticVersion": __version__,
                                "informationUri": INFORMATION_URI,
                                "rules": [used[k].to_sarif() for k in sorted(used)]}},
            "automationDetails": {"id": f"accessproof/{category}/"},
            "originalUriBaseIds": {SRCROOT: {"uri": base.as_uri().rstrip("/") + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": [_result(r, base) for r in results],
        }],
    }


def _result(result: Result, base: Path) -> dict[str, Any]:
    location = _location(result.place, base)
    out: dict[str, Any] = {
        "ruleId": result.rule.id,
        "level": result.level or result.rule.level,
        "message": {"text": result.message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT: fingerprint(result.rule.id, _artifact_key(result.place, base),
                                                         result.identity)},
    }
    if result.resource:
        location["logicalLocations"] = [{"fullyQualifiedName": result.resource, "kind": "resource"}]
    if result.related:
        out["relatedLocations"] = [{"id": i, **_location(p, base)} for i, p in enumerate(result.related, start=1)]
    if result.properties:
        out["properties"] = result.properties
    return out


def _location(place: Place, base: Path) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(place, base)}
    if place.region is not None:
        physical["region"] = place.region.to_sarif()
    return {"physicalLocation": physical}


def artifact_location(place: Place, base: Path) -> dict[str, Any]:
    if place.path is None:
        return {"description": {"text": place.description or "inline document"}}
    path = Path(place.path).absolute()
    relative = os.path.relpath(path, base)
    if relative == ".." or relative.startswith(".." + os.sep) or os.path.isabs(relative):
        return {"uri": path.as_uri()}
    first, *rest = Path(relative).as_posix().split("/")
    segments = [quote(first, safe=_SEGMENT_SAFE.replace(":", ""))] + [quote(s, safe=_SEGMENT_SAFE) for s in rest]
    return {"uri": "/".join(segments), "uriBaseId": SRCROOT}


def _artifact_key(place: Place, base: Path) -> str:
    location = artifact_location(place, base)
    return location.get("uri") or place.description


def fingerprint(rule_id: str, artifact: str, identity: tuple) -> str:
    text = json.dumps([rule_id, artifact, list(identity)], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def source_root(start: Optional[Path] = None) -> Path:
    """The repository root that URIs are relative to: the nearest folder above the working
    directory holding ``.git``, else the working directory (CI runs from the checkout)."""
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def json_region(text: str, start: int, end: int) -> Region:
    """The region of characters ``[start, end)`` of ``text``."""
    from ..policy import TextIndex

    index = TextIndex(text)
    start_line, start_column = index.line_col(start)
    end_line, end_column = index.line_col(end)
    return Region(start_line, start_column + 1, end_line, end_column + 1)


# ------------------------------------------------------------------------------ ValidatePolicy

# security-severity per finding type (accessproof's choice): a SECURITY_WARNING grants access that
# AWS calls a risk (high); an ERROR is a policy IAM refuses or that does not work (medium); a
# WARNING departs from best practice; a SUGGESTION changes nothing that is granted (low).
VALIDATION_SEVERITY = {"SECURITY_WARNING": 7.5, "ERROR": 5.0, "WARNING": 3.0, "SUGGESTION": 1.0}


@dataclass(frozen=True)
class FileFindings:
    """ValidatePolicy findings (API dicts) for one document; ``uri`` is its path, or ``<stdin>`` /
    ``<argument>``; ``text`` the document (for the fingerprints). ``error``: (code, message) when
    the document could not be validated (refused by ValidatePolicy, or unreadable); no findings then."""

    uri: str
    findings: list[dict]
    text: str = ""
    error: Optional[tuple[str, str]] = None


# A file that could not be validated is a result of its own at the file: code scanning shows it as an
# alert (a tool notification only reaches the tool status page, and only for GitHub's own tools), so
# a refused policy is not silently missing from the results.
NOT_VALIDATED = Rule(
    "POLICY_NOT_VALIDATED", "The policy file could not be validated",
    "The policy file could not be validated: ValidatePolicy refused it (for example a document over 32,768 "
    "characters, which AWS refuses as InvalidPolicy) or it could not be read as text. Its policy is unchecked; "
    "the message gives the error code and the reason.",
    "https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ValidatePolicy.html", "error",
    VALIDATION_SEVERITY["ERROR"], ("security", "iam", "policy-validation"), "very-high")


def validation_rule(code: str, finding_type: str, learn_more: str) -> Rule:
    from ..validate.engine import REGISTRY  # importing the engine registers every rule

    registered = REGISTRY.get(code)
    title = registered.title if registered else code.replace("_", " ").capitalize()
    message = registered.message if registered else title
    description = f"{finding_type.replace('_', ' ').capitalize()}: " + message.replace("{{", "<").replace("}}", ">")
    return Rule(code, title, description, learn_more or POLICY_CHECKS_URI, _LEVELS[finding_type],
                VALIDATION_SEVERITY[finding_type], ("security", "iam", "policy-validation", finding_type.lower()),
                "high")


def validation_results(files: Iterable[FileFindings]) -> list[Result]:
    results = []
    for f in files:
        if f.error is not None:
            code, message = f.error
            results.append(Result(NOT_VALIDATED, f"{code}: {message}", document_place(f.uri, Region(1, 1, 1, 1)),
                                  (code,), properties={"errorCode": code}))
        for finding in f.findings:
            rule = validation_rule(finding["issueCode"], finding["findingType"], finding["learnMoreLink"])
            locations = finding["locations"] or [None]
            place = _document_place(f.uri, locations[0])
            related = tuple(_document_place(f.uri, loc) for loc in locations[1:10])
            span = locations[0]["span"] if locations[0] else None
            element = f.text[span["start"]["offset"]:span["end"]["offset"]] if span and f.text else ""
            path = locations[0]["path"] if locations[0] else []
            results.append(Result(rule, finding["findingDetails"], place, (json.dumps(path), " ".join(element.split())),
                                  related=related, properties={"findingType": finding["findingType"]}))
    return results


def _document_place(name: str, location: Optional[dict]) -> Place:
    region = None
    if location:
        start, end = location["span"]["start"], location["span"]["end"]
        region = Region(start["line"], start["column"] + 1, end["line"], end["column"] + 1)
    return document_place(name, region)


def document_place(name: str, region: Optional[Region] = None) -> Place:
    if name in ("<stdin>", "<argument>", "<cli-input-json>"):
        return Place(None, region, {"<stdin>": "standard input", "<argument>": "inline argument",
                                    "<cli-input-json>": "--cli-input-json"}[name])
    return Place(name, region)


def validation_sarif(files: Sequence[FileFindings], root: Optional[Path] = None) -> dict[str, Any]:
    """The log of ``validate-policy``; when some file could not be validated, the run's invocation
    also says so (``executionSuccessful`` false, one error notification per file) for the readers
    of the SARIF that look there."""
    log = sarif_log(validation_results(files), "validate-policy", root)
    failed = [f for f in files if f.error is not None]
    if failed:
        base = (root or source_root()).absolute()
        log["runs"][0]["invocations"] = [{
            "executionSuccessful": False,
            "toolExecutionNotifications": [
                {"level": "error", "message": {"text": f"{f.error[0]}: {f.error[1]}"},
                 "locations": [_location(document_place(f.uri), base)], "descriptor": {"id": NOT_VALIDATED.id}}
                for f in failed],
        }]
    return log


# ------------------------------------------------------------------------------ custom policy checks

CHECK_RULES = {
    # A proof that the resource policy grants public access: critical.
    "CheckNoPublicAccess": Rule(
        "CheckNoPublicAccess", "The resource policy grants public access",
        "CheckNoPublicAccess failed: the resource policy grants access to anyone (a principal outside every "
        "account). The result names the statement; the witness request in its properties is one such access.",
        CUSTOM_CHECKS_URI, "error", 9.5, ("security", "iam", "custom-policy-check", "public-access")),
    # A proof that the policy grants access the team listed as forbidden: high.
    "CheckAccessNotGranted": Rule(
        "CheckAccessNotGranted", "The policy grants access that must not be granted",
        "CheckAccessNotGranted failed: the policy grants one of the listed actions or resources. The result "
        "names the statement; the witness request in its properties is one such access.",
        CUSTOM_CHECKS_URI, "error", 8.0, ("security", "iam", "custom-policy-check")),
    # A proof that the change grants new access; often intended, so medium.
    "CheckNoNewAccess": Rule(
        "CheckNoNewAccess", "The new policy grants access the existing one does not",
        "CheckNoNewAccess failed: the updated policy grants access that the existing (reference) policy does "
        "not. The result names the statement; the witness request in its properties is one such access.",
        CUSTOM_CHECKS_URI, "error", 6.0, ("security", "iam", "custom-policy-check")),
}


def statement_region(text: str, index: Optional[int]) -> Optional[Region]:
    """The region of statement ``index`` (the API's ``statementIndex``) of a policy document; None
    when the document cannot be read or has no such statement."""
    from ..policy import JsonSyntaxError, parse_policy

    if index is None:
        return None
    try:
        policy = parse_policy(text)
    except (JsonSyntaxError, RecursionError, ValueError):
        return None
    for statement in policy.statements:  # ``index`` is None for a lone statement object
        if (statement.index or 0) == index:
            return json_region(text, statement.loc.start, statement.loc.end)
    return None


def check_results(response: dict, name: str, text: str, check: str) -> list[Result]:
    """A FAIL's reasons as results at their statements (a PASS has none)."""
    if response.get("result") != "FAIL":
        return []
    rule = CHECK_RULES[check]
    results = []
    for reason in response.get("reasons") or [{"description": response.get("message", "")}]:
        index = reason.get("statementIndex")
        statement = _statement_text(text, index)
        properties = {k: v for k, v in (("statementIndex", index), ("statementId", reason.get("statementId")),
                                        ("witness", response.get("witness"))) if v is not None}
        message = f"{response['message']} {reason.get('description', '')}".strip()
        results.append(Result(rule, message, document_place(name, statement_region(text, index)),
                              (index, reason.get("statementId"), statement), properties=properties))
    return results


def _statement_text(text: str, index: Optional[int]) -> str:
    region_text = ""
    try:
        document = json.loads(text)
        statements = document.get("Statement") if isinstance(document, dict) else None
        items = statements if isinstance(statements, list) else [statements]
        if index is not None and 0 <= index < len(items):
            region_text = json.dumps(items[index], sort_keys=True)
    except (json.JSONDecodeError, RecursionError):
        pass
    return region_text


def check_sarif(response: dict, name: str, text: str, check: str, root: Optional[Path] = None) -> dict[str, Any]:
    return sarif_log(check_results(response, name, text, check), _kebab(check), root, rules=[CHECK_RULES[check]])


def _kebab(name: str) -> str:
    return "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")


# ------------------------------------------------------------------------------ external access

EXTERNAL_RULES = {
    # Anyone can reach the resource: critical.
    "PublicAccess": Rule(
        "PublicAccess", "Public access to a resource",
        "The resource's policy, ACL or share settings grant access to anyone (IAM Access Analyzer external "
        "access finding with isPublic). The witness request in the result's properties is one such access.",
        FINDINGS_URI, "error", 9.0, ("security", "iam", "external-access", "public-access")),
    # A principal outside the zone of trust can reach it: high (often a partner, still worth review).
    "ExternalAccess": Rule(
        "ExternalAccess", "Access from outside the zone of trust",
        "A principal outside the analyzer's zone of trust (account or organization) can reach the resource "
        "(IAM Access Analyzer external access finding). The witness request in the result's properties is one "
        "such access.",
        FINDINGS_URI, "warning", 7.0, ("security", "iam", "external-access")),
    # Part of the configuration could not be read, so access may be missing from the findings: medium.
    "AnalysisError": Rule(
        "AnalysisError", "A resource that could not be analysed",
        "Part of the resource's configuration could not be read (e.g. ACCESS_DENIED: AWS refused the call that "
        "reads it), so the findings of this resource may be incomplete.",
        FINDINGS_URI, "error", 5.0, ("security", "iam", "external-access")),
}


def external_access_results(findings: Iterable[dict], places: FindingPlaces) -> list[Result]:
    """ACTIVE external access findings (ListFindings shape), one result each."""
    results = []
    for f in findings:
        if f.get("status") != "ACTIVE":
            continue
        located = places(f)
        primary, related = located[0], tuple(located[1:10])
        if f.get("error"):
            results.append(Result(
                EXTERNAL_RULES["AnalysisError"],
                f"{f.get('resource')} ({f.get('resourceType')}) could not be analysed: {f['error']}",
                primary, (f.get("resource"), f["error"]), related=related, resource=f.get("resource"),
                properties={k: f.get(k) for k in ("id", "resource", "resourceType", "error")}))
            continue
        rule = EXTERNAL_RULES["PublicAccess" if f.get("isPublic") else "ExternalAccess"]
        principal = ", ".join(f"{k}: {v}" for k, v in (f.get("principal") or {}).items())
        text = f"{f.get('resource')} ({f.get('resourceType')}) can be reached by {principal or 'an outside principal'}"
        if f.get("action"):
            text += f" with {', '.join(f['action'])}"
        if f.get("condition"):
            text += " when " + ", ".join(f"{k} = {v}" for k, v in f["condition"].items())
        identity = (f.get("resource"), f.get("principal"), sorted(f.get("action") or []), f.get("condition"),
                    f.get("isPublic"), f.get("sources"))
        results.append(Result(rule, text, primary, identity, related=related, resource=f.get("resource"),
                              properties={k: f.get(k) for k in ("id", "resource", "resourceType", "principal", "action",
                                                               "condition", "isPublic", "sources", "witness")
                                          if f.get(k) is not None}))
    return results


def external_access_sarif(findings: Iterable[dict], places: FindingPlaces, root: Optional[Path] = None) -> dict:
    return sarif_log(external_access_results(findings, places), "external-access", root,
                     rules=EXTERNAL_RULES.values())


# ------------------------------------------------------------------------------ unused access

UNUSED_RULES = {
    # Access keys and passwords nobody uses are credentials waiting to leak: medium.
    "UnusedIAMUserAccessKey": Rule(
        "UnusedIAMUserAccessKey", "Unused IAM user access key",
        "The access key was not used in the tracking period: deactivate or delete it.",
        FINDINGS_URI, "warning", 5.0, ("security", "iam", "unused-access")),
    "UnusedIAMUserPassword": Rule(
        "UnusedIAMUserPassword", "Unused IAM user password",
        "The console password was not used in the tracking period: remove it.",
        FINDINGS_URI, "warning", 5.0, ("security", "iam", "unused-access")),
    # Permissions granted and not used widen what a stolen credential can do: medium.
    "UnusedPermission": Rule(
        "UnusedPermission", "Unused permissions",
        "The role or user was granted services or actions it did not use in the tracking period: remove them "
        "(accessproof recommend FINDING_ID shows the refined policies, each proved to grant no new access).",
        FINDINGS_URI, "warning", 4.0, ("security", "iam", "unused-access")),
    # A role nobody assumes: low.
    "UnusedIAMRole": Rule(
        "UnusedIAMRole", "Unused IAM role",
        "The role was not used in the tracking period: delete it if nothing needs it.",
        FINDINGS_URI, "warning", 3.0, ("security", "iam", "unused-access")),
}


def unused_access_results(findings: Iterable[dict], places: FindingPlaces) -> list[Result]:
    """ACTIVE unused access findings (ListFindingsV2 shape with ``findingDetails``), one result each."""
    results = []
    for f in findings:
        if f.get("status") != "ACTIVE":
            continue
        rule = UNUSED_RULES[f["findingType"]]
        details = f.get("findingDetails") or []
        located = places(f)
        results.append(Result(rule, f"{f['resource']}: {_unused_summary(f['findingType'], details)}",
                              located[0], (f["resource"], json.dumps(details, sort_keys=True, default=str)),
                              related=tuple(located[1:10]), resource=f["resource"],
                              properties={"id": f.get("id"), "resourceType": f.get("resourceType"),
                                          "findingDetails": details}))
    return results


def _unused_summary(finding_type: str, details: list[dict]) -> str:
    if finding_type == "UnusedPermission":
        parts = []
        for entry in details:
            detail = entry.get("unusedPermissionDetails", {})
            actions = [a["action"] for a in detail.get("actions", [])]
            parts.append(", ".join(actions) if actions else f"{detail.get('serviceNamespace')}:* (the whole service)")
        return "unused permissions: " + "; ".join(parts)
    detail = next(iter(details[0].values())) if details else {}
    last = detail.get("lastAccessed")
    key = f" {detail['accessKeyId']}" if "accessKeyId" in detail else ""
    what = {"UnusedIAMRole": "unused role", "UnusedIAMUserAccessKey": f"unused access key{key}",
            "UnusedIAMUserPassword": "unused password"}[finding_type]
    return f"{what}, last used {str(last)[:10] if last else 'never'}"


def unused_access_sarif(findings: Iterable[dict], places: FindingPlaces, root: Optional[Path] = None) -> dict:
    return sarif_log(unused_access_results(findings, places), "unused-access", root, rules=UNUSED_RULES.values())
