"""A template report as cfn-policy-validator's JSON, SARIF (file and line of each policy) or Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from ..integrations.sarif import CUSTOM_CHECKS_URI, FINDINGS_URI, POLICY_CHECKS_URI, Place, Region, Result, Rule, sarif_log
from .run import Finding, Report

_SEVERITY = {"ERROR": 8.0, "SECURITY_WARNING": 7.5, "WARNING": 4.0, "SUGGESTION": 2.0}
_LEVEL = {"ERROR": "error", "SECURITY_WARNING": "error", "WARNING": "warning", "SUGGESTION": "note"}


def _rule(finding: Finding) -> Rule:
    code = finding.code
    if code.startswith("policy-analysis-"):
        uri = CUSTOM_CHECKS_URI
    elif code.endswith("EXTERNAL_ACCESS") or code == "EXTERNAL_PRINCIPAL":
        uri = FINDINGS_URI
    else:
        link = finding.details.get("learnMoreLink") if isinstance(finding.details, dict) else None
        uri = link or POLICY_CHECKS_URI
    return Rule(f"template/{code}", code.replace("_", " ").replace("-", " ").capitalize(),
                finding.message.split(". ")[0].rstrip(".") + ".", uri, _LEVEL.get(finding.findingType, "warning"),
                _SEVERITY.get(finding.findingType, 4.0))


def report_sarif(report: Report, command: str, root: Optional[Path] = None) -> dict[str, Any]:
    results = []
    for finding, blocking in [(f, True) for f in report.blocking] + [(f, False) for f in report.non_blocking]:
        place = Place(finding.file or None, Region(finding.line, 1, finding.line, 2) if finding.line else None,
                      finding.file or "template")
        level = _LEVEL.get(finding.findingType, "warning") if blocking else "note"
        results.append(Result(_rule(finding), f"{finding.resourceName} ({finding.policyName}): {finding.message}", place,
                              (finding.code, finding.logical_id, finding.policyName, finding.message), level,
                              properties={"blocking": blocking}))
    return sarif_log(results, f"template-{command}", root)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def report_markdown(report: Report, title: str) -> str:
    """A pull-request comment: a summary line and one table row per finding."""
    lines = [f"### accessproof: {title}", ""]
    total = len(report.blocking) + len(report.non_blocking)
    if total == 0:
        lines.append("No findings.")
        return "\n".join(lines) + "\n"
    lines.append(f"**{len(report.blocking)} blocking**, {len(report.non_blocking)} non-blocking finding(s).")
    lines.append("")
    lines.append("| | Type | Code | Resource | Policy | Where | Message |")
    lines.append("| --- | --- | --- | --- | --- | --- | --- |")
    for finding, mark in [(f, "❌") for f in report.blocking] + [(f, "⚠️") for f in report.non_blocking]:
        where = f"`{finding.file}:{finding.line}`" if finding.line else f"`{finding.file}`"
        lines.append(f"| {mark} | {finding.findingType} | `{finding.code}` | {_cell(finding.resourceName)} | "
                     f"{_cell(finding.policyName)} | {where} | {_cell(finding.message)} |")
    return "\n".join(lines) + "\n"


def report_text(report: Report) -> str:
    lines = []
    for finding, kind in [(f, "BLOCKING") for f in report.blocking] + [(f, "non-blocking") for f in report.non_blocking]:
        lines.append(f"{finding.file}:{finding.line}: {kind} {finding.findingType} {finding.code} "
                     f"{finding.resourceName}/{finding.policyName}: {finding.message}")
    if not lines:
        lines.append("No findings.")
    return "\n".join(lines)
