"""Clients used from several threads: the engine's z3 context is one per process, so checks from
different clients (and ``accessproof serve``'s workers) must not run at the same time. Run in a
subprocess: without the process-wide lock this crashed the interpreter ("corrupted double-linked
list", exit 134)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from .conftest import ROOT

SCRIPT = textwrap.dedent('''
    import json, threading
    import accessproof
    old = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]})
    new = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*", "ec2:Describe*"], "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secret/*",
         "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "data"}}}]})
    results, errors = [], []
    def work():
        client = accessproof.client("accessanalyzer")
        try:
            for _ in range(6):
                results.append(client.check_no_new_access(newPolicyDocument=new, existingPolicyDocument=old,
                                                          policyType="IDENTITY_POLICY")["result"])
        except Exception as e:
            errors.append(repr(e))
    threads = [threading.Thread(target=work) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    print(json.dumps({"results": results, "errors": errors}))
''')


def test_checks_from_eight_threads_and_clients_do_not_corrupt_the_engine():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = __import__("json").loads(done.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == [] and outcome["results"] == ["FAIL"] * 48
