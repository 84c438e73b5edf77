"""Hostile CloudTrail input for policy generation, from the attacker's side.

- A trail bucket whose object keys climb out of the download folder (``../``, absolute keys,
  backslashes, empty segments) or whose local name is a planted symbolic link: nothing is written
  outside the folder, and the folder is gone after the run (also after Ctrl-C).
- A gzip bomb (1 GiB of content in a 1 MB file): reported by name as a skipped file, the result
  marked incomplete, and the process's peak memory stays far below what the bomb would take.
- Files that look like CloudTrail but are not (``{"Records": 5}``, events without eventSource or
  eventName, damaged or lying gzip streams): reported, never counted as complete data.
- An end time before the start time; ``s3://`` without credentials, without a reachable endpoint,
  with access denied, or naming no bucket: one-line errors (CLI exit 2), no traceback.

S3 is a local moto server (or a local stub that answers 403); nothing here uses the network.
"""

from __future__ import annotations

import gzip
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

import accessproof
import accessproof.generate as generate_module
from accessproof.generate import generate_policy, parse_time
from accessproof.generate.collect import DownloadFolder, discover
from accessproof.generate.s3 import TrailAccessError, confined, local_name
from accessproof.generate.sources import DEFAULT_MAX_FILE_BYTES
from tests.boto import wait_for_generation

from .gzip_bombs import EVENT, PRINCIPAL, write_gzip_bomb

ROOT = Path(__file__).resolve().parents[2]
START, END = parse_time("2024-07-01"), parse_time("2024-08-31")
TRAIL = "arn:aws:cloudtrail:us-east-1:123456789012:trail/main"
ACCESS_ROLE = "arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole"  # required by the model
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
# The bound asserted on the CLI's peak memory while it meets a 1 GiB bomb. Before the size limit
# the same run peaked at 5.2 GB; with it, at about 90 MB (the interpreter, DuckDB, z3).
MEMORY_BOUND_MIB = 500


def event(name: str = "ListBuckets") -> dict:
    return dict(EVENT, eventName=name)


def records(*names: str) -> bytes:
    return json.dumps({"Records": [event(n) for n in names or ("ListBuckets",)]}).encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "accessproof.cli.main", "generate-policy", *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)


