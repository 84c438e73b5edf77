"""The console's pure modules: charts, highlighting, the witness sentence, the URL query, the
overview's numbers, sessions and CSRF tokens."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit
from datetime import date, datetime, timezone

import pytest

from accessproof.console import auth, diff, highlight, query, sentence, summary, svg
from accessproof.findings.model import ACTIVE, ARCHIVED, RESOLVED, FindingOverviewRow, StatusChange, StatusCount

ATTACK = '<script>alert("x")</script>'


# --- svg ----------------------------------------------------------------------------------------

def test_bar_chart_escapes_labels_and_scales_bars():
    chart = svg.bar_chart("By type", [(ATTACK, 10), ("AWS::S3::Bucket", 5)])
    assert "<script>" not in chart and "&lt;script&gt;" in chart
    assert 'role="img"' in chart and "<title>By type</title>" in chart
    widths = [float(w) for w in re.findall(r'<rect x="\d+" y="\d+" width="(\d+)"', chart)]
    assert widths[0] == 2 * widths[1] > 0  # 10 against 5, on one scale


def test_column_chart_has_one_column_per_nonzero_value_and_a_legend():
    chart = svg.column_chart("Trend", ["01-01", "01-02"], [svg.Series("created", (3, 0)), svg.Series("resolved", (1, 2))])
    assert chart.count("<rect") == 2 + 3  # two legend swatches, three nonzero columns
    assert "01-02 resolved: 2" in chart and ">created<" in chart


@pytest.mark.parametrize("value, expected", [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (20000, 20000), (20001, 50000)])
def test_axis_ends_on_a_round_number(value, expected):
    assert svg._nice_max(value) == expected


# --- highlight ----------------------------------------------------------------------------------

def test_highlight_escapes_every_character_and_marks_spans():
    text = '{\n  "Sid": "<script>x</script>",\n  "Effect": "Allow"\n}'
    start = text.index('"Sid"')
    out = highlight.highlight(text, [highlight.Span(start, text.index(",\n  \"Effect"), "grant", 'title "quoted"', "grant-0")])
    assert "<script>" not in out and "&lt;script&gt;x&lt;/script&gt;" in out
    assert out.count('<span class="line">') == 4
    assert '<mark class="grant" id="grant-0" title="title &#34;quoted&#34;">&#34;Sid&#34;' in out


def test_a_span_across_lines_is_marked_on_each_line_and_anchored_once():
    out = highlight.highlight("ab\ncd\nef", [highlight.Span(1, 7, "error", "E", "finding-0")])
    assert out.count("<mark") == 3 and out.count('id="finding-0"') == 1


def test_crlf_line_ends_make_one_line_each():
    assert highlight.highlight("a\r\nb", []) == '<span class="line">a</span>\n<span class="line">b</span>\n'


def test_overlapping_spans_the_later_one_wins_where_they_overlap():
    runs = list(highlight._runs("abcdef", [highlight.Span(0, 6, "grant"), highlight.Span(2, 4, "error")]))
    assert runs == [("ab", 0), ("cd", 1), ("ef", 0)]


def test_an_empty_span_marks_one_character_and_spans_past_the_end_are_clipped():
    assert list(highlight._runs("abc", [highlight.Span(1, 1, "warning"), highlight.Span(2, 99, "error")])) == [
        ("a", None), ("b", 0), ("c", 1)]


# --- sentence -----------------------------------------------------------------------------------

@pytest.mark.parametrize("principal, words", [
    (None, "anonymous callers"), ("*", "anonymous callers"), ("999988887777", "any principal of account 999988887777"),
    ("arn:aws:iam::999988887777:root", "any principal of account 999988887777"),
    ("arn:aws:iam::999988887777:role/path/Partner", "role Partner of account 999988887777"),
    ("arn:aws:sts::999988887777:assumed-role/Partner/s1", "a session of role Partner of account 999988887777"),
    ("s3.amazonaws.com", "the service s3.amazonaws.com"),
])
def test_callers_in_words(principal, words):
    assert sentence.caller(principal) == words


def test_witness_sentence_names_the_condition_keys_of_the_finding():
    witness = {"principal": "anonymous", "action": "s3:GetObject", "resource": "arn:aws:s3:::reports/x",
               "context": {"aws:sourceip": "10.0.0.1", "aws:principaltype": "Anonymous"}}
    assert sentence.witness_sentence(witness) == "Anonymous callers can call s3:GetObject on arn:aws:s3:::reports/x"
    assert sentence.witness_sentence(witness, {"aws:SourceIp": "10.0.0.0/8"}) == (
        "Anonymous callers can call s3:GetObject on arn:aws:s3:::reports/x when aws:SourceIp is 10.0.0.1")
    someone = {**witness, "principal": "arn:aws:iam::999999999999:user/w"}
    assert sentence.witness_sentence(someone, public=True).startswith(
        "Anyone (for example user w of account 999999999999) can call s3:GetObject")


# --- query --------------------------------------------------------------------------------------

def test_a_query_round_trips_through_its_url_and_gives_the_api_filter():
    chosen = query.parse_query({"status": "ARCHIVED", "account": "111122223333", "principal": "9999",
                                "isPublic": "true", "conditionKey": "aws:SourceIp", "type": "ExternalAccess",
                                "resourceType": "AWS::S3::Bucket", "resource": "logs", "sort": "resource",
                                "order": "asc", "page": "3"})
    assert chosen.problems == ()
    assert chosen.to_filter() == {
        "status": {"eq": ["ARCHIVED"]}, "findingType": {"eq": ["ExternalAccess"]},
        "resourceType": {"eq": ["AWS::S3::Bucket"]}, "resourceOwnerAccount": {"eq": ["111122223333"]},
        "principal.AWS": {"contains": ["9999"]}, "isPublic": {"eq": ["true"]},
        "condition.aws:SourceIp": {"exists": True}, "resource": {"contains": ["logs"]}}
    assert chosen.to_sort() == {"attributeName": "resource", "orderBy": "ASC"}
    url = chosen.url("/console/findings")
    assert query.parse_query(dict(parse_qsl(urlsplit(url).query))) == chosen
    assert "page=" not in chosen.url("/console/findings", account="444455556666")  # a new filter: page 1
    assert "page=4" in chosen.url("/console/findings", page=4)


def test_equalities_are_given_to_the_database_only_without_other_criteria():
    assert query.parse_query({"account": "1", "isPublic": "false", "status": ""}).equals() == {
        "resourceOwnerAccount": "1", "isPublic": "false"}
    for other in ({"principal": "x"}, {"conditionKey": "aws:SourceIp"}, {"resource": "logs"}):
        assert query.parse_query(other).equals() is None


def test_the_default_query_shows_active_findings_newest_first_and_has_a_bare_url():
    chosen = query.parse_query({})
    assert chosen.to_filter() == {"status": {"eq": ["ACTIVE"]}}
    assert chosen.url("/f") == "/f" and query.parse_query({"status": ""}).to_filter() == {}


def test_bad_values_are_dropped_with_a_message():
    chosen = query.parse_query({"status": "<b>", "sort": "password", "page": "-2", "isPublic": "maybe",
                                "account": "1" * 3000})
    assert chosen == query.FindingsQuery()
    assert len(chosen.problems) == 5


def test_sort_links_flip_the_order_of_the_sorted_column():
    chosen = query.parse_query({"sort": "resource", "order": "asc"})
    flipped = query.parse_query(dict(parse_qsl(urlsplit(chosen.sort_url("/f", "resource")).query)))
    assert (flipped.sort, flipped.order) == ("resource", "desc")
    other = query.parse_query(dict(parse_qsl(urlsplit(chosen.sort_url("/f", "status")).query)))
    assert (other.sort, other.order) == ("status", "asc")


@pytest.mark.parametrize("total, page, expected", [(0, 1, (0, 0, 1)), (120, 1, (0, 50, 3)), (120, 3, (100, 120, 3)),
                                                   (120, 9, (100, 120, 3))])
def test_page_bounds(total, page, expected):
    assert query.page_bounds(total, page) == expected


# --- summary ------------------------------------------------------------------------------------

A, B, C = "111111111111", "222222222222", "333333333333"
ARN = "arn:aws:access-analyzer:us-east-1:111111111111:analyzer/x"


def _row(account, status=ACTIVE, finding_type="ExternalAccess", resource_type="AWS::S3::Bucket", public=False, count=1):
    return FindingOverviewRow(account, finding_type, resource_type, status, public, count)


def _change(account, previous, status, day=1):
    return StatusChange("f", ARN, account, previous, status, datetime(2026, 1, day, 12, tzinfo=timezone.utc), "analysis", 2)


def test_accounts_are_ranked_by_active_findings_with_their_breakdown_and_change():
    rows = [_row(A), _row(B), _row(B, finding_type="UnusedIAMRole", resource_type="AWS::IAM::Role"),
            _row(B, public=True), _row(C), _row(C, status=ARCHIVED), _row(C, status=RESOLVED)]
    latest = [_change(B, None, ACTIVE), _change(C, ACTIVE, RESOLVED), _change(C, ARCHIVED, RESOLVED)]
    data = summary.overview(rows, latest, [], today=date(2026, 1, 2), days=2)
    assert [(a.account, a.active, a.external, a.unused, a.public, a.change) for a in data.accounts] == [
        (B, 3, 2, 1, 1, 1), (A, 1, 1, 0, 0, 0), (C, 1, 1, 0, 0, -1)]
    assert data.accounts[0].by_resource_type == (("AWS::S3::Bucket", 2), ("AWS::IAM::Role", 1))
    assert data.by_type == (("ExternalAccess", 4), ("UnusedIAMRole", 1))
    assert data.statuses == {ACTIVE: 5, ARCHIVED: 1, RESOLVED: 1}


def test_an_account_whose_findings_all_closed_shows_its_change():
    data = summary.overview([], [_change(A, ACTIVE, RESOLVED)], [], today=date(2026, 1, 2))
    assert [(a.account, a.active, a.change) for a in data.accounts] == [(A, 0, -1)]


def test_trend_counts_created_archived_and_resolved_per_day():
    history = [StatusCount(date(2026, 1, 1), True, ACTIVE, 5), StatusCount(date(2026, 1, 1), True, ARCHIVED, 1),
               StatusCount(date(2026, 1, 2), False, ARCHIVED, 2), StatusCount(date(2026, 1, 2), False, RESOLVED, 3),
               StatusCount(date(2026, 1, 5), True, ACTIVE, 9)]  # day 5: after "today"
    days = summary.trend(history, date(2026, 1, 3), days=3)
    assert [(d.day.day, d.created, d.archived, d.resolved) for d in days] == [(1, 6, 1, 0), (2, 0, 2, 3), (3, 0, 0, 0)]


# --- diff ---------------------------------------------------------------------------------------

def test_side_by_side_pairs_equal_lines_and_marks_removed_ones():
    before = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}]}'
    after = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}'
    rows = diff.side_by_side(before, after)
    assert [(r.kind, r.left.strip(), r.right and r.right.strip()) for r in rows if r.kind != "same"] == [
        ("changed", '"s3:GetObject",', '"s3:GetObject"'), ("removed", '"s3:PutObject"', None)]
    assert all(r.left == r.right for r in rows if r.kind == "same")


# --- auth ---------------------------------------------------------------------------------------

def test_login_only_with_the_configured_pair_and_sessions_are_signed():
    console_auth = auth.ConsoleAuth({"AKIAEXAMPLE": "s3cret"})
    assert console_auth.required
    assert console_auth.login("AKIAEXAMPLE", "wrong") is None and console_auth.login("AKIAOTHER", "s3cret") is None
    session = console_auth.login("AKIAEXAMPLE", "s3cret")
    assert session is not None and console_auth.allowed(session)
    cookie = console_auth.dump(session)
    assert console_auth.load(cookie) == session
    assert console_auth.load(cookie[:-2] + ("A" if cookie[-2] != "A" else "B") + cookie[-1]) is None  # forged
    assert console_auth.load("x" * 5000) is None and console_auth.load(None) is None
    other = auth.ConsoleAuth({"AKIAEXAMPLE": "s3cret"})  # another server start: another key
    assert other.load(cookie) is None
    assert not console_auth.allowed(console_auth.new_session())


def test_csrf_tokens_are_bound_to_the_session():
    console_auth = auth.ConsoleAuth(None)
    one, two = console_auth.new_session(), console_auth.new_session()
    assert not console_auth.required and console_auth.allowed(one)
    assert console_auth.csrf_ok(one, console_auth.csrf_token(one))
    assert not console_auth.csrf_ok(two, console_auth.csrf_token(one))
    assert not console_auth.csrf_ok(one, None) and not console_auth.csrf_ok(one, "")
