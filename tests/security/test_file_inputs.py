"""Hostile files, from the attacker's side: a snapshot or a policy directory from a pull request
with links out of it, link loops, FIFOs; a flood on standard input.

Every case must end in a one-line error (CLI exit status 2, or a ``SnapshotError`` /
``ValidationException``), without a traceback, without hanging, and without echoing what lies
outside the tree. Subprocesses have a generous timeout as a guard only: a hang is the failure.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import accessproof
from accessproof.inventory import SnapshotError, load_snapshot
from accessproof.inventory.activity import load_account_activity
from accessproof.inventory.organization import load_organization
from accessproof.inventory.responses import MAX_ERROR_BYTES, read_error
from accessproof.untrusted import MAX_DOCUMENT_BYTES, InputRefused, read_file, read_stream, regular_files, size_text

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "account"
EXAMPLE_UNUSED = ROOT / "examples" / "account-unused"
QUEUE_FILE = Path("sqs") / "orders-queue" / "get-queue-attributes.json"
SECRET = "TOPSECRET-not-for-ci-logs-4711"
GUARD_SECONDS = 120  # a guard against hanging, not a timing assertion


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "accessproof.cli.main", *args], input=stdin, capture_output=True,
                          cwd=ROOT, timeout=GUARD_SECONDS, env={**os.environ, "COLUMNS": "220"})


def assert_one_line_refusal(run: subprocess.CompletedProcess, *expected: str) -> str:
    stderr = run.stderr.decode()
    assert run.returncode == 2, (run.returncode, stderr)
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    for text in expected:
        assert text in stderr, stderr
    return stderr


@pytest.fixture
def snapshot(tmp_path) -> Path:
    copy = tmp_path / "pr" / "snapshot"
    shutil.copytree(EXAMPLE, copy)
    return copy


@pytest.fixture
def secret_file(tmp_path) -> Path:
    """A file outside the snapshot, shaped so that the loader would quote its value if it read it."""
    path = tmp_path / "outside" / "get-queue-attributes.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"Attributes": {"QueueArn": SECRET}}))
    return path


def replace_with_link(snapshot: Path, relative: Path, target: Path | str) -> Path:
    link = snapshot / relative
    link.unlink()
    link.symlink_to(target)
    return link


def test_the_secret_would_leak_if_the_file_were_read(snapshot, secret_file, tmp_path):
    # The control case: the same content *inside* the snapshot is quoted in the error, so the
    # next test's assertion that it is absent can fail.
    shutil.copy(secret_file, snapshot / QUEUE_FILE)
    with pytest.raises(SnapshotError, match=SECRET):
        load_snapshot(snapshot)


def test_link_to_a_secret_outside_is_refused_without_echoing_it(snapshot, secret_file, tmp_path):
    replace_with_link(snapshot, QUEUE_FILE, secret_file)
    run = cli("analyze", str(snapshot), "--database", f"sqlite:///{tmp_path / 'f.db'}")
    stderr = assert_one_line_refusal(run, str(snapshot / QUEUE_FILE), "symbolic link that leads out of")
    assert SECRET not in stderr + run.stdout.decode()
    assert str(secret_file) not in stderr  # not even where it points


@pytest.mark.skipif(not Path("/etc/passwd").is_file(), reason="no /etc/passwd on this system")
def test_link_to_etc_passwd_is_refused(snapshot, tmp_path):
    replace_with_link(snapshot, QUEUE_FILE, "/etc/passwd")
    run = cli("analyze", str(snapshot), "--database", f"sqlite:///{tmp_path / 'f.db'}")
    stderr = assert_one_line_refusal(run, "symbolic link that leads out of")
    assert "root:" not in stderr + run.stdout.decode()


def test_link_to_a_directory_outside_is_refused_before_listing_it(snapshot, tmp_path):
    outside = tmp_path / "outside-dir"
    (outside / "private-key-name.pem").parent.mkdir()
    (outside / "private-key-name.pem").write_text("x")
    (snapshot / "s3" / "mirror").symlink_to(outside, target_is_directory=True)
    with pytest.raises(SnapshotError) as e:
        load_snapshot(snapshot)
    assert "s3/mirror" in str(e.value) and "leads out of" in str(e.value)
    assert "private-key-name" not in str(e.value)


def test_links_inside_the_snapshot_are_followed(snapshot):
    # CHOICE (accessproof/untrusted.py): links to files and directories of the same snapshot are read.
    bucket = snapshot / "s3" / "example-public-website"
    (snapshot / "s3" / "website-copy").symlink_to(bucket.name, target_is_directory=True)
    arns = {r.arn for r in load_snapshot(snapshot).resources}
    assert {"arn:aws:s3:::example-public-website", "arn:aws:s3:::website-copy"} <= arns
    replace_with_link(snapshot, Path("sqs") / "partner-inbox" / "get-queue-attributes.json",
                      Path("..") / "orders-queue" / "get-queue-attributes.json")
    with pytest.raises(SnapshotError, match="partner-inbox .the queue of this directory., found .*orders-queue"):
        load_snapshot(snapshot)  # the link was read: its content names the other queue


def test_a_link_loop_is_a_clean_error(snapshot):
    link = replace_with_link(snapshot, QUEUE_FILE, "loop-b")
    (link.parent / "loop-b").symlink_to(link.name)
    with pytest.raises(SnapshotError, match="symbolic link loop"):
        load_snapshot(snapshot)


def test_a_directory_link_to_its_own_ancestor_is_a_loop(snapshot, tmp_path):
    (snapshot / "sqs" / "again").symlink_to("..", target_is_directory=True)
    run = cli("analyze", str(snapshot), "--database", f"sqlite:///{tmp_path / 'f.db'}")
    assert_one_line_refusal(run, "sqs/again", "symbolic link loop")


def test_a_dangling_link_is_a_clean_error(snapshot):
    replace_with_link(snapshot, QUEUE_FILE, "nothing-here.json")
    with pytest.raises(SnapshotError, match="symbolic link to nothing"):
        load_snapshot(snapshot)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_in_a_snapshot_is_refused_without_hanging(snapshot, tmp_path):
    (snapshot / QUEUE_FILE).unlink()
    os.mkfifo(snapshot / QUEUE_FILE)
    run = cli("analyze", str(snapshot), "--database", f"sqlite:///{tmp_path / 'f.db'}")
    assert_one_line_refusal(run, str(snapshot / QUEUE_FILE), "FIFO")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_in_the_unused_access_snapshot_is_refused_without_hanging(tmp_path):
    copy = tmp_path / "unused"
    shutil.copytree(EXAMPLE_UNUSED, copy)
    os.mkfifo(copy / "cloudtrail" / "later.json")  # read by the trail reader, not by the loader
    run = cli("analyze-unused", str(copy), "--database", f"sqlite:///{tmp_path / 'f.db'}", "--now", "2026-12-01")
    assert_one_line_refusal(run, "cloudtrail/later.json", "FIFO")


def test_unused_access_snapshot_with_a_link_out_of_the_trail_folder_is_refused(tmp_path, secret_file):
    copy = tmp_path / "unused"
    shutil.copytree(EXAMPLE_UNUSED, copy)
    (copy / "cloudtrail" / "stolen.json").symlink_to(secret_file)
    with pytest.raises(SnapshotError, match="leads out of"):
        load_account_activity(copy)


def test_an_organization_cannot_list_an_absolute_snapshot_path(tmp_path):
    organization = tmp_path / "org"
    shutil.copytree(ROOT / "examples" / "organization", organization)
    for name in ("account", "account-unused"):
        shutil.copytree(ROOT / "examples" / name, tmp_path / name)
    load_organization(organization)  # the relative listing works
    (organization / "accessproof-snapshots.json").write_text(json.dumps({"snapshots": [str(tmp_path / "account")]}))
    with pytest.raises(SnapshotError, match="relative to the organization folder"):
        load_organization(organization)


def test_a_listed_snapshot_with_a_link_out_is_refused_before_it_is_read(tmp_path, secret_file):
    organization = tmp_path / "org"
    shutil.copytree(ROOT / "examples" / "organization", organization)
    for name in ("account", "account-unused"):
        shutil.copytree(ROOT / "examples" / name, tmp_path / name)
    replace_with_link(tmp_path / "account", Path("account.json"), secret_file)
    with pytest.raises(SnapshotError, match="leads out of") as e:
        load_organization(organization)
    assert SECRET not in str(e.value)


def test_client_reports_a_bad_snapshot_as_a_validation_exception(snapshot, secret_file, tmp_path):
    replace_with_link(snapshot, QUEUE_FILE, secret_file)
    client = accessproof.client("accessanalyzer", snapshot=str(snapshot), database=f"sqlite:///{tmp_path / 'f.db'}")
    with pytest.raises(client.exceptions.ValidationException) as e:
        client.create_analyzer(analyzerName="external", type="ACCOUNT")
    assert "leads out of" in str(e.value) and SECRET not in str(e.value)


# ------------------------------------------------------- AWS CLI error responses (<command>.error)

DENIED_KEY = Path("kms") / "2468ace0-2468-ace0-2468-ace02468ace0" / "get-key-policy.error"
SECRET_CODE = "TOPSECRET_not_for_ci_logs_4711"  # shaped like an error code: the loader would quote it


@pytest.fixture
def secret_error(tmp_path) -> Path:
    """An AWS CLI error line outside the snapshot whose (unknown) code the loader would quote."""
    path = tmp_path / "outside-errors" / "get-key-policy.error"
    path.parent.mkdir()
    path.write_text(f"An error occurred ({SECRET_CODE}) when calling the GetKeyPolicy operation: {SECRET}\n")
    return path


def test_the_secret_error_code_would_leak_if_the_file_were_read(snapshot, secret_error):
    # The control case for the next test: inside the snapshot, the unknown code is quoted.
    shutil.copy(secret_error, snapshot / DENIED_KEY)
    with pytest.raises(SnapshotError, match=SECRET_CODE):
        load_snapshot(snapshot)


def test_error_response_linked_out_of_the_snapshot_is_refused_without_echoing_it(snapshot, secret_error, tmp_path):
    replace_with_link(snapshot, DENIED_KEY, secret_error)
    run = cli("analyze", str(snapshot), "--database", f"sqlite:///{tmp_path / 'f.db'}")
    stderr = assert_one_line_refusal(run, str(snapshot / DENIED_KEY), "symbolic link that leads out of")
    output = stderr + run.stdout.decode()
    assert SECRET_CODE not in output and SECRET not in output and str(secret_error) not in output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_error_response_that_is_a_fifo_is_refused_without_hanging(snapshot, tmp_path):
    (snapshot / DENIED_KEY).unlink()
    os.mkfifo(snapshot / DENIED_KEY)
    run = cli("analyze", str(snapshot), "--database", f"sqlite:///{tmp_path / 'f.db'}")
    assert_one_line_refusal(run, str(snapshot / DENIED_KEY), "FIFO")


def test_error_response_over_its_limit_is_refused_while_reading(snapshot, tmp_path):
    with (snapshot / DENIED_KEY).open("r+b") as f:
        f.truncate(64 * 1024 * 1024)  # sparse: the AWS CLI's line, then 64 MiB of zeros
    run = cli("analyze", str(snapshot), "--database", f"sqlite:///{tmp_path / 'f.db'}")
    assert_one_line_refusal(run, str(snapshot / DENIED_KEY), f"larger than the maximum of {size_text(MAX_ERROR_BYTES)}",
                            "not an AWS CLI error message")


def test_error_response_that_is_a_device_is_refused_without_being_read():
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero on this system")
    with pytest.raises(SnapshotError, match="a device, not a regular file"):
        read_error(Path("/dev/zero"))


def test_error_response_with_terminal_escapes_and_a_huge_code_is_one_short_line(snapshot):
    path = snapshot / DENIED_KEY
    path.write_bytes(b"\xff\x1b]0;owned\x07\x1b[2J An error occurred (" + b"A" * 50_000
                     + b") when calling the GetKeyPolicy operation: \x1b[31m" + SECRET.encode())
    with pytest.raises(SnapshotError) as e:
        load_snapshot(snapshot)
    message = str(e.value)
    assert "says neither that the call was refused" in message
    assert "\x1b" not in message and "\n" not in message and SECRET not in message
    assert len(message) < len(str(path)) + 400  # the code is quoted as a short excerpt, not 50,000 characters


# ------------------------------------------------------------------ policy files and directories


@pytest.mark.skipif(not Path("/etc/passwd").is_file(), reason="no /etc/passwd on this system")
def test_policy_directory_with_a_link_to_etc_passwd_is_refused(tmp_path):
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "ok.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    (policies / "evil.json").symlink_to("/etc/passwd")
    run = cli("validate-policy", str(policies), "--output", "text")
    stderr = assert_one_line_refusal(run, "evil.json", "leads out of")
    assert "root:" not in stderr + run.stdout.decode()


def test_policy_directory_ignores_links_it_does_not_read(tmp_path):
    # Only *.json files are policies: a virtualenv's link to /usr/bin/python does not stop a run.
    policies = tmp_path / "policies"
    (policies / ".venv" / "bin").mkdir(parents=True)
    (policies / ".venv" / "bin" / "python").symlink_to(sys.executable)
    (policies / "ok.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    assert regular_files(policies, include=lambda name: name.endswith(".json")) == [policies / "ok.json"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_policy_document_that_is_a_fifo_is_refused_without_hanging(tmp_path):
    os.mkfifo(tmp_path / "policy.json")
    run = cli("validate-policy", "--policy-document", f"file://{tmp_path / 'policy.json'}")
    assert_one_line_refusal(run, "FIFO", "standard input with -")
    (tmp_path / "dir").mkdir()
    os.mkfifo(tmp_path / "dir" / "p.json")
    assert_one_line_refusal(cli("validate-policy", str(tmp_path / "dir")), "p.json", "FIFO")


def test_devices_are_refused_without_being_read():
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero on this system")
    with pytest.raises(InputRefused, match="a device, not a regular file"):
        read_file("/dev/zero", 10)


def test_ten_megabytes_on_standard_input_are_refused_after_reading_one(tmp_path):
    flood = 10 * 1024 * 1024
    process = subprocess.Popen([sys.executable, "-m", "accessproof.cli.main", "validate-policy", "--policy-document", "-"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    written, chunk = 0, b" " * 65536
    try:
        while written < flood:
            process.stdin.write(chunk)  # blocks while the pipe is full: counts what the CLI took
            process.stdin.flush()
            written += len(chunk)
    except BrokenPipeError:
        pass  # the CLI stopped reading and exited
    try:
        process.stdin.close()
    except BrokenPipeError:
        pass
    process.wait(timeout=GUARD_SECONDS)
    run = subprocess.CompletedProcess(process.args, process.returncode, process.stdout.read(), process.stderr.read())
    assert_one_line_refusal(run, "standard input", "larger than the maximum of 1 MiB")
    # What it took is the limit + 1 byte, plus what the pipe buffers (64 KiB to 1 MiB on Linux).
    assert written <= 2 * MAX_DOCUMENT_BYTES + len(chunk) < flood


def test_standard_input_is_never_read_past_the_limit():
    class CountingStream(io.RawIOBase):
        """An endless stream that counts what is taken from it."""

        def __init__(self) -> None:
            self.taken = 0

        def read(self, size: int = -1) -> bytes:
            assert 0 < size  # never "read everything"
            self.taken += size
            return b" " * size

    stream = CountingStream()
    with pytest.raises(InputRefused, match="larger than the maximum"):
        read_stream(stream, MAX_DOCUMENT_BYTES, "standard input")  # type: ignore[arg-type]
    assert stream.taken == MAX_DOCUMENT_BYTES + 1


def test_a_file_is_never_read_past_the_limit(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b" " * 5000)
    assert read_file(path, 5000) == b" " * 5000
    with pytest.raises(InputRefused, match=r"big.json: larger than the maximum of 4,999 bytes"):
        read_file(path, 4999)


def test_a_file_argument_over_the_limit_is_refused_while_reading(tmp_path):
    path = tmp_path / "big.json"
    with path.open("wb") as f:
        f.truncate(64 * 1024 * 1024)  # sparse: 64 MiB of zeros, no disk used
    run = cli("check-no-public-access", "--policy-document", str(path), "--resource-type", "AWS::S3::Bucket")
    assert_one_line_refusal(run, "big.json", "larger than the maximum of 1 MiB")


def _organization_of_members(root: Path) -> Path:
    from tests.parallel.snapshots import write_organization

    write_organization(root, 3, 4)
    return root


def test_a_member_snapshot_with_a_link_out_is_refused_before_its_data_is_read(tmp_path, secret_file):
    """The organization load does not walk the member snapshots under accounts/ (each loader walks
    its own before reading it), but it reads each member's account.json: both are refused."""
    from accessproof.analyzers.unused import ORGANIZATION_UNUSED_ACCESS
    from accessproof.analyzers.unused_service import run_analysis
    from accessproof.analyzers.external_service import load_snapshots
    from tests.parallel.snapshots import MANAGEMENT, NOW

    organization = _organization_of_members(tmp_path / "org")
    member = sorted((organization / "accounts").iterdir())[1]
    deep = member / "iam" / "roles" / "role-0001" / "get-service-last-accessed-details.json"
    replace_with_link(member, deep.relative_to(member), secret_file)
    load_organization(organization)  # the link is below the member's own entries
    with pytest.raises(SnapshotError, match="leads out of") as raised:
        run_analysis(organization, ORGANIZATION_UNUSED_ACCESS, None, NOW, f"arn:aws:access-analyzer:us-east-1:"
                     f"{MANAGEMENT}:analyzer/a")
    assert SECRET not in str(raised.value) and "role-0001" in str(raised.value)
    with pytest.raises(SnapshotError, match="leads out of"):
        load_snapshots([str(organization)])

    replace_with_link(member, Path("account.json"), secret_file)
    with pytest.raises(SnapshotError, match="leads out of") as raised:
        load_organization(organization)
    assert SECRET not in str(raised.value)


def test_a_member_folder_linked_out_of_the_organization_is_refused(tmp_path, secret_file):
    organization = _organization_of_members(tmp_path / "org")
    member = sorted((organization / "accounts").iterdir())[0]
    elsewhere = tmp_path / "elsewhere"
    shutil.move(str(member), elsewhere)
    member.symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(SnapshotError, match="leads out of"):
        load_organization(organization)
