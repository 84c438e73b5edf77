"""DuckDB over CloudTrail files, read in place: the activity of principals, aggregated.

One scan of the files answers everything generation needs: for every principal (or the one
asked for), the distinct calls it made (service, operation, Region, account, error code,
request parameters, resources) with their counts and first/last times per UTC day; the latest
event time of the whole data (for the default time range); and the records that are not
CloudTrail events, by file. Only the fields named in ``EVENT_SCHEMA`` are converted.

The files come measured from ``sources`` (damaged gzip streams and files past the size limit
are already set aside there, so no file DuckDB reads expands past that limit). A file with
malformed JSON makes DuckDB stop with an error that names the file; the file is then set aside,
reported, and the scan runs again without it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Callable, NamedTuple, Optional, Sequence

import duckdb

from .sources import ARRAY, LINES, RECORDS, FileProblem, LogFile

# The fields read from each event, as DuckDB types (everything else is skipped by the parser).
EVENT_SCHEMA: dict = {
    "eventTime": "VARCHAR", "eventSource": "VARCHAR", "eventName": "VARCHAR", "awsRegion": "VARCHAR",
    "recipientAccountId": "VARCHAR", "errorCode": "VARCHAR",
    "userIdentity": {"type": "VARCHAR", "arn": "VARCHAR", "accessKeyId": "VARCHAR",
                     "sessionContext": {"sessionIssuer": {"arn": "VARCHAR"}}},
    "requestParameters": "JSON", "resources": "JSON",
}
EVENT_COLUMNS = ", ".join(f"r.{name}" for name in EVENT_SCHEMA)
MAX_RETRIES_BY_NAME = 5
MAX_OBJECT_LIMIT = 1 << 31  # DuckDB's maximum_object_size is a 32-bit unsigned integer
MIN_OBJECT_LIMIT = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PrincipalSelector:
    """An IAM user or role, as StartPolicyGeneration's ``principalArn`` names it."""

    arn: str
    kind: str  # "user" | "role"
    partition: str
    account: str
    name: str

    @staticmethod
    def parse(arn: str) -> "PrincipalSelector":
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or parts[2] != "iam":
            raise ValueError(f"principalArn must be the ARN of an IAM user or role: {arn}")
        kind, _, rest = parts[5].partition("/")
        if kind not in ("user", "role") or not rest:
            raise ValueError(f"principalArn must be the ARN of an IAM user or role: {arn}")
        return PrincipalSelector(arn, kind, parts[1], parts[4], rest.rsplit("/", 1)[-1])

    @property
    def session_prefix(self) -> str:
        """Every session of a role: ``arn:aws:sts::<account>:assumed-role/<name>/`` (no path)."""
        return f"arn:{self.partition}:sts::{self.account}:assumed-role/{self.name}/"


# The principal an event belongs to: the issuer of a session (role, or the IAM user behind a
# federated-user session), else the caller itself. Sessions of a role are the role's activity.
PRINCIPAL_KEY = "coalesce(userIdentity.sessionContext.sessionIssuer.arn, userIdentity.arn)"
LONG_TERM_KEY = "CASE WHEN starts_with(userIdentity.accessKeyId, 'AKIA') THEN userIdentity.accessKeyId END"


class CallGroup(NamedTuple):
    """Identical calls of one principal on one UTC day.

    A named tuple (immutable, as a frozen dataclass): the aggregation's rows become groups
    without running Python code per field (a frozen dataclass took 0.9 s for 169,000 groups).
    """

    principal: str
    caller: str  # one caller ARN of the group (a user, a role session, a federated user)
    event_source: str
    event_name: str
    region: Optional[str]
    account: Optional[str]
    error_code: Optional[str]
    request_parameters: Optional[str]  # JSON text
    resources: Optional[str]  # JSON text
    day: date
    count: int
    first_seen: datetime  # naive, UTC (converting every row to an aware datetime costs more than the scan)
    last_seen: datetime
    # The long-term access key (``AKIA...``) the calls were signed with; None for temporary
    # credentials (role sessions) and console calls. The unused access analyzer reads key use from it.
    access_key: Optional[str] = None

    def parameters(self) -> Optional[dict]:
        value = json.loads(self.request_parameters) if self.request_parameters else None
        return value if isinstance(value, dict) else None

    def resource_arns(self) -> tuple[str, ...]:
        value = json.loads(self.resources) if self.resources else None
        if not isinstance(value, list):
            return ()
        return tuple(r["ARN"] for r in value if isinstance(r, dict) and isinstance(r.get("ARN"), str))


@dataclass
class Activity:
    groups: list[CallGroup] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    data_end: Optional[datetime] = None  # the latest event time in all files read
    events_read: int = 0
    files_read: int = 0


