"""Malformed templates: a clear one-line error naming the file and line, exit status 1 (as
cfn-policy-validator's errors), never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accessproof.templates import MAX_TEMPLATE_BYTES, Settings, TemplateError, load_deployment


def _error(tmp_path: Path, name: str, text: str) -> TemplateError:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(TemplateError) as e:
        load_deployment(path, Settings())
    return e.value


ROLE = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: {name}\n      AssumeRolePolicyDocument: {{}}\n"


@pytest.mark.parametrize("text,line,words", [
    ("Resources:\n  A:\n    Type: AWS::S3::Bucket\n   bad: [\n", 4, "not valid YAML"),
    ("Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Frobnicate x\n", 5,
     "unknown intrinsic function tag !Frobnicate"),
    (ROLE.format(name='{"Fn::Frobnicate": "x"}'), 5, "unknown intrinsic function 'Fn::Frobnicate'"),
    ("Resources:\n  A:\n    Type: AWS::S3::Bucket\n  A:\n    Type: AWS::S3::Bucket\n", 4, "duplicate key 'A'"),
    (ROLE.format(name="!Ref Nothing"), 5, "neither a parameter nor a resource"),
    (ROLE.format(name="!Select [5, [a, b]]"), 5, "out of range"),
    ("Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref B\n"
     "  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref A\n"
     "  P:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !Ref A\n      PolicyDocument: {}\n", None,
     "a cycle of references: A → B → A"),
    ("Conditions:\n  C1: !Condition C2\n  C2: !Condition C1\nResources: {}\n", None, "a cycle of conditions"),
    ("just a string\n", 1, "neither a CloudFormation template"),
    ("", None, "the template is empty"),
])
def test_clear_error_naming_the_place(tmp_path: Path, text: str, line, words: str) -> None:
    error = _error(tmp_path, "t.yaml", text)
    assert words in str(error)
    assert str(error).startswith(str(tmp_path / "t.yaml"))
    if line is not None:
        assert error.line == line
    assert "\n" not in str(error)


def test_json_syntax_error_names_the_line(tmp_path: Path) -> None:
    error = _error(tmp_path, "t.json", '{\n "Resources": {\n  "A": {"Type": "AWS::S3::Bucket",}\n }\n}\n')
    assert error.line == 3 and "not valid JSON" in str(error)


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    lines.append("Resources: {}")
    error = _error(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    assert "values (after aliases are expanded): refused" in str(error)


def test_fifty_megabytes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with open(path, "w") as f:
        f.write('{"Resources": {}, "Description": "')
        f.write("x" * (50 * 1024 * 1024))
        f.write('"}')
    with pytest.raises(TemplateError) as e:
        load_deployment(path, Settings())
    assert "larger than the maximum" in str(e.value) and str(MAX_TEMPLATE_BYTES // (1024 * 1024)) in str(e.value)


def test_cli_errors_are_one_line_exit_1(cli, tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Nope x\n")
    for command in ("validate", "check-no-public-access", "preview", "parse"):
        run = cli("template", command, "--template-path", str(path))
        assert run.code == 1, (command, run)
        assert run.err.strip() == f"accessproof: error: {path}:5: unknown intrinsic function tag !Nope"
        assert "Traceback" not in run.err
    run = cli("template", "validate", "--template-path", str(tmp_path / "missing.yaml"))
    assert run.code == 1 and "no such file" in run.err
    run = cli("template", "validate", "--template-path", str(path), "--account-id", "12")
    assert run.code == 1 and "--account-id" in run.err
    run = cli("diff", str(path), str(path))
    assert run.code == 2 and "unknown intrinsic function tag !Nope" in run.err and "Traceback" not in run.err


def test_policy_document_string_not_json(tmp_path: Path) -> None:
    template = {"Resources": {"K": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": "{not json"}}}}
    error = _error(tmp_path, "t.json", json.dumps(template, indent=1))
    assert "not JSON" in str(error) and error.line == 6
