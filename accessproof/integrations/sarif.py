"""SARIF 2.1.0 for code-scanning UIs (GitHub, GitLab, Azure DevOps)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..version import __version__

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"ERROR": "error", "SECURITY_WARNING": "error", "WARNING": "warning", "SUGGESTION": "note"}


@dataclass(frozen=True)
class FileFindings:
    """ValidatePolicy findings (API dicts) for one file."""

    uri: str
    findings: list[dict]


def sarif_log(files: Iterable[FileFindings]) -> dict:
    rules: dict[str, dict] = {}
    results = []
    for f in files:
        for finding in f.findings:
            code = finding["issueCode"]
            rules.setdefault(code, {
                "id": code,
                "name": code.title().replace("_", ""),
                "shortDescription": {"text": code.replace("_", " ").capitalize()},
                "helpUri": finding["learnMoreLink"],
                "defaultConfiguration": {"level": _LEVELS[finding["findingType"]]},
                "properties": {"findingType": finding["findingType"]},
            })
            results.append({
                "ruleId": code,
                "level": _LEVELS[finding["findingType"]],
                "message": {"text": finding["findingDetails"]},
                "locations": [_location(f.uri, loc) for loc in finding["locations"]] or [_location(f.uri, None)],
                "properties": {"findingType": finding["findingType"]},
            })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "accessproof",
                "version": __version__,
                "informationUri": "https://github.com/accessproof/accessproof",
                "rules": sorted(rules.values(), key=lambda r: r["id"]),
            }},
            "results": results,
        }],
    }


def _location(uri: str, loc: dict | None) -> dict:
    physical: dict = {"artifactLocation": {"uri": uri}}
    if loc:
        start, end = loc["span"]["start"], loc["span"]["end"]
        # SARIF columns are 1-based; ValidatePolicy's are 0-based.
        physical["region"] = {
            "startLine": start["line"], "startColumn": start["column"] + 1,
            "endLine": end["line"], "endColumn": end["column"] + 1,
        }
    return {"physicalLocation": physical}


def external_access_sarif(findings: Iterable[dict], snapshot_uri: str) -> dict:
    """ACTIVE external-access findings (ListFindings shape) as SARIF: one result per finding,
    rule ``ExternalAccess`` or ``PublicAccess`` (``AnalysisError`` for an error finding), located
    at the snapshot (the resource ARN is in the message and in ``properties``, with the witness
    request)."""
    results = []
    for f in findings:
        if f.get("status") != "ACTIVE":
            continue
        if f.get("error"):  # the resource could not be (fully) analysed: say so, not "reached by"
            results.append({
                "ruleId": "AnalysisError", "level": "error",
                "message": {"text": f"{f.get('resource')} ({f.get('resourceType')}) could not be analysed: {f['error']}"},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": snapshot_uri}}}],
                "properties": {k: f.get(k) for k in ("id", "resource", "resourceType", "error")},
            })
            continue
        rule = "PublicAccess" if f.get("isPublic") else "ExternalAccess"
        principal = ", ".join(f"{k}: {v}" for k, v in (f.get("principal") or {}).items())
        text = f"{f.get('resource')} ({f.get('resourceType')}) can be reached by {principal or 'an outside principal'}"
        if f.get("action"):
            text += f" with {', '.join(f['action'])}"
        if f.get("condition"):
            text += " when " + ", ".join(f"{k} = {v}" for k, v in f["condition"].items())
        results.append({
            "ruleId": rule, "level": "error" if f.get("isPublic") else "warning", "message": {"text": text},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": snapshot_uri}}}],
            "properties": {k: f.get(k) for k in ("id", "resource", "resourceType", "principal", "action", "condition",
                                                  "isPublic", "sources", "witness") if f.get(k) is not None},
        })
    rules = [{"id": "PublicAccess", "shortDescription": {"text": "Public access to a resource"},
              "defaultConfiguration": {"level": "error"}},
             {"id": "ExternalAccess", "shortDescription": {"text": "Access from outside the zone of trust"},
              "defaultConfiguration": {"level": "warning"}},
             {"id": "AnalysisError", "shortDescription": {"text": "A resource that could not be analysed "
                                                                   "(e.g. ACCESS_DENIED: its configuration could not be read)"},
              "defaultConfiguration": {"level": "error"}}]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "accessproof", "version": __version__,
                            "informationUri": "https://github.com/accessproof/accessproof", "rules": rules}},
        "results": results}]}