def _source_sql(files: Sequence[LogFile], one_line: frozenset[str] = frozenset()) -> Optional[str]:
    """One SELECT over all files, whatever their layout, yielding one row per event.

    Every layout is read as whole JSON values (``read_json_objects``) and converted with
    ``from_json`` to the few fields in ``EVENT_SCHEMA``: for CloudTrail's one-object-per-file
    ``{"Records": [...]}`` this is about 25 times faster than ``read_json`` with ``columns``, which
    re-scans a multi-megabyte single object (measured with DuckDB 2.0 on 2.5 MB files).

    A ``{"Records": [...]}`` file written on one line (as CloudTrail writes them; the paths in
    ``one_line``) is read as a line (``newline_delimited``) rather than as an ``unstructured``
    value: the same text reaches ``from_json``, but the scan does not parse the object to find
    where it ends (2.3 times faster scan, a quarter off the whole query; DuckDB 2.0, 5 MB files).
    A file that breaks a line after all is refused, and read again the general way (see
    ``read_activity``). ``read_json`` with ``format='newline_delimited'`` and ``columns`` would
    parse once instead of twice, but it is strict where ``from_json`` is lenient and, over gzip
    files, ran on one thread only (DuckDB 2.0.1).
    """
    parts: list[str] = []
    one = json.dumps(EVENT_SCHEMA).replace("'", "''")
    many = json.dumps([EVENT_SCHEMA]).replace("'", "''")
    records = json.dumps({"Records": [EVENT_SCHEMA]}).replace("'", "''")
    for layout, expression, fmt, chosen in (
            (RECORDS, f"unnest(from_json(json, '{records}').Records)", "newline_delimited",
             [f for f in files if f.layout == RECORDS and f.path in one_line]),
            (RECORDS, f"unnest(from_json(json, '{records}').Records)", "unstructured",
             [f for f in files if f.layout == RECORDS and f.path not in one_line]),
            (ARRAY, f"unnest(from_json(json, '{many}'))", "unstructured", [f for f in files if f.layout == ARRAY]),
            (LINES, f"from_json(json, '{one}')", "newline_delimited", [f for f in files if f.layout == LINES])):
        if chosen:
            parts.append(f"SELECT {EVENT_COLUMNS}, filename FROM (SELECT {expression} AS r, filename FROM "
                         f"read_json_objects({_list([f.path for f in chosen])}, format='{fmt}', filename=true, "
                         f"maximum_object_size={_object_limit(chosen)}))")
    return " UNION ALL ".join(parts) if parts else None


def _object_limit(files: Sequence[LogFile]) -> int:
    """DuckDB's buffer for one JSON value: large enough for the largest file, and no larger (a
    1 GiB buffer made the scan 50% slower than a 16 MiB one, measured with DuckDB 2.0)."""
    largest = max(f.content_size for f in files) + 1
    return min(MAX_OBJECT_LIMIT, max(MIN_OBJECT_LIMIT, 1 << (largest - 1).bit_length()))


def _list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def _aggregate_sql(source: str, selector: Optional[PrincipalSelector], start: Optional[datetime],
                   end: Optional[datetime]) -> tuple[str, list]:
    params: list = []
    if selector is None:
        match = f"{PRINCIPAL_KEY} IS NOT NULL"
    elif selector.kind == "role":
        match = ("(userIdentity.sessionContext.sessionIssuer.arn = ? OR "
                 "(userIdentity.type = 'AssumedRole' AND starts_with(userIdentity.arn, ?)))")
        params += [selector.arn, selector.session_prefix]
    else:
        match = "(userIdentity.arn = ? OR userIdentity.sessionContext.sessionIssuer.arn = ?)"
        params += [selector.arn, selector.arn]
    if start is not None:
        match += " AND t >= ?"
        params.append(_naive_utc(start))
    if end is not None:
        match += " AND t <= ?"
        params.append(_naive_utc(end))
    valid = "(eventSource IS NOT NULL AND eventName IS NOT NULL AND t IS NOT NULL)"

    def only(expr: str) -> str:
        return f"CASE WHEN m THEN {expr} END"

    # The columns of a CallGroup, in order, then the file of records that are not events.
    sql = f"""
        SELECT principal, coalesce(nullif(caller, ''), principal) AS caller, event_source, event_name, region,
               account, error_code, request_parameters, resources, day, n, first_seen, last_seen, access_key, bad_file
        FROM (
            SELECT {only(PRINCIPAL_KEY)} AS principal,
                   {only('eventSource')} AS event_source, {only('eventName')} AS event_name,
                   {only('awsRegion')} AS region, {only('recipientAccountId')} AS account,
                   {only('errorCode')} AS error_code,
                   {only('CAST(requestParameters AS VARCHAR)')} AS request_parameters,
                   {only('CAST(resources AS VARCHAR)')} AS resources,
                   {only('CAST(t AS DATE)')} AS day,
                   {only(LONG_TERM_KEY)} AS access_key,
                   CASE WHEN NOT ok THEN filename END AS bad_file,
                   any_value(userIdentity.arn) AS caller,
                   count(*) AS n, min(t) AS first_seen, max(t) AS last_seen
            FROM (
                SELECT *, ok AND {match} AS m FROM (
                    SELECT *, {valid} AS ok FROM (
                        SELECT *, TRY_CAST(eventTime AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS t FROM ({source})
                    )
                )
            )
            GROUP BY ALL
        )
    """
    return sql, params


