"""EBS and RDS snapshot sharing: ``all`` is public, account ids are those accounts."""

from __future__ import annotations

import pytest

from accessproof.evaluate import ALLOWED, IMPLICIT_DENY
from accessproof.inventory import Ec2Snapshot, RdsDbClusterSnapshot, RdsDbSnapshot
from accessproof.resources import statements

from .helpers import OTHER, OWNER, decide

ANYONE = "arn:aws:iam::555566667777:user/anyone"
PARTNER = f"arn:aws:iam::{OTHER}:user/partner"


def ebs(groups=(), user_ids=()) -> Ec2Snapshot:
    return Ec2Snapshot(arn="arn:aws:ec2:us-east-1::snapshot/snap-0123", account_id=OWNER, origin="ec2",
                       snapshot_id="snap-0123", groups=tuple(groups), user_ids=tuple(user_ids))


def test_ebs_public_snapshot():
    s = ebs(groups=["all"])
    (statement,) = statements(s)
    assert statement.statement["Principal"] == {"AWS": "*"}
    assert statement.origin == "createVolumePermission group all"
    assert decide(s, ANYONE, "ec2:CreateVolume") == ALLOWED
    assert decide(s, ANYONE, "ec2:CopySnapshot") == ALLOWED
    assert decide(s, ANYONE, "ec2:DeleteSnapshot") == IMPLICIT_DENY


def test_ebs_shared_with_an_account():
    s = ebs(user_ids=[OTHER])
    assert decide(s, PARTNER, "ec2:CreateVolume") == ALLOWED
    assert decide(s, ANYONE, "ec2:CreateVolume") == IMPLICIT_DENY


def test_ebs_private_snapshot_has_no_statement():
    assert statements(ebs()) == []
    assert decide(ebs(), ANYONE, "ec2:CreateVolume") == IMPLICIT_DENY


@pytest.mark.parametrize("kind, actions", [
    (RdsDbSnapshot, ("rds:RestoreDBInstanceFromDBSnapshot", "rds:CopyDBSnapshot")),
    (RdsDbClusterSnapshot, ("rds:RestoreDBClusterFromSnapshot", "rds:CopyDBClusterSnapshot")),
])
def test_rds_restore_attribute(kind, actions):
    arn = f"arn:aws:rds:us-east-1:{OWNER}:snapshot:s1"
    shared = kind(arn=arn, account_id=OWNER, origin="rds", identifier="s1", restore=(OTHER,))
    public = kind(arn=arn, account_id=OWNER, origin="rds", identifier="s1", restore=("all",))
    private = kind(arn=arn, account_id=OWNER, origin="rds", identifier="s1")
    for action in actions:
        assert decide(shared, PARTNER, action) == ALLOWED
        assert decide(shared, ANYONE, action) == IMPLICIT_DENY
        assert decide(public, ANYONE, action) == ALLOWED
        assert decide(private, PARTNER, action) == IMPLICIT_DENY
    assert decide(shared, PARTNER, "rds:DeleteDBSnapshot") == IMPLICIT_DENY
    assert [s.origin for s in statements(shared)] == [f"restore attribute value {OTHER}"]
