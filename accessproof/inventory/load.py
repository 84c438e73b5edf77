"""``load_snapshot(path)``: read and validate a snapshot directory (format: docs/snapshot.md).

Every file and directory under the snapshot is either understood or reported: an unknown name,
a missing required file or field, malformed JSON (with line and column), a value of the wrong
type, or an identifier that disagrees with its directory raises ``SnapshotError`` naming the
file. Nothing is skipped silently.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Union
from urllib.parse import unquote

from ..untrusted import excerpt
from .account import ACCOUNT_FILE, checked_account_id, load_account
from .activity import ACTIVITY_IAM_DIRECTORIES, ACTIVITY_IAM_FILES, ACTIVITY_TOP_LEVEL
from .errors import SnapshotError
from .jsonread import (
    boolean, check_snapshot_tree, field_value, list_field, obj_field, objects_of, optional_string, policy_document, read_object, string,
    strings_of,
)
from .model import (
    ACL_GROUPS, FUNCTION_URL_AUTH_TYPES, OBJECT_OWNERSHIP_SETTINGS, SECRETS_MANAGER_MANAGED_KEY,
    SNAPSHOT_BLOCK_PUBLIC_ACCESS_STATES, AccessPoint, Account, AclGrant, DynamoDbStream, DynamoDbTable, Ec2Snapshot,
    EcrRepository, EfsFileSystem, FunctionUrl, IamRole, KmsGrant, KmsKey, LambdaFunction, LambdaLayerVersion,
    PublicAccessBlock, QualifierPolicy, RdsDbClusterSnapshot, RdsDbSnapshot, Resource, S3Bucket, S3DirectoryBucket,
    SecretsManagerSecret, Snapshot, SnsTopic, SqsQueue,
)
from .responses import error_name, read_error

ACL_PERMISSIONS = frozenset({"READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"})
GRANTEE_TYPES = frozenset({"CanonicalUser", "Group", "AmazonCustomerByEmail"})


@dataclass(frozen=True)
class _Context:
    root: Path
    account: Account
    account_public_access_block: Optional[PublicAccessBlock]

    def origin(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    @property
    def prefix(self) -> str:
        """``arn:<partition>:`` ."""
        return f"arn:{self.account.partition}:"


def load_snapshot(path: Union[str, Path]) -> Snapshot:
    """Load and validate the snapshot directory at ``path``."""
    root = Path(path)
    if not root.exists():
        raise SnapshotError(root, "no such snapshot directory")
    if not root.is_dir():
        raise SnapshotError(root, "a snapshot is a directory (with account.json), not a file")
    check_snapshot_tree(root)
    account = load_account(root / ACCOUNT_FILE)
    entries = {entry.name: entry for entry in root.iterdir()}
    for name, entry in sorted(entries.items()):
        if name == ACCOUNT_FILE or (name in ACTIVITY_TOP_LEVEL and entry.is_dir()):
            continue  # activity data (CloudTrail logs), read by inventory.activity
        if name not in SERVICE_LOADERS:
            kind = "directory" if entry.is_dir() else "file"
            raise SnapshotError(entry, f"unknown {kind}; a snapshot holds {ACCOUNT_FILE} and the directories "
                                       f"{', '.join(sorted(SERVICE_LOADERS))}")
        if not entry.is_dir():
            raise SnapshotError(entry, "expected a directory")
    account_bpa = None
    if "s3control" in entries:
        account_bpa = _load_s3control(entries["s3control"])
    ctx = _Context(root, account, account_bpa)
    resources: list[Resource] = []
    for name in sorted(entries):
        if name in SERVICE_LOADERS and SERVICE_LOADERS[name] is not None:
            resources.extend(SERVICE_LOADERS[name](ctx, entries[name]))
    resources.sort(key=lambda r: (r.resource_type, r.arn))
    seen: dict[str, Resource] = {}
    for r in resources:
        if r.arn in seen:
            raise SnapshotError(root / r.origin, f"resource {r.arn} is also described by {seen[r.arn].origin}")
        seen[r.arn] = r
    return Snapshot(str(root), account, tuple(resources), account_bpa)


# ---------------------------------------------------------------------------- helpers


def _entries(directory: Path) -> list[tuple[str, Path, bool]]:
    """(name, path, is a directory) of each entry, sorted by name (one scandir, no extra stat)."""
    with os.scandir(directory) as it:
        found = [(e.name, Path(e.path), e.is_dir()) for e in it]
    return sorted(found)


def _subdirectories(directory: Path) -> list[Path]:
    """The subdirectories of ``directory``, sorted; any plain file there is an error."""
    out = []
    for _, path, is_dir in _entries(directory):
        if not is_dir:
            raise SnapshotError(path, f"unexpected file; {directory.name}/ holds one directory per resource")
        out.append(path)
    return out


def _expect_entries(directory: Path, files: frozenset[str], dirs: frozenset[str] = frozenset(),
                    required: frozenset[str] = frozenset()) -> dict[str, Path]:
    """The known entries of ``directory``; unknown names and missing required files are errors."""
    found: dict[str, Path] = {}
    for name, path, is_dir in _entries(directory):
        expected_dir = name in dirs
        if name not in files and not expected_dir:
            kind = "directory" if is_dir else "file"
            allowed = ", ".join(sorted(files) + [d + "/" for d in sorted(dirs)])
            raise SnapshotError(path, f"unknown {kind}; expected {allowed or 'nothing'}")
        if expected_dir != is_dir:
            raise SnapshotError(path, "expected a directory" if expected_dir else "expected a file")
        found[name] = path
    for name in sorted(required):
        if name not in found:
            raise SnapshotError(directory / name, "missing required file")
    return found


@dataclass(frozen=True)
class _Responses:
    """A resource directory's responses: ``files`` the readable ones (and the expected
    subdirectories), ``denied`` the ones AWS refused (``"<file>: <code>"``, from their
    ``.error``), ``absent`` those whose ``.error`` says there is no such configuration."""

    files: dict[str, Path]
    denied: tuple[str, ...] = ()
    absent: frozenset[str] = frozenset()


def _expect_responses(ctx: "_Context", directory: Path, files: frozenset[str], dirs: frozenset[str] = frozenset(),
                      required: frozenset[str] = frozenset()) -> _Responses:
    """Like ``_expect_entries``, where each response ``X.json`` may instead be the AWS CLI's error
    ``X.error`` (``responses``): a refusal is recorded as unreadable, a "no such ..." is as no
    file. A required response is satisfied by its file or by a refusal."""
    found = _expect_entries(directory, files | {error_name(f) for f in files}, dirs)
    readable: dict[str, Path] = {name: path for name, path in found.items() if name in dirs}
    denied: list[str] = []
    absent: set[str] = set()
    refused: set[str] = set()
    for name in sorted(files):
        response, error_file = found.get(name), found.get(error_name(name))
        if response is not None and error_file is not None:
            raise SnapshotError(error_file, f"both {name} and its error: keep the outcome of the last call")
        if error_file is not None:
            error = read_error(error_file)
            if error.denied:
                denied.append(error.describe(ctx.root))
                refused.add(name)
            else:
                absent.add(name)
        elif response is not None:
            readable[name] = response
    for name in sorted(required):
        if name not in readable and name not in refused:
            raise SnapshotError(directory / name, "missing required file (or its .error, when AWS refused the call)")
    return _Responses(readable, tuple(denied), frozenset(absent))


def _policy_field(path: Path, key: str, container: Optional[dict] = None, where: str = "") -> Optional[str]:
    """The policy string at ``key`` of the file's object (or of ``container``), if present."""
    data = container if container is not None else read_object(path)
    value = data.get(key)
    if value is None:
        return None
    name = f"{where}.{key}" if where else key
    return policy_document(value, path, name)