def _naive_utc(value: datetime) -> datetime:
    """The query compares naive UTC timestamps (``eventTime`` is UTC, ``Z``)."""
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value


class ReadError(Exception):
    pass


def read_activity(files: Sequence[LogFile], selector: Optional[PrincipalSelector] = None,
                  start: Optional[datetime] = None, end: Optional[datetime] = None,
                  on_progress: Optional[Callable[[float], None]] = None,
                  cancelled: Optional[Callable[[], bool]] = None) -> Activity:
    """Aggregate the activity in ``files`` (all principals when ``selector`` is None)."""
    remaining = list(files)
    one_line = frozenset(f.path for f in remaining if f.layout == RECORDS and f.single_line)
    problems: list[FileProblem] = []
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")  # DuckDB's own bar would print on standard output
    retries = demotions = 0
    while True:
        source = _source_sql(remaining, one_line)
        if source is None:
            return Activity(problems=problems)
        sql, params = _aggregate_sql(source, selector, start, end)
        try:
            return _run(con, sql, params, on_progress, cancelled, remaining, problems)
        except duckdb.InterruptException:
            raise
        except duckdb.Error as e:
            message = str(e)
            named = [f for f in remaining if f.path in message]
            culprit = max(named, key=lambda f: len(f.path)) if named else None  # a.json vs a.json.gz
            if one_line and (culprit is None or culprit.path in one_line):
                # Refused when read as one line (a line break further on, or damage): read it the
                # general way, which decides. Past a few such files, read them all that way.
                demotions += 1
                one_line = (one_line - {culprit.path} if culprit is not None and demotions <= MAX_RETRIES_BY_NAME
                            else frozenset())
                continue
            if culprit is None or retries >= MAX_RETRIES_BY_NAME:
                bad = _probe_each(con, remaining)
                if not bad:
                    raise ReadError(message) from None
                culprits = bad
            else:
                culprits = [(culprit, _reason(message))]
            retries += 1
            for f, reason in culprits:
                problems.append(FileProblem(f.name, reason))
            dropped = {f.path for f, _ in culprits}
            remaining = [f for f in remaining if f.path not in dropped]


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: list, on_progress: Optional[Callable[[float], None]],
         cancelled: Optional[Callable[[], bool]], files: Sequence[LogFile], problems: list[FileProblem]) -> Activity:
    if on_progress is None and cancelled is None:
        return _activity(con.execute(sql, params), files, problems)
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.1):
            if cancelled is not None and cancelled():
                con.interrupt()
                return
            if on_progress is not None:
                progress = con.query_progress()
                if progress >= 0:
                    on_progress(progress)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        return _activity(con.execute(sql, params), files, problems)
    finally:
        done.set()
        watcher.join()


def _reason(message: str) -> str:
    text = message.split("\n", 1)[0]
    if "GZIP" in text or "gzip" in text:
        return f"corrupt or truncated gzip: {text}"
    if "Malformed JSON" in text or "unexpected end" in text:
        return f"malformed or truncated JSON: {text}"
    return f"unreadable: {text}"


def _probe_each(con: duckdb.DuckDBPyConnection, files: Sequence[LogFile]) -> list[tuple[LogFile, str]]:
    """Read files one by one to find those DuckDB cannot read (when an error names none)."""
    bad: list[tuple[LogFile, str]] = []
    for f in files:
        source = _source_sql([f])
        try:
            con.execute(f"SELECT count(*) FROM ({source})").fetchall()
        except duckdb.Error as e:
            bad.append((f, _reason(str(e))))
    return bad


def _utc(value: Optional[datetime]) -> Optional[datetime]:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


FETCH_ROWS = 20_000


def _activity(result: duckdb.DuckDBPyConnection, files: Sequence[LogFile], problems: list[FileProblem]) -> Activity:
    """The groups of the aggregation, fetched a slice at a time (never all rows as tuples at once)."""
    by_path = {f.path: f.name for f in files}
    activity = Activity(problems=list(problems), files_read=len(files))
    groups = activity.groups
    end: Optional[datetime] = None
    new = tuple.__new__
    while rows := result.fetchmany(FETCH_ROWS):
        for row in rows:
            bad_file = row[14]
            if bad_file is not None:
                activity.problems.append(FileProblem(
                    by_path.get(bad_file, bad_file),
                    f"{row[10]} record(s) without eventSource, eventName or a valid eventTime: not CloudTrail events, "
                    "skipped"))
                continue
            activity.events_read += row[10]
            last = row[12]
            if last is not None and (end is None or last > end):
                end = last
            if row[0] is not None:
                groups.append(new(CallGroup, row[:14]))
    activity.data_end = _utc(end)
    return activity
