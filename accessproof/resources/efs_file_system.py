"""AWS::EFS::FileSystem — the file system policy (``aws efs describe-file-system-policy``).

Actions are ``elasticfilesystem:ClientMount``, ``ClientWrite``, ``ClientRootAccess``; mount
targets and security groups (network reachability) are not part of the analysis.
"""

from __future__ import annotations

from typing import Callable, Optional

from ..inventory.model import EFS_FILE_SYSTEM, EfsFileSystem
from .base import SourcedStatement
from .policy_only import policy_statements

RESOURCE_TYPE = EFS_FILE_SYSTEM
SERVICE_PREFIXES = ("elasticfilesystem",)


def arn(file_system: EfsFileSystem) -> str:
    return file_system.arn


def request_resources(file_system: EfsFileSystem) -> tuple[str, ...]:
    return (file_system.arn,)


def statements(file_system: EfsFileSystem, policy_is_public: Optional[Callable[[str], bool]] = None) -> list[SourcedStatement]:
    return policy_statements(file_system, "file system policy")