def _only_policy(path: Optional[Path], key: str = "Policy") -> Optional[str]:
    """The policy of a ``{"Policy": "..."}`` response file; None when there is no such file."""
    if path is None:
        return None
    data = read_object(path)
    string(data, key, path)
    return _policy_field(path, key, data)


def _public_access_block(config: dict, path: Path, where: str) -> PublicAccessBlock:
    return PublicAccessBlock(
        block_public_acls=boolean(config, "BlockPublicAcls", path, where),
        ignore_public_acls=boolean(config, "IgnorePublicAcls", path, where),
        block_public_policy=boolean(config, "BlockPublicPolicy", path, where),
        restrict_public_buckets=boolean(config, "RestrictPublicBuckets", path, where),
    )


def _public_access_block_file(path: Path) -> PublicAccessBlock:
    data = read_object(path)
    config = obj_field(data, "PublicAccessBlockConfiguration", path)
    assert config is not None
    return _public_access_block(config, path, "PublicAccessBlockConfiguration")


def _label(directory: Path) -> str:
    """A resource name from its directory name; ``%2F`` spells a ``/`` (percent-encoding)."""
    return unquote(directory.name)


# -------------------------------------------------------------------------------- IAM


AUTHORIZATION_DETAILS = "get-account-authorization-details.json"


def _load_iam(ctx: _Context, directory: Path) -> list[Resource]:
    # The activity files (docs/activity.md) live beside the authorization details; the unused
    # access analyzer reads them (inventory.activity), the external access analyzer ignores them.
    files = _expect_entries(directory, frozenset({AUTHORIZATION_DETAILS}) | ACTIVITY_IAM_FILES,
                            dirs=ACTIVITY_IAM_DIRECTORIES, required=frozenset({AUTHORIZATION_DETAILS}))
    path = files[AUTHORIZATION_DETAILS]
    data = read_object(path)
    if data.get("IsTruncated") is True:
        raise SnapshotError(path, "the output is truncated (IsTruncated is true): let the AWS CLI paginate, "
                                  "without --max-items", "IsTruncated")
    roles = objects_of(list_field(data, "RoleDetailList", path) or [], path, "RoleDetailList")
    out: list[Resource] = []
    for i, role in enumerate(roles):
        where = f"RoleDetailList[{i}]"
        arn = string(role, "Arn", path, where)
        m = re.match(r"^arn:[a-z-]+:iam::(\d{12}):role/", arn)
        if not m:
            raise SnapshotError(path, f"expected an IAM role ARN, found {excerpt(arn)}", f"{where}.Arn")
        if m.group(1) != ctx.account.account_id:
            raise SnapshotError(path, f"role of account {m.group(1)}, but the snapshot is of account "
                                      f"{ctx.account.account_id}", f"{where}.Arn")
        if "AssumeRolePolicyDocument" not in role:
            raise SnapshotError(path, "missing required field", f"{where}.AssumeRolePolicyDocument")
        trust = policy_document(role["AssumeRolePolicyDocument"], path, f"{where}.AssumeRolePolicyDocument")
        out.append(IamRole(
            arn=arn, account_id=ctx.account.account_id, origin=f"{ctx.origin(path)}#{where}",
            name=string(role, "RoleName", path, where), path=string(role, "Path", path, where),
            role_id=string(role, "RoleId", path, where), trust_policy=trust,
        ))
    return out


# --------------------------------------------------------------------------------- S3


def _load_s3control(directory: Path) -> Optional[PublicAccessBlock]:
    name = "get-public-access-block.json"
    files = _expect_entries(directory, frozenset({name}))
    return _public_access_block_file(files[name]) if name in files else None


S3_BUCKET_FILES = frozenset({"get-bucket-policy.json", "get-bucket-acl.json", "get-public-access-block.json",
                             "list-access-points.json", "get-bucket-ownership-controls.json"})
