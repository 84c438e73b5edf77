"""Listings streamed to standard output print exactly what printing them whole prints."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

from accessproof.cli.output import stream_json_list


def test_streamed_json_is_print_json_byte_for_byte():
    moment = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for items in ([], [{"a": 1}], [{"a": [1, {"b": "x\ny"}], "t": moment}, {}, {"c": [], "d": "é"}]):
        out = io.StringIO()
        stream_json_list("findings", iter(items), out.write)
        assert out.getvalue() == json.dumps({"findings": items}, indent=4, default=lambda v: v.isoformat()) + "\n"


def test_analyze_streams_what_the_query_of_the_whole_response_shows(cli, account, database):
    streamed = cli("analyze", str(account), "--database", database, "--output", "json")
    assert streamed.code == 1, streamed.err
    whole = cli("analyze", str(account), "--database", database, "--output", "json", "--query", "@")
    listed = cli("list-findings", "--analyzer-arn",
                 "arn:aws:access-analyzer:us-east-1:111122223333:analyzer/accessproof-external-account",
                 "--database", database)
    assert json.loads(streamed.out)["findings"] and whole.code == 1
    # A re-analysis keeps every finding as it was: all three list the same findings, in one order.
    assert json.loads(whole.out) == json.loads(listed.out)
    assert [f["id"] for f in json.loads(streamed.out)["findings"]] == [f["id"] for f in json.loads(listed.out)["findings"]]
    assert listed.out.endswith("]\n}\n")