def isolated_env(tmp_path: Path, **extra: str) -> dict:
    """The environment of a CLI run: this checkout first on the path, no AWS configuration or
    credentials of the machine (none is read), temporary files under ``tmp_path / "tmp"``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "ACCESSPROOF_S3_ENDPOINT_URL"}
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env.update(PYTHONPATH=str(ROOT), HOME=str(tmp_path), TMPDIR=str(tmp_path / "tmp"),
               AWS_CONFIG_FILE=str(tmp_path / "no-config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"),
               AWS_EC2_METADATA_DISABLED="true")
    env.update(extra)
    return env


def assert_one_line_error(run: subprocess.CompletedProcess, *expected: str) -> None:
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("accessproof: error: "), run.stderr
    for text in expected:
        assert text in lines[0], lines[0]


# --------------------------------------------------------------------------- S3, hostile keys

@pytest.fixture(scope="module")
def moto_endpoint():
    server_module = pytest.importorskip("moto.server")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in FAKE_CREDENTIALS.items():
            patch.setenv(key, value)
        server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=free_port())
        server.start()
        try:
            yield f"http://127.0.0.1:{server._port}"
        finally:
            server.stop()


@pytest.fixture
def s3(moto_endpoint, monkeypatch):
    import boto3

    for key, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    return boto3.client("s3", endpoint_url=moto_endpoint)


def make_bucket(s3, name: str, objects: dict[str, bytes]) -> None:
    s3.create_bucket(Bucket=name)
    for key, body in objects.items():
        s3.put_object(Bucket=name, Key=key, Body=body)
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=name).get("Contents", [])]
    assert sorted(listed) == sorted(objects), "the server must keep the keys as given, or the test proves nothing"


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch) -> Path:
    """Python's temporary folder, deep inside ``tmp_path``: a key that climbs out of a download
    folder made there still lands inside ``tmp_path``, where the test looks for it."""
    root = tmp_path / "t1" / "t2" / "t3" / "t4" / "t5" / "t6"
    root.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def hostile_keys(tmp_path: Path) -> dict[str, bytes]:
    return {
        "../../../../escape-dotdot.json": records(),
        "AWSLogs/../../../../../escape-inner.json.gz": gzip.compress(records()),
        "a/../../../../../escape-mixed.json": records(),
        f"{tmp_path}/escape-absolute.json": records(),  # "/tmp/...": an absolute path once joined
        "..\\..\\..\\escape-backslash.json": records(),
        "a//b///escape-empty-segments.json": records(),
        "./escape-dot.json": records(),
    }


def escaped_files(tmp_path: Path) -> list[Path]:
    return [p for p in tmp_path.rglob("*escape*") if p.is_file()]


def test_hostile_keys_stay_in_the_download_folder_which_is_removed(tmp_path: Path, temp_root: Path, s3,
                                                                   moto_endpoint) -> None:
    keys = hostile_keys(tmp_path)
    make_bucket(s3, "hostile-keys", keys)
    result = generate_policy(PRINCIPAL, ["s3://hostile-keys/"], start=START, end=END, s3_endpoint_url=moto_endpoint)
    # Every object was fetched and read, under a name no key can steer ...
    assert result.files_read == len(keys) and not result.problems
    assert result.events_read == len(keys) and result.is_complete
    # ... nothing landed outside the folder, and the folder is gone.
    assert escaped_files(tmp_path) == []
    assert list(temp_root.iterdir()) == []


def test_kept_download_folder_is_flat_and_reused(tmp_path: Path, s3, moto_endpoint) -> None:
    keys = hostile_keys(tmp_path)
    make_bucket(s3, "hostile-kept", keys)
    keep = tmp_path / "keep"
    first = generate_policy(PRINCIPAL, ["s3://hostile-kept/"], start=START, end=END, s3_endpoint_url=moto_endpoint,
                            download_dir=keep)
    kept = sorted(keep.iterdir())
    assert len(kept) == len(keys)
    assert all(p.is_file() and re.fullmatch(r"[0-9a-f]{32}-[A-Za-z0-9._=+-]*\.json(\.gz)?", p.name) for p in kept)
    assert [p for p in escaped_files(tmp_path) if p.parent != keep] == []
    stamps = {p.name: p.stat().st_mtime_ns for p in kept}
    again = generate_policy(PRINCIPAL, ["s3://hostile-kept/"], start=START, end=END, s3_endpoint_url=moto_endpoint,
                            download_dir=keep)
    assert again.documents == first.documents and again.files_read == len(keys)
    assert {p.name: p.stat().st_mtime_ns for p in keep.iterdir()} == stamps  # reused, not fetched again


def test_a_planted_link_in_a_kept_folder_is_replaced_not_followed(tmp_path: Path, s3, moto_endpoint) -> None:
    make_bucket(s3, "linked", {"AWSLogs/trail.json": records()})
    etag = s3.list_objects_v2(Bucket="linked")["Contents"][0]["ETag"]
    victim = tmp_path / "victim.json"
    victim.write_text("precious")
    keep = tmp_path / "keep"
    keep.mkdir()
    planted = keep / local_name("linked", "AWSLogs/trail.json", etag)
    planted.symlink_to(victim)
    result = generate_policy(PRINCIPAL, ["s3://linked/AWSLogs/"], start=START, end=END,
                             s3_endpoint_url=moto_endpoint, download_dir=keep)
    assert victim.read_text() == "precious"
    assert not planted.is_symlink() and planted.read_bytes() == records()
    assert result.events_read == 1


def test_names_and_confinement() -> None:
    for key in ("../../x.json", "/etc/x.json", "a/../../x.json", "..\\x.json", "a\0b.json", "a//b.json", "\udcff.json"):
        name = local_name("bucket", key, '"etag"')
        assert "/" not in name and "\\" not in name and "\0" not in name and name.endswith(".json")
        assert confined(Path("/srv/downloads"), name).parent == Path("/srv/downloads")
    assert local_name("b", "k.json", '"1"') != local_name("b", "k.json", '"2"')  # a changed object, a new file
    for bad in ("../x.json", "a/b.json", "..", "x\0.json"):
        with pytest.raises(ValueError):
            confined(Path("/srv/downloads"), bad)


def test_download_folder_is_removed_on_ctrl_c(tmp_path: Path, temp_root: Path, s3, moto_endpoint,
                                              monkeypatch) -> None:
    make_bucket(s3, "interrupted", {"AWSLogs/a.json": records(), "AWSLogs/b.json.gz": gzip.compress(records())})
    seen: list[Path] = []

    def interrupted_read(files, *args, **kwargs):
        seen.extend(Path(f.path) for f in files)
        assert all(p.is_file() for p in seen)
        raise KeyboardInterrupt

    monkeypatch.setattr(generate_module, "read_activity", interrupted_read)
    with pytest.raises(KeyboardInterrupt):
        generate_policy(PRINCIPAL, ["s3://interrupted/"], start=START, end=END, s3_endpoint_url=moto_endpoint)
    assert len(seen) == 2 and not any(p.exists() for p in seen)
    assert list(temp_root.iterdir()) == []


def test_download_folder_is_removed_when_s3_fails_half_way(tmp_path: Path, temp_root: Path, s3,
                                                           moto_endpoint) -> None:
    make_bucket(s3, "half-way", {"AWSLogs/a.json": records()})
    with pytest.raises(TrailAccessError) as raised:
        with DownloadFolder() as downloads:
            discover(["s3://half-way/AWSLogs/", "s3://no-such-bucket-here/"], downloads=downloads,
                     s3_endpoint_url=moto_endpoint)
    assert raised.value.kind == "not_found" and "NoSuchBucket" in str(raised.value)
    assert list(temp_root.iterdir()) == []


# --------------------------------------------------------------------------- gzip bombs

MEASURE_CHILD = ("import json, resource, subprocess, sys\n"
                 "run = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
                 "print(json.dumps({'rc': run.returncode, 'out': run.stdout, 'err': run.stderr,\n"
                 "                  'peak_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n")


def test_gzip_bomb_is_reported_by_name_with_bounded_memory(tmp_path: Path) -> None:
    bomb = tmp_path / "logs" / "bomb.json.gz"
    bomb.parent.mkdir()
    content = write_gzip_bomb(bomb, 1024)
    assert content > 1 << 30 and bomb.stat().st_size < 2 << 20  # 1 GiB in a 1 MB file
    (tmp_path / "logs" / "good.json").write_bytes(records("ListBuckets"))
    # The peak memory of the CLI process alone: a fresh parent whose only child it is.
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE_CHILD, sys.executable, "-m", "accessproof.cli.main", "generate-policy",
         "--principal-arn", PRINCIPAL, "--cloudtrail", str(tmp_path / "logs"), "--start-time", "2024-07-01"],
        capture_output=True, text=True, env=isolated_env(tmp_path), cwd=ROOT, timeout=300, check=True)
    run = json.loads(measured.stdout)
    assert run["rc"] == 0, run["err"]
    assert f"accessproof: skipped {bomb}: expands past 128 MiB" in run["err"]
    out = json.loads(run["out"])
    assert out["properties"]["isComplete"] is False
    assert [s["file"] for s in out["accessproof"]["skippedFiles"]] == [str(bomb)]
    assert "s3:ListAllMyBuckets" in out["generatedPolicies"][0]["policy"]  # the good file is still read
    assert run["peak_kib"] < MEMORY_BOUND_MIB * 1024, f"peak {run['peak_kib'] // 1024} MiB"


def test_size_limit_is_a_setting(tmp_path: Path) -> None:
    bomb = tmp_path / "small-bomb.json.gz"
    write_gzip_bomb(bomb, 3)  # 3 MiB of content
    strict = generate_policy(PRINCIPAL, [str(bomb)], start=START, end=END, max_file_bytes=2 << 20)
    assert [(p.name, p.reason.split(",")[0]) for p in strict.problems] == [(str(bomb), "expands past 2 MiB")]
    assert not strict.is_complete and strict.events_read == 0
    roomy = generate_policy(PRINCIPAL, [str(bomb)], start=START, end=END, max_file_bytes=4 << 20)
    assert not roomy.problems and roomy.is_complete and roomy.events_read == 1
    plain = tmp_path / "big.json"
    plain.write_bytes(b'{"Records": [' + json.dumps(event()).encode() + b" " * (3 << 20) + b"]}")
    assert "larger than 2 MiB" in generate_policy(PRINCIPAL, [str(plain)], max_file_bytes=2 << 20).problems[0].reason
    assert DEFAULT_MAX_FILE_BYTES == 128 << 20


def test_client_limit_setting(tmp_path: Path) -> None:
    bomb = tmp_path / "logs" / "bomb.json.gz"
    bomb.parent.mkdir()
    write_gzip_bomb(bomb, 3)
    (tmp_path / "logs" / "good.json").write_bytes(records())
    client = accessproof.client("accessanalyzer", cloudtrail_locations={TRAIL: str(tmp_path / "logs")},
                                database=f"sqlite:///{tmp_path / 'jobs.db'}", cloudtrail_max_file_size=2 << 20)
    job = client.start_policy_generation(policyGenerationDetails={"principalArn": PRINCIPAL},
                                         cloudTrailDetails={"trails": [{"cloudTrailArn": TRAIL}], "accessRole": ACCESS_ROLE,
                                                            "startTime": "2024-07-01T00:00:00Z"})
    wait_for_generation(client, job["jobId"])
    result = client.get_generated_policy(jobId=job["jobId"])["generatedPolicyResult"]
    assert result["properties"]["isComplete"] is False
    assert [s["file"] for s in result["accessproof"]["skippedFiles"]] == [str(bomb)]
    bad = accessproof.client("accessanalyzer", cloudtrail_locations={TRAIL: str(tmp_path)},
                             database=f"sqlite:///{tmp_path / 'jobs.db'}", cloudtrail_max_file_size="big")
    with pytest.raises(bad.exceptions.ValidationException, match="cloudtrail_max_file_size"):
        bad.start_policy_generation(policyGenerationDetails={"principalArn": PRINCIPAL},
                                    cloudTrailDetails={"trails": [{"cloudTrailArn": TRAIL}], "accessRole": ACCESS_ROLE,
                                                       "startTime": "2024-07-01T00:00:00Z"})


def test_cli_limit_option(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.json.gz"
    write_gzip_bomb(bomb, 3)
    strict = cli("--principal-arn", PRINCIPAL, "--cloudtrail", str(bomb), "--max-file-size", "2MiB",
                 env=isolated_env(tmp_path))
    assert strict.returncode == 0 and "expands past 2 MiB" in strict.stderr
    assert json.loads(strict.stdout)["properties"]["isComplete"] is False
    bad = cli("--principal-arn", PRINCIPAL, "--cloudtrail", str(bomb), "--max-file-size", "lots",
              env=isolated_env(tmp_path))
    assert_one_line_error(bad, "--max-file-size")


def test_gzip_streams_are_checked_to_the_end(tmp_path: Path) -> None:
    body = records("ListBuckets", "GetBucketAcl", "ListBuckets")
    lying = bytearray(gzip.compress(body))
    lying[-4:] = (100).to_bytes(4, "little")  # the trailer claims 100 bytes
    (tmp_path / "lying-size.json.gz").write_bytes(bytes(lying))
    (tmp_path / "trailing.json.gz").write_bytes(gzip.compress(body) + b"garbage")
    (tmp_path / "padded.json.gz").write_bytes(gzip.compress(body) + b"\0" * 16)
    (tmp_path / "gzip-named-plain.json").write_bytes(gzip.compress(body))
    lines = [json.dumps(event(n)).encode() + b"\n" for n in ("ListBuckets", "GetBucketAcl", "ListBuckets")]
    (tmp_path / "members.jsonl.gz").write_bytes(gzip.compress(lines[0]) + gzip.compress(b"".join(lines[1:])))
    found = discover([str(tmp_path)])
    reasons = {Path(p.name).name: p.reason for p in found.problems}
    assert reasons.keys() == {"lying-size.json.gz", "trailing.json.gz", "padded.json.gz", "gzip-named-plain.json"}
    assert "incorrect length check" in reasons["lying-size.json.gz"]
    assert all(r.startswith("corrupt gzip") for name, r in reasons.items() if name.endswith(".gz"))
    # Concatenated members are one stream (RFC 1952), measured whole.
    [members] = found.files
    assert members.content_size == sum(len(line) for line in lines)
    result = generate_policy(PRINCIPAL, [str(tmp_path / "members.jsonl.gz")], start=START, end=END)
    assert result.events_read == 3 and result.is_complete


# --------------------------------------------------------------------------- not CloudTrail

NOT_CLOUDTRAIL = {
    "records-number.json": b'{"Records": 5}',
    "records-object.json": json.dumps({"Records": event()}).encode(),
    "records-null.json": b'{"Records": null}',
    "records-string.json": b'{"Records": "[]"}',
    "records-later-list.json": b'{"Records": 5, "Records": ' + json.dumps([event()]).encode() + b"}",
    "no-source.json": json.dumps({"Records": [{k: v for k, v in event().items() if k != "eventSource"}]}).encode(),
    "no-name.jsonl": json.dumps({k: v for k, v in event().items() if k != "eventName"}).encode() + b"\n",
    "scalars.json": b"[1, 2, 3]",
    "records-scalars.json.gz": gzip.compress(b'{"Records": [5, "x", null]}'),
}


@pytest.mark.parametrize("name", sorted(NOT_CLOUDTRAIL))
def test_not_cloudtrail_is_reported_never_complete(tmp_path: Path, name: str) -> None:
    (tmp_path / "good.json").write_bytes(records("GetBucketAcl", "ListBuckets"))
    assert generate_policy(PRINCIPAL, [str(tmp_path)], start=START, end=END).is_complete  # alone, it is complete
    (tmp_path / name).write_bytes(NOT_CLOUDTRAIL[name])
    result = generate_policy(PRINCIPAL, [str(tmp_path)], start=START, end=END)
    assert [Path(p.name).name for p in result.problems] == [name]
    assert not result.is_complete
    assert result.generated_policy_result()["properties"]["isComplete"] is False
    assert result.events_read == 2  # the good file is still read, and nothing from the bad one


def test_records_reason_is_specific(tmp_path: Path) -> None:
    (tmp_path / "five.json").write_bytes(b'{"Records": 5}')
    [problem] = discover([str(tmp_path)]).problems
    assert problem.reason.startswith('"Records" does not hold a list of events')


def test_shapes_that_are_cloudtrail(tmp_path: Path) -> None:
    """An empty list is a file without events; of a repeated key, the first is read (as DuckDB
    reads it; CloudTrail never repeats one), so a later key can neither hide nor add events."""
    (tmp_path / "empty.json").write_bytes(b'{"Records": []}')
    (tmp_path / "repeated.json").write_bytes(b'{"Records": ' + json.dumps([event()]).encode() + b', "Records": 5}')
    result = generate_policy(PRINCIPAL, [str(tmp_path)], start=START, end=END)
    assert not result.problems and result.is_complete and result.events_read == 1


# --------------------------------------------------------------------------- time range

def test_end_before_start_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "good.json").write_bytes(records())
    run = cli("--principal-arn", PRINCIPAL, "--cloudtrail", str(tmp_path / "good.json"),
              "--start-time", "2024-09-01", "--end-time", "2024-07-01", env=isolated_env(tmp_path))
    assert_one_line_error(run, "--end-time", "2024-07-01T00:00:00Z", "2024-09-01T00:00:00Z")
    with pytest.raises(ValueError, match="before the start time"):
        generate_policy(PRINCIPAL, [str(tmp_path)], start=parse_time("2024-09-01"), end=parse_time("2024-07-01"))


def test_end_before_start_is_a_validation_exception(tmp_path: Path) -> None:
    client = accessproof.client("accessanalyzer", cloudtrail_locations={TRAIL: str(tmp_path)},
                                database=f"sqlite:///{tmp_path / 'jobs.db'}")
    with pytest.raises(client.exceptions.ValidationException, match="before"):
        client.start_policy_generation(policyGenerationDetails={"principalArn": PRINCIPAL},
                                       cloudTrailDetails={"trails": [{"cloudTrailArn": TRAIL}], "accessRole": ACCESS_ROLE,
                                                          "startTime": "2024-09-01T00:00:00Z",
                                                          "endTime": "2024-07-01T00:00:00Z"})


# --------------------------------------------------------------------------- s3:// failures

def test_s3_without_credentials(tmp_path: Path, moto_endpoint) -> None:
    run = cli("--principal-arn", PRINCIPAL, "--cloudtrail", "s3://any-bucket/AWSLogs/",
              env=isolated_env(tmp_path, ACCESSPROOF_S3_ENDPOINT_URL=moto_endpoint))
    assert_one_line_error(run, "s3://any-bucket/AWSLogs/", "credentials")
    assert list((tmp_path / "tmp").iterdir()) == []


def test_s3_endpoint_unreachable(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    run = cli("--principal-arn", PRINCIPAL, "--cloudtrail", "s3://any-bucket/",
              env=isolated_env(tmp_path, ACCESSPROOF_S3_ENDPOINT_URL=closed, **FAKE_CREDENTIALS))
    assert_one_line_error(run, "s3://any-bucket/", "Could not connect")


def test_s3_no_such_bucket_and_no_bucket(tmp_path: Path, moto_endpoint) -> None:
    env = isolated_env(tmp_path, ACCESSPROOF_S3_ENDPOINT_URL=moto_endpoint, **FAKE_CREDENTIALS)
    assert_one_line_error(cli("--principal-arn", PRINCIPAL, "--cloudtrail", "s3://no-such-bucket/", env=env),
                          "NoSuchBucket")
    assert_one_line_error(cli("--principal-arn", PRINCIPAL, "--cloudtrail", "s3://", env=env), "no bucket name")


class _DenyEverything(http.server.BaseHTTPRequestHandler):
    """S3 as seen by a caller without permission: 403 AccessDenied to every request."""

    def _deny(self) -> None:
        body = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
                b"<Message>Access Denied</Message><RequestId>1</RequestId></Error>")
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_PUT = do_POST = _deny

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def denying_endpoint():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _DenyEverything)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_s3_access_denied(tmp_path: Path, denying_endpoint) -> None:
    run = cli("--principal-arn", PRINCIPAL, "--cloudtrail", "s3://trail-bucket/AWSLogs/",
              env=isolated_env(tmp_path, ACCESSPROOF_S3_ENDPOINT_URL=denying_endpoint, **FAKE_CREDENTIALS))
    assert_one_line_error(run, "s3://trail-bucket/AWSLogs/", "AccessDenied")


@pytest.mark.parametrize("location, code", [("s3://trail-bucket/AWSLogs/", "AUTHORIZATION_ERROR"),
                                            ("s3://missing-bucket/", "RESOURCE_NOT_FOUND_ERROR")])
def test_s3_failures_fail_the_job_with_its_code(tmp_path: Path, denying_endpoint, moto_endpoint, monkeypatch,
                                                location: str, code: str) -> None:
    for key, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    endpoint = denying_endpoint if code == "AUTHORIZATION_ERROR" else moto_endpoint
    client = accessproof.client("accessanalyzer", cloudtrail_locations={TRAIL: location}, s3_endpoint_url=endpoint,
                                database=f"sqlite:///{tmp_path / 'jobs.db'}")
    job = client.start_policy_generation(policyGenerationDetails={"principalArn": PRINCIPAL},
                                         cloudTrailDetails={"trails": [{"cloudTrailArn": TRAIL}], "accessRole": ACCESS_ROLE,
                                                            "startTime": "2024-07-01T00:00:00Z"})
    wait_for_generation(client, job["jobId"])
    details = client.get_generated_policy(jobId=job["jobId"])["jobDetails"]
    assert details["status"] == "FAILED" and details["jobError"]["code"] == code
    assert "\n" not in details["jobError"]["message"]


def test_a_bomb_in_the_bucket_is_reported_by_its_url(tmp_path: Path, temp_root: Path, s3, moto_endpoint) -> None:
    bomb = tmp_path / "bomb.json.gz"
    write_gzip_bomb(bomb, 64)
    make_bucket(s3, "bombed", {"AWSLogs/bomb.json.gz": bomb.read_bytes(), "AWSLogs/good.json": records()})
    result = generate_policy(PRINCIPAL, ["s3://bombed/AWSLogs/"], start=START, end=END, s3_endpoint_url=moto_endpoint,
                             max_file_bytes=32 << 20)
    assert [(p.name, p.reason.split(",")[0]) for p in result.problems] == [
        ("s3://bombed/AWSLogs/bomb.json.gz", "expands past 32 MiB")]
    assert result.events_read == 1 and not result.is_complete
    assert list(temp_root.iterdir()) == []


# --------------------------------------------------------------------------- a stalling or lying S3

class _ListedObject(http.server.BaseHTTPRequestHandler):
    """S3 with one object, ``AWSLogs/log.json``, listed at ``listed_size`` bytes; its GET sends
    ``body`` and then, when ``stall`` is set, hangs until it is released (a stalled download)."""

    listed_size = 100
    body = b""
    stall: threading.Event | None = None

    def do_GET(self) -> None:
        if "list-type=2" in self.path:
            xml = ('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/'
                   '2006-03-01/"><Name>trail</Name><Prefix></Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys>'
                   '<IsTruncated>false</IsTruncated><Contents><Key>AWSLogs/log.json</Key>'
                   '<LastModified>2024-07-30T00:00:00.000Z</LastModified><ETag>"0123"</ETag>'
                   f"<Size>{self.listed_size}</Size><StorageClass>STANDARD</StorageClass></Contents>"
                   "</ListBucketResult>").encode()
            self._send(200, xml, len(xml))
            return
        self._send(200, self.body, max(len(self.body), self.listed_size))
        if self.stall is not None:
            self.stall.wait(120)

    def _send(self, status: int, body: bytes, length: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(length))
        self.send_header("ETag", '"0123"')
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def log_message(self, *args) -> None:
        pass


def serve(handler: type) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.mark.parametrize("sent, status", [(signal.SIGINT, 130), (signal.SIGTERM, 128 + signal.SIGTERM)])
def test_download_folder_is_removed_when_the_cli_is_stopped(tmp_path: Path, sent: int, status: int) -> None:
    stall = threading.Event()
    handler = type("Stalling", (_ListedObject,), {"listed_size": 1000, "body": b'{"Records": [', "stall": stall})
    server, endpoint = serve(handler)
    temp = tmp_path / "tmp"
    try:
        run = subprocess.Popen([sys.executable, "-m", "accessproof.cli.main", "generate-policy", "--principal-arn",
                                PRINCIPAL, "--cloudtrail", "s3://trail/AWSLogs/"], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=isolated_env(tmp_path, ACCESSPROOF_S3_ENDPOINT_URL=endpoint, **FAKE_CREDENTIALS))
        deadline = time.monotonic() + 120
        while not list(temp.glob("accessproof-trail-*/.part-*")):  # the download has begun, and stalls
            assert run.poll() is None and time.monotonic() < deadline, run.communicate()
            time.sleep(0.05)
        run.send_signal(sent)
        _, err = run.communicate(timeout=60)
        assert run.returncode == status, err
        assert "Traceback" not in err
        assert list(temp.iterdir()) == []
    finally:
        stall.set()
        server.shutdown()
        server.server_close()


def test_an_object_larger_than_listed_is_cut_at_the_limit(tmp_path: Path, temp_root: Path, monkeypatch) -> None:
    """The listing says 100 bytes; the object sent is 3 MiB (replaced since, or a lying server):
    no more than the limit allows is written, and the object is reported."""
    for key, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    handler = type("Lying", (_ListedObject,), {"listed_size": 100, "body": b" " * (3 << 20)})
    server, endpoint = serve(handler)
    try:
        result = generate_policy(PRINCIPAL, ["s3://trail/AWSLogs/"], s3_endpoint_url=endpoint, max_file_bytes=1 << 20)
    finally:
        server.shutdown()
        server.server_close()
    [problem] = result.problems
    assert problem.name == "s3://trail/AWSLogs/log.json" and "not fetched" in problem.reason
    assert result.files_read == 0 and not result.is_complete
    assert list(temp_root.iterdir()) == []