ACCESS_POINT_FILES = frozenset({"get-access-point.json", "get-access-point-policy.json"})


def _load_s3(ctx: _Context, directory: Path) -> list[Resource]:
    return [_load_bucket(ctx, d) for d in _subdirectories(directory)]


def _load_bucket(ctx: _Context, directory: Path) -> S3Bucket:
    name = directory.name
    responses = _expect_responses(ctx, directory, S3_BUCKET_FILES, dirs=frozenset({"access-points"}))
    files = responses.files
    owner_id, grants = _bucket_acl(files.get("get-bucket-acl.json"))
    bpa = _public_access_block_file(files["get-public-access-block.json"]) \
        if "get-public-access-block.json" in files else None
    access_points, denied = _access_points(ctx, name, files.get("list-access-points.json"), files.get("access-points"))
    return S3Bucket(
        arn=f"{ctx.prefix}s3:::{name}", account_id=ctx.account.account_id, origin=ctx.origin(directory),
        unreadable=responses.denied + denied,
        name=name, policy=_only_policy(files.get("get-bucket-policy.json")),
        acl_owner_id=owner_id, acl_grants=grants, public_access_block=bpa,
        account_public_access_block=ctx.account_public_access_block, access_points=access_points,
        object_ownership=_object_ownership(files.get("get-bucket-ownership-controls.json")),
    )


def _object_ownership(path: Optional[Path]) -> Optional[str]:
    """``OwnershipControls.Rules[0].ObjectOwnership`` of get-bucket-ownership-controls."""
    if path is None:
        return None
    data = read_object(path)
    controls = obj_field(data, "OwnershipControls", path)
    assert controls is not None
    rules = objects_of(list_field(controls, "Rules", path, "OwnershipControls") or [], path, "OwnershipControls.Rules")
    if len(rules) != 1:
        raise SnapshotError(path, f"expected exactly one rule (S3 keeps one), found {len(rules)}",
                            "OwnershipControls.Rules")
    setting = string(rules[0], "ObjectOwnership", path, "OwnershipControls.Rules[0]")
    if setting not in OBJECT_OWNERSHIP_SETTINGS:
        raise SnapshotError(path, f"unknown setting {excerpt(setting)}; expected one of "
                                  f"{', '.join(sorted(OBJECT_OWNERSHIP_SETTINGS))}",
                            "OwnershipControls.Rules[0].ObjectOwnership")
    return setting


def _bucket_acl(path: Optional[Path]) -> tuple[Optional[str], tuple[AclGrant, ...]]:
    if path is None:
        return None, ()
    data = read_object(path)
    owner = obj_field(data, "Owner", path)
    assert owner is not None
    owner_id = string(owner, "ID", path, "Owner")
    grants = []
    for i, grant in enumerate(objects_of(list_field(data, "Grants", path) or [], path, "Grants")):
        where = f"Grants[{i}]"
        permission = string(grant, "Permission", path, where)
        if permission not in ACL_PERMISSIONS:
            raise SnapshotError(path, f"unknown permission {excerpt(permission)}; expected one of "
                                      f"{', '.join(sorted(ACL_PERMISSIONS))}", f"{where}.Permission")
        grantee = obj_field(grant, "Grantee", path, where)
        assert grantee is not None
        gwhere = f"{where}.Grantee"
        kind = string(grantee, "Type", path, gwhere)
        if kind not in GRANTEE_TYPES:
            raise SnapshotError(path, f"unknown grantee type {excerpt(kind)}; expected one of "
                                      f"{', '.join(sorted(GRANTEE_TYPES))}", f"{gwhere}.Type")
        grantee_id = optional_string(grantee, "ID", path, gwhere)
        uri = optional_string(grantee, "URI", path, gwhere)
        email = optional_string(grantee, "EmailAddress", path, gwhere)
        if kind == "CanonicalUser" and grantee_id is None:
            raise SnapshotError(path, "missing required field for a CanonicalUser grantee", f"{gwhere}.ID")
        if kind == "Group" and uri is None:
            raise SnapshotError(path, "missing required field for a Group grantee", f"{gwhere}.URI")
        if kind == "Group" and uri not in ACL_GROUPS:
            raise SnapshotError(path, f"unknown S3 group {excerpt(uri)}; expected one of {', '.join(sorted(ACL_GROUPS))}",
                                f"{gwhere}.URI")
        if kind == "AmazonCustomerByEmail" and email is None and grantee_id is None:
            raise SnapshotError(path, "missing EmailAddress (or ID) for an AmazonCustomerByEmail grantee",
                                f"{gwhere}.EmailAddress")
        grants.append(AclGrant(permission, kind, grantee_id, uri, email))
    return owner_id, tuple(grants)


def _access_points(ctx: _Context, bucket: str, listing: Optional[Path],
                   directory: Optional[Path]) -> tuple[tuple[AccessPoint, ...], tuple[str, ...]]:
    """The bucket's access points, and the access point responses AWS refused."""
    listed: dict[str, dict[str, Any]] = {}
    if listing is not None:
        data = read_object(listing)
        for i, entry in enumerate(objects_of(list_field(data, "AccessPointList", listing) or [], listing,
                                             "AccessPointList")):
            where = f"AccessPointList[{i}]"
            name = string(entry, "Name", listing, where)
            entry_bucket = string(entry, "Bucket", listing, where)
            if entry_bucket != bucket:
                raise SnapshotError(listing, f"access point {excerpt(name)} belongs to bucket {excerpt(entry_bucket)}, not to "
                                             f"{excerpt(bucket)} (run list-access-points with --bucket {bucket})",
                                    f"{where}.Bucket")
            listed[name] = {"entry": entry, "where": where}
    details: dict[str, Path] = {}
    if directory is not None:
        for ap_dir in _subdirectories(directory):
            if ap_dir.name not in listed:
                raise SnapshotError(ap_dir, f"access point {excerpt(ap_dir.name)} is not in "
                                            f"{'list-access-points.json' if listing else 'a list-access-points.json'}"
                                            " of the bucket")
            details[ap_dir.name] = ap_dir
    out = []
    denied: list[str] = []
    for name, item in sorted(listed.items()):
        assert listing is not None
        entry, where = item["entry"], item["where"]
        ap_dir = details.get(name)
        responses = _expect_responses(ctx, ap_dir, ACCESS_POINT_FILES) if ap_dir is not None else _Responses({})
        denied += responses.denied
        out.append(_access_point(ctx, name, entry, where, listing, responses.files))
    return tuple(out), tuple(denied)


