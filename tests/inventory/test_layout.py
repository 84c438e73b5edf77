"""``inventory.layout`` names the snapshot files that grant access as docs/snapshot.md lays them
out, and finds them in the example account for every resource type with a policy."""

from __future__ import annotations

from pathlib import Path

from accessproof.inventory import load_snapshot
from accessproof.inventory.layout import OTHER_GRANTING_RESPONSES, POLICY_RESPONSES, finding_places

ROOT = Path(__file__).resolve().parents[2]
LAYOUT = (ROOT / "docs" / "snapshot.md").read_text()


def test_every_file_named_is_in_the_documented_layout():
    files = {file for file, _ in POLICY_RESPONSES.values()}
    files |= {file for responses in OTHER_GRANTING_RESPONSES.values() for file, _ in responses}
    assert all(f"/{file}" in LAYOUT for file in files), [f for f in files if f"/{file}" not in LAYOUT]


def test_each_resource_of_the_example_points_at_a_file_holding_its_member():
    snapshot = Path(ROOT / "examples" / "account")
    for resource in load_snapshot(snapshot).resources:
        finding = {"resource": resource.arn, "sources": [{"type": "POLICY"}]}
        if resource.unreadable:
            finding["error"] = "ACCESS_DENIED"
        places = finding_places(snapshot, resource, finding)
        assert places, resource.arn
        first = snapshot / places[0].file
        assert first.is_file(), (resource.arn, places[0])
        if resource.unreadable:
            assert first.suffix == ".error"
        elif places[0].member:  # the member is there, unless the resource has no policy at all
            top = places[0].member.split(".")[0].split("[")[0]
            assert f'"{top}"' in first.read_text() or getattr(resource, "policy", "") is None, (resource.arn, places[0])
