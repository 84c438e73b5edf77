"""AWS Region codes (commercial, China, GovCloud, ISO partitions).

Source: AWS General Reference, "AWS Regions" / "Region names and codes". Used to validate
Region values in conditions (``aws:RequestedRegion``).
"""

from __future__ import annotations

from ..policy.wildcards import compile_wildcard, has_wildcard

REGIONS: frozenset[str] = frozenset({
    # aws
    "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    "af-south-1",
    "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-6", "ap-southeast-7",
    "ca-central-1", "ca-west-1",
    "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "eu-south-1", "eu-south-2", "eu-north-1",
    "il-central-1", "me-south-1", "me-central-1",
    "mx-central-1", "sa-east-1",
    # aws-cn
    "cn-north-1", "cn-northwest-1",
    # aws-us-gov
    "us-gov-east-1", "us-gov-west-1",
    # aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc
    "us-iso-east-1", "us-iso-west-1", "us-isob-east-1", "us-isob-west-1",
    "eu-isoe-west-1", "us-isof-south-1", "us-isof-east-1", "eusc-de-east-1",
})


def is_region(value: str) -> bool:
    return value.lower() in REGIONS


def region_pattern_matches(pattern: str) -> bool:
    """Does a value (possibly with ``*``/``?`` wildcards) name at least one known Region?"""
    if not has_wildcard(pattern):
        return is_region(pattern)
    matches = compile_wildcard(pattern.lower()).matches
    return any(matches(r) for r in REGIONS)