def _access_point(ctx: _Context, name: str, entry: dict, where: str, listing: Path,
                  files: dict[str, Path]) -> AccessPoint:
    origin = string(entry, "NetworkOrigin", listing, where)
    if origin not in ("Internet", "VPC"):
        raise SnapshotError(listing, f"expected Internet or VPC, found {excerpt(origin)}", f"{where}.NetworkOrigin")
    vpc_id = None
    if origin == "VPC":
        vpc = obj_field(entry, "VpcConfiguration", listing, where)
        assert vpc is not None
        vpc_id = string(vpc, "VpcId", listing, f"{where}.VpcConfiguration")
    arn = optional_string(entry, "AccessPointArn", listing, where) or \
        f"{ctx.prefix}s3:{ctx.account.region}:{ctx.account.account_id}:accesspoint/{name}"
    m = re.match(r"^arn:[a-z-]+:s3:[a-z0-9-]+:(\d{12}):accesspoint/(.+)$", arn)
    if not m or m.group(2) != name:
        raise SnapshotError(listing, f"expected the ARN of access point {excerpt(name)}, found {excerpt(arn)}",
                            f"{where}.AccessPointArn")
    bpa = None
    if "get-access-point.json" in files:
        path = files["get-access-point.json"]
        data = read_object(path)
        if string(data, "Name", path) != name:
            raise SnapshotError(path, f"describes access point {excerpt(data['Name'])}, not {excerpt(name)}", "Name")
        config = obj_field(data, "PublicAccessBlockConfiguration", path, required=False)
        bpa = _public_access_block(config, path, "PublicAccessBlockConfiguration") if config is not None else None
    policy = _only_policy(files.get("get-access-point-policy.json"))
    return AccessPoint(name, arn, m.group(1), origin, vpc_id, policy, bpa)


def _load_s3express(ctx: _Context, directory: Path) -> list[Resource]:
    out: list[Resource] = []
    for bucket_dir in _subdirectories(directory):
        name = bucket_dir.name
        if not name.endswith("--x-s3"):
            raise SnapshotError(bucket_dir, "a directory bucket's name ends with --x-s3 "
                                            "(bucket-base-name--zone-id--x-s3)")
        responses = _expect_responses(ctx, bucket_dir, frozenset({"get-bucket-policy.json"}))
        out.append(S3DirectoryBucket(
            arn=f"{ctx.prefix}s3express:{ctx.account.region}:{ctx.account.account_id}:bucket/{name}",
            account_id=ctx.account.account_id, origin=ctx.origin(bucket_dir), unreadable=responses.denied, name=name,
            policy=_only_policy(responses.files.get("get-bucket-policy.json")),
        ))
    return out


# -------------------------------------------------------------------------------- KMS


def _load_kms(ctx: _Context, directory: Path) -> list[Resource]:
    out: list[Resource] = []
    for key_dir in _subdirectories(directory):
        responses = _expect_responses(ctx, key_dir, frozenset({"get-key-policy.json", "list-grants.json"}),
                                      required=frozenset({"get-key-policy.json"}))
        key_id = key_dir.name
        out.append(KmsKey(
            arn=f"{ctx.prefix}kms:{ctx.account.region}:{ctx.account.account_id}:key/{key_id}",
            account_id=ctx.account.account_id, origin=ctx.origin(key_dir), unreadable=responses.denied, key_id=key_id,
            policy=_only_policy(responses.files.get("get-key-policy.json")),
            grants=_kms_grants(responses.files.get("list-grants.json")),
        ))
    return out


def _kms_grants(path: Optional[Path]) -> tuple[KmsGrant, ...]:
    if path is None:
        return ()
    data = read_object(path)
    if data.get("Truncated") is True:
        raise SnapshotError(path, "the output is truncated (Truncated is true): let the AWS CLI paginate",
                            "Truncated")
    out = []
    for i, grant in enumerate(objects_of(list_field(data, "Grants", path) or [], path, "Grants")):
        where = f"Grants[{i}]"
        operations = strings_of(list_field(grant, "Operations", path, where) or [], path, f"{where}.Operations")
        constraints = obj_field(grant, "Constraints", path, where, required=False) or {}
        out.append(KmsGrant(
            grant_id=string(grant, "GrantId", path, where),
            grantee_principal=string(grant, "GranteePrincipal", path, where),
            operations=operations,
            retiring_principal=optional_string(grant, "RetiringPrincipal", path, where),
            issuing_account=optional_string(grant, "IssuingAccount", path, where),
            name=optional_string(grant, "Name", path, where),
            encryption_context_equals=_context_pairs(constraints, "EncryptionContextEquals", path,
                                                     f"{where}.Constraints"),
            encryption_context_subset=_context_pairs(constraints, "EncryptionContextSubset", path,
                                                     f"{where}.Constraints"),
        ))
    return tuple(out)


def _context_pairs(constraints: dict, key: str, path: Path, where: str) -> Optional[tuple[tuple[str, str], ...]]:
    mapping = obj_field(constraints, key, path, where, required=False)
    if mapping is None:
        return None
    for k, v in mapping.items():
        if not isinstance(v, str):
            raise SnapshotError(path, "expected a string", f"{where}.{key}.{k}")
    return tuple(sorted(mapping.items()))


