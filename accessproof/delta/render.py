"""The access delta as text (for a terminal) and as Markdown tables (for a pull request)."""

from __future__ import annotations

import json

from .compare import DeltaReport
from .core import Side


def _witness(w: dict) -> str:
    return f"{w['principal']} → {w['action']} on {w['resource']}"


def _side_lines(title: str, side: Side) -> list[str]:
    if not side.actions and not side.unconfirmed and side.complete:
        return []
    lines = [f"  {title}: {len(side.actions)} action(s)"]
    for service, types in side.grouped().items():
        for resource_type, actions in types.items():
            names = ", ".join(a.action.partition(":")[2] for a in actions)
            lines.append(f"    {service} [{resource_type}]: {names}")
            lines.append(f"      e.g. {_witness(actions[0].witness)}")
    if side.unconfirmed:
        lines.append(f"    not confirmed by a replayed witness: {', '.join(side.unconfirmed)}")
    if not side.complete:
        lines.append("    INCOMPLETE: a condition could not be settled exactly; more actions may be concerned")
    return lines


def delta_text(report: DeltaReport) -> str:
    lines: list[str] = []
    for item in report.policies:
        lines.append(f"{item.name} ({item.delta.policy_type}, {item.file}:{item.line})")
        lines += _side_lines("newly allowed", item.delta.added)
        lines += _side_lines("no longer allowed", item.delta.removed)
        if item.delta.new_principals:
            lines.append(f"  new principals: {', '.join(item.delta.new_principals)}")
        if item.delta.removed_principals:
            lines.append(f"  removed principals: {', '.join(item.delta.removed_principals)}")
    for title, findings in (("new external access", report.new_external_access),
                            ("external access removed", report.resolved_external_access)):
        for f in findings:
            public = " (public)" if f.get("isPublic") else ""
            lines.append(f"{title}{public}: {json.dumps(f.get('principal'))} → {', '.join(f.get('action') or [])} "
                         f"on {f['resource']}")
    lines += [f"note: {n}" for n in report.notes]
    return "\n".join(lines) if lines else "No access change."


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def delta_markdown(report: DeltaReport) -> str:
    lines = ["### accessproof: access delta", ""]
    if not report.policies and not report.new_external_access and not report.resolved_external_access:
        lines.append("No access change.")
        return "\n".join(lines + [f"- note: {n}" for n in report.notes]) + "\n"
    lines.append(f"**{'Grants new access' if report.grants_new_access else 'No new access'}.**")
    for item in report.policies:
        lines += ["", f"#### `{_cell(item.name)}` ({item.delta.policy_type}, `{item.file}:{item.line}`)", ""]
        lines += ["| Change | Service | Resource type | Actions | Witness |", "| --- | --- | --- | --- | --- |"]
        for change, side in (("➕ allowed", item.delta.added), ("➖ removed", item.delta.removed)):
            for service, types in side.grouped().items():
                for resource_type, actions in types.items():
                    names = ", ".join(f"`{a.action.partition(':')[2]}`" for a in actions)
                    lines.append(f"| {change} | {service} | {resource_type} | {names} | "
                                 f"{_cell(_witness(actions[0].witness))} |")
        for title, side in (("newly allowed", item.delta.added), ("removed", item.delta.removed)):
            if not side.complete:
                lines.append(f"\n⚠️ The list of actions {title} may be incomplete: a condition could not be settled exactly.")
        if item.delta.new_principals:
            lines.append(f"\nNew principals: {', '.join(f'`{p}`' for p in item.delta.new_principals)}")
    if report.new_external_access or report.resolved_external_access:
        lines += ["", "#### External access", "", "| Change | Resource | Principal | Actions | Public |",
                  "| --- | --- | --- | --- | --- |"]
        for change, findings in (("new", report.new_external_access), ("resolved", report.resolved_external_access)):
            for f in findings:
                lines.append(f"| {change} | `{f['resource']}` | `{_cell(json.dumps(f.get('principal')))}` | "
                             f"{', '.join(f.get('action') or [])} | {'yes' if f.get('isPublic') else 'no'} |")
    lines += [f"- note: {n}" for n in report.notes]
    return "\n".join(lines) + "\n"
