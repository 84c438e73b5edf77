"""The independent simulator ``@cloud-copilot/iam-simulate``, driven through one Node process.

``node/bridge.mjs`` reads one simulation per JSON line and answers one line each; this module
keeps the process open for a whole test session. ``make node-deps`` installs the package.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Optional

NODE_DIR = Path(__file__).parent / "node"
BRIDGE = NODE_DIR / "bridge.mjs"

PEER_DECISIONS = {"Allowed": "allowed", "ExplicitlyDenied": "explicitDeny", "ImplicitlyDenied": "implicitDeny"}


def peer_available() -> Optional[str]:
    """None when the bridge can run, else the reason it cannot."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (NODE_DIR / "node_modules" / "@cloud-copilot" / "iam-simulate").is_dir():
        return "run `make node-deps` to install @cloud-copilot/iam-simulate"
    return None


class Peer:
    def __init__(self) -> None:
        self._process = subprocess.Popen(
            ["node", str(BRIDGE)], cwd=NODE_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, bufsize=1,
        )
        self._next = 0

    def _ask(self, message: dict) -> dict:
        assert self._process.stdin and self._process.stdout
        self._next += 1
        message = {"id": self._next, **message}
        self._process.stdin.write(json.dumps(message) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the iam-simulate bridge stopped")
        answer = json.loads(line)
        assert answer["id"] == self._next
        return answer

    def decide(self, simulation: dict) -> dict:
        """``{"decision": allowed|explicitDeny|implicitDeny, "ignored": [context keys the peer
        dropped as not applying to the request]}`` or ``{"error": message}``."""
        answer = self._ask({"simulation": simulation})
        if "decision" in answer:
            return {"decision": PEER_DECISIONS[answer["decision"]], "ignored": answer.get("ignored", [])}
        return {"error": answer.get("error", "unknown error")}

    def bench(self, simulations: list[dict], rounds: int) -> tuple[int, float]:
        answer = self._ask({"bench": simulations, "rounds": rounds})
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer["decisions"], answer["seconds"]

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        self._process.wait(timeout=10)


def simulation(principal: Optional[str], action: str, resource: str, resource_account: str,
               context: dict, identity: list[dict] = (), resource_policy: Optional[dict] = None,
               boundary: Optional[list[dict]] = None, scp_levels: list[list[dict]] = (),
               rcp_levels: list[list[dict]] = ()) -> dict:
    """The peer's ``Simulation`` for one request (policies as JSON objects)."""
    sim: dict = {
        "request": {
            "principal": principal if principal is not None else {"type": "Anonymous"},
            "action": action,
            "resource": {"resource": resource, "accountId": resource_account},
            "contextVariables": context,
        },
        "identityPolicies": [{"name": f"identity{i}", "policy": p} for i, p in enumerate(identity)],
        "serviceControlPolicies": [
            {"orgIdentifier": f"level{n}", "policies": [{"name": f"scp{n}-{i}", "policy": p} for i, p in enumerate(level)]}
            for n, level in enumerate(scp_levels)
        ],
        "resourceControlPolicies": [
            {"orgIdentifier": f"level{n}", "policies": [{"name": f"rcp{n}-{i}", "policy": p} for i, p in enumerate(level)]}
            for n, level in enumerate(rcp_levels)
        ],
    }
    if resource_policy is not None:
        sim["resourcePolicy"] = resource_policy
    if boundary is not None:
        sim["permissionBoundaryPolicies"] = [{"name": f"boundary{i}", "policy": p} for i, p in enumerate(boundary)]
    return sim