# ------------------------------------------------------------------ one-policy resources


def _single_file(ctx: _Context, directory: Path, name: str,
                 required: bool = False) -> tuple[Optional[Path], tuple[str, ...]]:
    """The one response of a resource directory (None: no such configuration), and whether AWS
    refused it (``"<file>: <code>"``)."""
    responses = _expect_responses(ctx, directory, frozenset({name}),
                                  required=frozenset({name}) if required else frozenset())
    return responses.files.get(name), responses.denied


LAMBDA_FUNCTION_FILES = frozenset({"get-policy.json", "get-function-url-config.json"})
URL_CONFIG = "get-function-url-config.json"
QUALIFIER = re.compile(r"^[a-zA-Z0-9$_-]{1,128}$")


def _load_lambda(ctx: _Context, directory: Path) -> list[Resource]:
    parts = _expect_entries(directory, frozenset(), dirs=frozenset({"functions", "layers"}))
    out: list[Resource] = []
    a = ctx.account
    if "functions" in parts:
        for fn_dir in _subdirectories(parts["functions"]):
            out.append(_load_function(ctx, fn_dir))
    if "layers" in parts:
        for layer_dir in _subdirectories(parts["layers"]):
            for version_dir in _subdirectories(layer_dir):
                if not version_dir.name.isdigit():
                    raise SnapshotError(version_dir, "expected a layer version number as the directory name")
                version = int(version_dir.name)
                path, denied = _single_file(ctx, version_dir, "get-layer-version-policy.json")
                out.append(LambdaLayerVersion(
                    arn=f"{ctx.prefix}lambda:{a.region}:{a.account_id}:layer:{layer_dir.name}:{version}",
                    account_id=a.account_id, origin=ctx.origin(version_dir), unreadable=denied, name=layer_dir.name,
                    version=version, policy=_only_policy(path),
                ))
    return out


def _load_function(ctx: _Context, fn_dir: Path) -> LambdaFunction:
    """A function: its policy and URL, and per alias or version (``qualifiers/<qualifier>/``) the
    same two responses (``--qualifier``)."""
    a = ctx.account
    arn = f"{ctx.prefix}lambda:{a.region}:{a.account_id}:function:{fn_dir.name}"
    responses = _expect_responses(ctx, fn_dir, LAMBDA_FUNCTION_FILES, dirs=frozenset({"qualifiers"}))
    denied = list(responses.denied)
    urls = _function_url(responses, None, arn)
    qualified: list[QualifierPolicy] = []
    if "qualifiers" in responses.files:
        for q_dir in _subdirectories(responses.files["qualifiers"]):
            qualifier = q_dir.name
            if not QUALIFIER.match(qualifier):
                raise SnapshotError(q_dir, "expected an alias name or version number as the directory name")
            q_responses = _expect_responses(ctx, q_dir, LAMBDA_FUNCTION_FILES)
            denied += q_responses.denied
            policy = _only_policy(q_responses.files.get("get-policy.json"))
            if policy is not None:
                qualified.append(QualifierPolicy(qualifier, policy))
            urls += _function_url(q_responses, qualifier, f"{arn}:{qualifier}")
    return LambdaFunction(arn=arn, account_id=a.account_id, origin=ctx.origin(fn_dir), unreadable=tuple(denied),
                          name=fn_dir.name, policy=_only_policy(responses.files.get("get-policy.json")),
                          qualifier_policies=tuple(qualified), function_urls=urls)


def _function_url(responses: _Responses, qualifier: Optional[str], arn: str) -> tuple[FunctionUrl, ...]:
    """What get-function-url-config says of one URL: its auth type, that there is none (its
    ``.error`` is ResourceNotFoundException), or nothing (no such file)."""
    if URL_CONFIG in responses.absent:
        return (FunctionUrl(qualifier, None),)
    path = responses.files.get(URL_CONFIG)
    if path is None:
        return ()
    data = read_object(path)
    found = optional_string(data, "FunctionArn", path)
    if found is not None and found != arn:
        raise SnapshotError(path, f"expected the URL of {arn}, found one of {excerpt(found)}", "FunctionArn")
    auth_type = string(data, "AuthType", path)
    if auth_type not in FUNCTION_URL_AUTH_TYPES:
        raise SnapshotError(path, f"unknown auth type {excerpt(auth_type)}; expected one of "
                                  f"{', '.join(sorted(FUNCTION_URL_AUTH_TYPES))}", "AuthType")
    return (FunctionUrl(qualifier, auth_type),)


def _attributes_policy(path: Optional[Path], arn_key: str) -> tuple[Optional[str], Optional[str]]:
    """(Policy, <arn_key>) of a get-queue-attributes / get-topic-attributes response."""
    if path is None:
        return None, None
    data = read_object(path)
    attributes = obj_field(data, "Attributes", path, required=False) or {}
    arn = optional_string(attributes, arn_key, path, "Attributes")
    if attributes.get("Policy") is not None:
        string(attributes, "Policy", path, "Attributes")
    return _policy_field(path, "Policy", attributes, "Attributes"), arn


def _load_sqs(ctx: _Context, directory: Path) -> list[Resource]:
    a = ctx.account
    out: list[Resource] = []
    for queue_dir in _subdirectories(directory):
        path, denied = _single_file(ctx, queue_dir, "get-queue-attributes.json")
        policy, arn = _attributes_policy(path, "QueueArn")
        expected = f"{ctx.prefix}sqs:{a.region}:{a.account_id}:{queue_dir.name}"
        if arn is not None and arn != expected:
            assert path is not None
            raise SnapshotError(path, f"expected {expected} (the queue of this directory), found {excerpt(arn)}",
                                "Attributes.QueueArn")
        out.append(SqsQueue(arn=expected, account_id=a.account_id, origin=ctx.origin(queue_dir), unreadable=denied,
                            name=queue_dir.name, policy=policy))
    return out


