"""Templates in: CloudFormation (JSON, YAML with short-form intrinsics, CDK ``cdk.out``) and
Terraform plans (``terraform show -json``) → the policies and access settings they would deploy.

``load_deployment(path, settings)`` reads a file (or a ``cdk.out`` directory: every
``*.template.json`` in it) through ``accessproof.untrusted``'s limits and returns a ``Deployment``;
``TemplateError`` (one line, ``file:line: message``) for a template that cannot be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

from ..untrusted import InputRefused, regular_files
from .cloudformation import SUPPORTED_TYPES as CLOUDFORMATION_TYPES, extract, looks_like_cloudformation
from .model import (
    IDENTITY_POLICY, KINDS, PERMISSIONS_BOUNDARY, RESOURCE_POLICY, TRUST_POLICY, BucketSettings, Deployment,
    ExtractedPolicy, Settings, Unresolved,
)
from .source import MAX_TEMPLATE_BYTES, TemplateError, line_of, parse_template_text, read_template_file
from .terraform import SUPPORTED_TYPES as TERRAFORM_TYPES, extract_plan, looks_like_plan

__all__ = [
    "CLOUDFORMATION_TYPES", "IDENTITY_POLICY", "KINDS", "MAX_TEMPLATE_BYTES", "PERMISSIONS_BOUNDARY",
    "RESOURCE_POLICY", "TERRAFORM_TYPES", "TRUST_POLICY", "BucketSettings", "Deployment", "ExtractedPolicy",
    "Settings", "TemplateError", "Unresolved", "load_deployment", "load_text",
]


def load_text(text: str, name: str, settings: Settings) -> Deployment:
    """The deployment described by ``text`` (a CloudFormation template or a Terraform plan)."""
    tree = parse_template_text(text, name)
    if looks_like_plan(tree):
        return extract_plan(tree, name, settings)
    if looks_like_cloudformation(tree):
        return extract(tree, name, settings)
    raise TemplateError(name, line_of(tree) or 1,
                        "neither a CloudFormation template (no Resources mapping) nor a Terraform plan "
                        "(no format_version and planned_values)")


def load_deployment(path: Union[str, Path], settings: Settings) -> Deployment:
    """The deployment of the template or plan at ``path``; a directory (``cdk.out``) merges every
    ``*.template.json`` below it."""
    path = Path(path)
    if path.is_dir():
        try:
            files = regular_files(path, include=lambda name: name.endswith(".template.json"))
        except InputRefused as e:
            raise TemplateError(e.name, None, e.reason) from None
        if not files:
            raise TemplateError(str(path), None, "a directory without *.template.json files (not a cdk.out)")
        parts = [load_text(read_template_file(f)[1], str(f), settings) for f in files]
        return Deployment(str(path), "cloudformation", tuple(p for d in parts for p in d.policies),
                          tuple(b for d in parts for b in d.buckets), tuple(u for d in parts for u in d.unresolved),
                          tuple(n for d in parts for n in d.notes))
    name, text = read_template_file(path)
    return load_text(text, name, settings)
