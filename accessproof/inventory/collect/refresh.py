"""Re-reading one resource of a collected snapshot in place (the monitor, after a permission change).

``refresh(ctx, target, snapshot_root)`` reads the resource as a full collection would and swaps its
directory in (or removes it: the resource is gone). ``load_resources(snapshot_root, directory)`` loads
what that directory describes, through the snapshot loader itself, without reading the rest of the
snapshot: a copy of the account's files and of that one directory is loaded as a snapshot of its own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional, Sequence

from ..load import load_snapshot
from ..model import Snapshot
from .account import write_files
from .base import RegionContext, ResourceGone, ResourceRef, Responses
from .registry import BY_TYPE

# Account- and Region-level files a resource's meaning depends on (S3 Block Public Access of the
# account, EBS snapshot block public access of the Region).
SHARED_FILES = ("account.json", "s3control/get-public-access-block.json", "s3control/get-public-access-block.error",
                "ec2/get-snapshot-block-public-access-state.json", "ec2/get-snapshot-block-public-access-state.error")


@contextmanager
def _scratch(snapshot_root: Path) -> Iterator[Path]:
    """A directory beside the snapshot (same file system, so renames are atomic; outside it, since
    the loader refuses names it does not know)."""
    path = Path(tempfile.mkdtemp(prefix=".accessproof-", dir=snapshot_root.parent))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def replace_directory(snapshot_root: Path, directory: Sequence[str], responses: Optional[Responses]) -> None:
    """Put ``responses`` at ``directory`` of the snapshot (None: remove it), in one rename."""
    target = snapshot_root.joinpath(*directory)
    with _scratch(snapshot_root) as scratch:
        if responses is not None:
            built = scratch / "new"
            built.mkdir()
            write_files(built, responses.files)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                os.replace(target, scratch / f"old-{uuid.uuid4().hex[:8]}")
            os.replace(built, target)
        elif target.exists():
            os.replace(target, scratch / "gone")


def refresh(ctx: RegionContext, target: ResourceRef, snapshot_root: Path) -> bool:
    """Re-read ``target`` into the snapshot. Returns whether it exists. ``CallFailed`` leaves the
    snapshot as it was."""
    module = BY_TYPE[target.resource_type]
    try:
        responses = module.collect(ctx, target)
    except ResourceGone:
        replace_directory(snapshot_root, target.directory, None)
        return False
    replace_directory(snapshot_root, target.directory, responses)
    return True


def load_resources(snapshot_root: Path, directory: Sequence[str]) -> Snapshot:
    """A snapshot of the resources the snapshot's ``directory`` describes (none if it does not exist)
    with the account's files, loaded by the loader. ``origin`` names the directory as in a load of the
    whole snapshot."""
    source = snapshot_root.joinpath(*directory)
    with _scratch(snapshot_root) as scratch:
        mini = scratch / snapshot_root.name
        mini.mkdir()
        for name in SHARED_FILES:
            if (snapshot_root / name).is_file():
                (mini / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(snapshot_root / name, mini / name)
        if source.is_dir():
            shutil.copytree(source, mini.joinpath(*directory))
        return load_snapshot(mini)