def _load_sns(ctx: _Context, directory: Path) -> list[Resource]:
    a = ctx.account
    out: list[Resource] = []
    for topic_dir in _subdirectories(directory):
        path, denied = _single_file(ctx, topic_dir, "get-topic-attributes.json")
        policy, arn = _attributes_policy(path, "TopicArn")
        expected = f"{ctx.prefix}sns:{a.region}:{a.account_id}:{topic_dir.name}"
        if arn is not None and arn != expected:
            assert path is not None
            raise SnapshotError(path, f"expected {expected} (the topic of this directory), found {excerpt(arn)}",
                                "Attributes.TopicArn")
        out.append(SnsTopic(arn=expected, account_id=a.account_id, origin=ctx.origin(topic_dir), unreadable=denied,
                            name=topic_dir.name, policy=policy))
    return out


def _load_secretsmanager(ctx: _Context, directory: Path) -> list[Resource]:
    a = ctx.account
    out: list[Resource] = []
    for secret_dir in _subdirectories(directory):
        responses = _expect_responses(ctx, secret_dir, SECRET_FILES)
        files = responses.files
        if not files:
            raise SnapshotError(secret_dir / "get-resource-policy.json", "missing required file: the secret's ARN is "
                                "read from get-resource-policy.json or describe-secret.json")
        identities = {file: _secret_identity(ctx, secret_dir, path) for file, path in sorted(files.items())}
        (first, (arn, name)), *others = identities.items()
        for file, other in others:
            if other != (arn, name):
                raise SnapshotError(files[file], f"describes secret {excerpt(other[1])} ({other[0]}), but {first} describes "
                                                 f"{excerpt(name)} ({arn})", "ARN")
        policy = None
        if "get-resource-policy.json" in files:
            policy = _policy_field(files["get-resource-policy.json"], "ResourcePolicy")
        out.append(SecretsManagerSecret(arn=arn, account_id=a.account_id, origin=ctx.origin(secret_dir),
                                        unreadable=responses.denied, name=name, policy=policy,
                                        kms_key_id=_secret_key(files.get("describe-secret.json"))))
    return out


SECRET_FILES = frozenset({"get-resource-policy.json", "describe-secret.json"})


def _secret_identity(ctx: _Context, secret_dir: Path, path: Path) -> tuple[str, str]:
    """(ARN, Name) of a get-resource-policy or describe-secret response, checked against the
    directory and the account."""
    a = ctx.account
    data = read_object(path)
    arn = string(data, "ARN", path)
    name = string(data, "Name", path)
    prefix = f"{ctx.prefix}secretsmanager:{a.region}:{a.account_id}:secret:"
    if not arn.startswith(prefix + name + "-"):
        raise SnapshotError(path, f"expected the ARN of secret {excerpt(name)} in {a.account_id}/{a.region} "
                                  f"({prefix}{name}-XXXXXX), found {excerpt(arn)}", "ARN")
    if _label(secret_dir) != name:
        raise SnapshotError(path, f"describes secret {excerpt(name)}, but the directory names "
                                  f"{excerpt(_label(secret_dir))} (write / as %2F)", "Name")
    return arn, name


def _secret_key(path: Optional[Path]) -> Optional[str]:
    """The key of describe-secret's ``KmsKeyId``; absent, the AWS managed key aws/secretsmanager
    ("If the secret is encrypted with the AWS managed key aws/secretsmanager, this field is
    omitted", Secrets Manager API Reference, DescribeSecret). No describe-secret: unknown."""
    if path is None:
        return None
    return optional_string(read_object(path), "KmsKeyId", path) or SECRETS_MANAGER_MANAGED_KEY


def _load_efs(ctx: _Context, directory: Path) -> list[Resource]:
    a = ctx.account
    out: list[Resource] = []
    for fs_dir in _subdirectories(directory):
        if not re.match(r"^fs-[0-9a-f]{8,40}$", fs_dir.name):
            raise SnapshotError(fs_dir, "expected a file system id (fs-...) as the directory name")
        path, denied = _single_file(ctx, fs_dir, "describe-file-system-policy.json")
        policy = None
        if path is not None:
            data = read_object(path)
            if string(data, "FileSystemId", path) != fs_dir.name:
                raise SnapshotError(path, f"describes file system {excerpt(data['FileSystemId'])}, not {excerpt(fs_dir.name)}",
                                    "FileSystemId")
            string(data, "Policy", path)
            policy = _policy_field(path, "Policy", data)
        out.append(EfsFileSystem(
            arn=f"{ctx.prefix}elasticfilesystem:{a.region}:{a.account_id}:file-system/{fs_dir.name}",
            account_id=a.account_id, origin=ctx.origin(fs_dir), unreadable=denied, name=fs_dir.name, policy=policy))
    return out


def _load_ecr(ctx: _Context, directory: Path) -> list[Resource]:
    a = ctx.account
    out: list[Resource] = []
    for repo_dir in _subdirectories(directory):
        name = _label(repo_dir)
        path, denied = _single_file(ctx, repo_dir, "get-repository-policy.json")
        policy = None
        if path is not None:
            data = read_object(path)
            if string(data, "repositoryName", path) != name:
                raise SnapshotError(path, f"describes repository {excerpt(data['repositoryName'])}, but the directory "
                                          f"names {excerpt(name)} (write / as %2F)", "repositoryName")
            registry = string(data, "registryId", path)
            if registry != a.account_id:
                raise SnapshotError(path, f"registry {excerpt(registry)} is not the snapshot's account {a.account_id}",
                                    "registryId")
            string(data, "policyText", path)
            policy = _policy_field(path, "policyText", data)
        out.append(EcrRepository(arn=f"{ctx.prefix}ecr:{a.region}:{a.account_id}:repository/{name}",
                                 account_id=a.account_id, origin=ctx.origin(repo_dir), unreadable=denied, name=name,
                                 policy=policy))
    return out


def _load_dynamodb(ctx: _Context, directory: Path) -> list[Resource]:
    a = ctx.account
    parts = _expect_entries(directory, frozenset(), dirs=frozenset({"tables", "streams"}))
    out: list[Resource] = []
    table_prefix = f"{ctx.prefix}dynamodb:{a.region}:{a.account_id}:table/"
    for table_dir in _subdirectories(parts["tables"]) if "tables" in parts else []:
        path, denied = _single_file(ctx, table_dir, "get-resource-policy.json")
        out.append(DynamoDbTable(arn=table_prefix + table_dir.name, account_id=a.account_id,
                                 origin=ctx.origin(table_dir), unreadable=denied, name=table_dir.name,
                                 policy=_only_policy(path)))
    for table_dir in _subdirectories(parts["streams"]) if "streams" in parts else []:
        for label_dir in _subdirectories(table_dir):
            arn = f"{table_prefix}{table_dir.name}/stream/{label_dir.name}"
            path, denied = _single_file(ctx, label_dir, "get-resource-policy.json")
            out.append(DynamoDbStream(arn=arn, account_id=a.account_id, origin=ctx.origin(label_dir), unreadable=denied,
                                      name=f"{table_dir.name}/stream/{label_dir.name}",
                                      table_name=table_dir.name, stream_label=label_dir.name,
                                      policy=_only_policy(path)))
    return out


# ---------------------------------------------------------------------- shared snapshots


EC2_FILES = frozenset({"get-snapshot-block-public-access-state.json"})
EBS_SNAPSHOT_FILES = frozenset({"describe-snapshot-attribute.json", "describe-snapshots.json"})


def _load_ec2(ctx: _Context, directory: Path) -> list[Resource]:
    a = ctx.account
    parts = _expect_responses(ctx, directory, EC2_FILES, dirs=frozenset({"snapshots"}))
    # The Region's block public access for snapshots; refused, it is unknown (not applied: more
    # access) and every snapshot says it could not be read.
    block_state = _snapshot_block_state(parts.files.get("get-snapshot-block-public-access-state.json"))
    out: list[Resource] = []
    for snap_dir in _subdirectories(parts.files["snapshots"]) if "snapshots" in parts.files else []:
        responses = _expect_responses(ctx, snap_dir, EBS_SNAPSHOT_FILES,
                                      required=frozenset({"describe-snapshot-attribute.json"}))
        path = responses.files.get("describe-snapshot-attribute.json")
        user_ids, groups = _create_volume_permissions(path, snap_dir.name) if path is not None else ((), ())
        encrypted, key = _ebs_encryption(responses.files.get("describe-snapshots.json"), snap_dir.name)
        # EBS snapshot ARNs have no account field: arn:aws:ec2:<region>::snapshot/<id>
        # (Service Authorization Reference, Amazon EC2, resource type "snapshot").
        out.append(Ec2Snapshot(arn=f"{ctx.prefix}ec2:{a.region}::snapshot/{snap_dir.name}", account_id=a.account_id,
                               origin=ctx.origin(snap_dir), unreadable=parts.denied + responses.denied,
                               snapshot_id=snap_dir.name, user_ids=user_ids, groups=groups, encrypted=encrypted,
                               kms_key_id=key, block_public_access=block_state))
    return out


def _create_volume_permissions(path: Path, snapshot_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(UserIds, Groups) of describe-snapshot-attribute --attribute createVolumePermission."""
    data = read_object(path)
    if string(data, "SnapshotId", path) != snapshot_id:
        raise SnapshotError(path, f"describes snapshot {excerpt(data['SnapshotId'])}, not {excerpt(snapshot_id)}", "SnapshotId")
    user_ids: list[str] = []
    groups: list[str] = []
    permissions = list_field(data, "CreateVolumePermissions", path)
    for i, permission in enumerate(objects_of(permissions or [], path, "CreateVolumePermissions")):
        where = f"CreateVolumePermissions[{i}]"
        group = optional_string(permission, "Group", path, where)
        user = optional_string(permission, "UserId", path, where)
        if (group is None) == (user is None):
            raise SnapshotError(path, "expected exactly one of Group and UserId", where)
        if group is not None:
            if group != "all":
                raise SnapshotError(path, f"the only group is 'all', found {excerpt(group)}", f"{where}.Group")
            groups.append(group)
        else:
            assert user is not None
            user_ids.append(checked_account_id(user, path, f"{where}.UserId"))
    return tuple(user_ids), tuple(groups)


def _only_item(path: Path, list_key: str, id_key: str, identifier: str) -> dict[str, Any]:
    """The one element of a describe-* response list, checked to describe ``identifier``
    (``aws ec2 describe-snapshots --snapshot-ids <id>``, ``aws rds describe-db-snapshots
    --db-snapshot-identifier <id>``, ...)."""
    data = read_object(path)
    items = objects_of(list_field(data, list_key, path) or [], path, list_key)
    if len(items) != 1:
        raise SnapshotError(path, f"expected exactly one snapshot (run the command for {excerpt(identifier)} alone), "
                                  f"found {len(items)}", list_key)
    found = string(items[0], id_key, path, f"{list_key}[0]")
    if found != identifier:
        raise SnapshotError(path, f"describes snapshot {excerpt(found)}, not {excerpt(identifier)}", f"{list_key}[0].{id_key}")
    return items[0]


def _ebs_encryption(path: Optional[Path], snapshot_id: str) -> tuple[Optional[bool], Optional[str]]:
    if path is None:
        return None, None
    item = _only_item(path, "Snapshots", "SnapshotId", snapshot_id)
    encrypted = field_value(item, "Encrypted", bool, path, "Snapshots[0]")
    return encrypted, optional_string(item, "KmsKeyId", path, "Snapshots[0]")


def _snapshot_block_state(path: Optional[Path]) -> Optional[str]:
    if path is None:
        return None
    state = string(read_object(path), "State", path)
    if state not in SNAPSHOT_BLOCK_PUBLIC_ACCESS_STATES:
        raise SnapshotError(path, f"unknown state {excerpt(state)}; expected one of "
                                  f"{', '.join(sorted(SNAPSHOT_BLOCK_PUBLIC_ACCESS_STATES))}", "State")
    return state


def _restore_values(path: Path, result_key: str, id_key: str, list_key: str, identifier: str) -> tuple[str, ...]:
    data = read_object(path)
    result = obj_field(data, result_key, path)
    assert result is not None
    found = string(result, id_key, path, result_key)
    if found != identifier:
        raise SnapshotError(path, f"describes snapshot {excerpt(found)}, not {excerpt(identifier)}", f"{result_key}.{id_key}")
    values: list[str] = []
    attributes = list_field(result, list_key, path, result_key) or []
    for i, attribute in enumerate(objects_of(attributes, path, f"{result_key}.{list_key}")):
        where = f"{result_key}.{list_key}[{i}]"
        if string(attribute, "AttributeName", path, where) != "restore":
            continue  # other attributes (none are documented today) do not grant access
        raw = list_field(attribute, "AttributeValues", path, where) or []
        for j, value in enumerate(strings_of(raw, path, f"{where}.AttributeValues")):
            if value != "all":
                checked_account_id(value, path, f"{where}.AttributeValues[{j}]")
            values.append(value)
    return tuple(values)


@dataclass(frozen=True)
class _RdsKind:
    """The responses of one kind of RDS snapshot."""

    attributes_file: str
    attributes_result: str
    attributes_id: str
    attributes_list: str
    describe_file: str
    describe_list: str
    describe_id: str
    encrypted_field: str


_DB_SNAPSHOT = _RdsKind("describe-db-snapshot-attributes.json", "DBSnapshotAttributesResult", "DBSnapshotIdentifier",
                        "DBSnapshotAttributes", "describe-db-snapshots.json", "DBSnapshots", "DBSnapshotIdentifier",
                        "Encrypted")
_DB_CLUSTER_SNAPSHOT = _RdsKind(
    "describe-db-cluster-snapshot-attributes.json", "DBClusterSnapshotAttributesResult", "DBClusterSnapshotIdentifier",
    "DBClusterSnapshotAttributes", "describe-db-cluster-snapshots.json", "DBClusterSnapshots",
    "DBClusterSnapshotIdentifier", "StorageEncrypted")


def _rds_snapshot(ctx: _Context, snap_dir: Path, kind: _RdsKind) -> dict[str, Any]:
    """The fields of an RDS snapshot resource: sharing, encryption, what could not be read."""
    responses = _expect_responses(ctx, snap_dir, frozenset({kind.attributes_file, kind.describe_file}),
                                  required=frozenset({kind.attributes_file}))
    path = responses.files.get(kind.attributes_file)
    restore = _restore_values(path, kind.attributes_result, kind.attributes_id, kind.attributes_list,
                              snap_dir.name) if path is not None else ()
    encrypted, key = None, None
    described = responses.files.get(kind.describe_file)
    if described is not None:
        item = _only_item(described, kind.describe_list, kind.describe_id, snap_dir.name)
        encrypted = field_value(item, kind.encrypted_field, bool, described, f"{kind.describe_list}[0]")
        key = optional_string(item, "KmsKeyId", described, f"{kind.describe_list}[0]")
    return {"account_id": ctx.account.account_id, "origin": ctx.origin(snap_dir), "unreadable": responses.denied,
            "identifier": snap_dir.name, "restore": restore, "encrypted": encrypted, "kms_key_id": key}


def _load_rds(ctx: _Context, directory: Path) -> list[Resource]:
    a = ctx.account
    parts = _expect_entries(directory, frozenset(), dirs=frozenset({"db-snapshots", "db-cluster-snapshots"}))
    out: list[Resource] = []
    for snap_dir in _subdirectories(parts["db-snapshots"]) if "db-snapshots" in parts else []:
        out.append(RdsDbSnapshot(arn=f"{ctx.prefix}rds:{a.region}:{a.account_id}:snapshot:{snap_dir.name}",
                                 **_rds_snapshot(ctx, snap_dir, _DB_SNAPSHOT)))
    for snap_dir in _subdirectories(parts["db-cluster-snapshots"]) if "db-cluster-snapshots" in parts else []:
        out.append(RdsDbClusterSnapshot(arn=f"{ctx.prefix}rds:{a.region}:{a.account_id}:cluster-snapshot:{snap_dir.name}",
                                        **_rds_snapshot(ctx, snap_dir, _DB_CLUSTER_SNAPSHOT)))
    return out


ServiceLoader = Callable[[_Context, Path], list[Resource]]

# The top-level directories; ``s3control`` (account-level settings) is read before the others.
SERVICE_LOADERS: dict[str, Optional[ServiceLoader]] = {
    "iam": _load_iam,
    "s3control": None,
    "s3": _load_s3,
    "s3express": _load_s3express,
    "kms": _load_kms,
    "lambda": _load_lambda,
    "sqs": _load_sqs,
    "sns": _load_sns,
    "secretsmanager": _load_secretsmanager,
    "efs": _load_efs,
    "ecr": _load_ecr,
    "ec2": _load_ec2,
    "rds": _load_rds,
    "dynamodb": _load_dynamodb,
}
