"""The fingerprint-check log and its rate limit: who evaluated files against the chain's
fingerprint locks, when, through which endpoint, and how often.

Evaluating a file — computing its keyed fingerprints and asking the contract which active
financing holds each (``fingerprintHolder``) — is what makes the check endpoint useful to a bank
and, unchecked, an oracle: someone guessing a seller's invoice numbers learns which one is
financed. Three things keep it honest (docs/privacy.md):

1. **Every evaluation is logged** in the gateway database (``fingerprint_checks``): the
   participant and its role, the time, the action (``check``, ``receive``, ``register``,
   ``supersede``) and the endpoint, how many fingerprints were looked up and how many were held
   by an active financing, and the outcome (``ok``, ``rate_limited`` or the error that ended
   it). Never the file, its hash, its facts or its fingerprints. REGULATOR participants read the
   log (``GET /v1/audit/fingerprint-checks``, ``tradeledger audit fingerprint-checks``).
2. **Checks are rate-limited per participant**: at most ``Settings.fingerprint_check_limit``
   checks by ``check`` and ``receive`` (the API's ``/v1/documents/check`` and ``/receive``,
   the CLI's ``doc check`` and ``doc receive --as``) per ``fingerprint_check_window`` seconds,
   whatever the role: every member's checks count, though only a bank's files with facts have
   their fingerprints evaluated (the others' count as checks, never as evaluations, and the
   refusal says so: :func:`limit_message`). One more is refused with :class:`RateLimited` (HTTP
   429 with ``Retry-After``) and logged as ``rate_limited``. Checks that are running or done
   count; those refused, or that failed (a file that cannot be read), do not. The count is read
   from the log, so every process of a data directory shares it and it survives a restart,
   plus the evaluations running in this process (within one process it is exact; another
   process of the data directory, such as the CLI beside the gateway, sees this one's
   evaluations once they end, so together they may pass over by as many as run at once).
   An evaluation is logged once, complete, when it ends (issue #16); one cut short by a crash
   of the gateway, whose answer never left it, is not.
3. Only a member **active on chain** evaluates (``ledger.services.standing``).

What an evaluation shows, and to whom, is :mod:`ledger.services.disclosure`.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from ledger.errors import EvaluatorUnavailable, InvalidInput, NotFound, RateLimited
from ledger.gatewaydb import CheckEntry, FingerprintCheck
from ledger.network import Ledger
from ledger.services.audit import parse_address, parse_bounds_ms, parse_filter
from ledger.services.paging import id_cursor
from ledger.services.standing import member_name, require_active
from ledger.words import named, utc_text

#: the actions whose evaluations count towards the limit
LIMITED_ACTIONS = frozenset({"check", "receive"})
ACTIONS = ("check", "receive", "register", "supersede")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

#: one admission at a time in this process, so the limit is exact within it
_ADMISSION = threading.Lock()


@dataclass(frozen=True)
class Via:
    """Where an evaluation was asked for: ``action`` (check, receive, register, supersede),
    ``endpoint`` (``POST /v1/documents/check``, ``tradeledger doc check``) and whether the
    per-participant limit applies (``limited``: a participant acting through its API key or
    the CLI's ``--as``; the gateway's own calls, such as the demo, are logged, not limited)."""

    action: str
    endpoint: str
    limited: bool = False


#: the gateway's own evaluations (services called directly): logged, never limited
SERVICE_CHECK = Via("check", "service")
SERVICE_RECEIVE = Via("receive", "service")
SERVICE_REGISTER = Via("register", "service")
SERVICE_SUPERSEDE = Via("supersede", "service")


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class Admission:
    """An evaluation admitted by :func:`admit`, logged by :func:`finish` when it ends: one row,
    complete, written once (issue #16: one commit per evaluation, not two). While it runs it
    counts towards its participant's limit in this process (:data:`_RUNNING`)."""

    at_ms: int
    actor: str
    role: str
    via: Via
    counted: bool
    files: int = 1


#: evaluations admitted and not finished in this process, that count towards a limit: their
#: start times by participant (the log has no row for them yet)
_RUNNING: dict[str, list[int]] = {}


def admit(ledger: Ledger, actor: str, role: str, via: Via, files: int = 1) -> Admission:
    """Admit an evaluation by ``actor`` of ``files`` files that starts now; :func:`finish`
    logs it.
    For a limited ``via`` of a participant (``actor`` non-empty): :class:`MemberSuspended`
    when it is not an active member on chain, and :class:`RateLimited` — logged as
    ``rate_limited`` — when ``check`` and ``receive`` evaluations (logged, or running in this
    process) already reached the limit within the window."""
    if via.action not in ACTIONS:
        raise ValueError(f"unknown fingerprint-check action {via.action!r}")
    if via.limited and actor:
        require_active(ledger, actor, _asked(via.action, role))
    settings = ledger.settings
    limit, window = settings.fingerprint_check_limit, settings.fingerprint_check_window
    counts = bool(via.limited and actor and limit and via.action in LIMITED_ACTIONS)
    if not counts:
        return Admission(_now_ms(), actor, role, via, counted=False, files=files)
    with _ADMISSION:
        now = _now_ms()
        since = now - window * 1000
        running = [t for t in _RUNNING.get(actor, []) if t >= since]
        counted = sorted(
            ledger.db.counted_fingerprint_checks(actor, LIMITED_ACTIONS, since) + running
        )
        if len(counted) >= limit:
            ledger.db.add_fingerprint_check(
                CheckEntry(now, actor, role, via.action, via.endpoint, "rate_limited")
            )
            # the evaluation that frees a place is the one ``limit`` places from the end
            free_at = counted[len(counted) - limit] + window * 1000
            retry = max(1, math.ceil((free_at - now) / 1000))
            raise RateLimited(
                limit_message(
                    named(actor, member_name(ledger, actor)),
                    role,
                    len(counted),
                    limit,
                    window,
                    retry,
                ),
                limit=limit,
                window=window,
                retry_after=retry,
                participant=actor,
                rule="fingerprint_check_limit",
            )
        _RUNNING.setdefault(actor, []).append(now)
        return Admission(now, actor, role, via, counted=True, files=files)


#: what each action asks, in words
_ASKS = {
    "check": "check files",
    "receive": "lodge files",
    "register": "register files",
    "supersede": "supersede documents",
}


def _asked(action: str, role: str) -> str:
    """What a member of ``role`` asked by ``action``, as a refusal says it: a bank's files
    with facts have their fingerprints evaluated; another member's never do, so it is never
    told of evaluating."""
    asked = _ASKS[action]
    return f"{asked} (evaluating their fingerprints)" if role == "bank" else asked


def limit_message(actor: str, role: str, made: int, limit: int, window: int, retry: int) -> str:
    """The refusal of a check past the limit by ``actor`` (as people read a member: ``Bank B
    (0x…)``), true for ``role``: what counts is the checks
    (``check`` and ``receive`` requests), every member's; only a bank's files are evaluated
    against the fingerprints financings lock (files with facts; docs/fingerprints.md), so only
    a bank is told that its checks evaluate fingerprints."""
    evaluates = (
        " (each a file's fingerprints evaluated, or a file without facts)" if role == "bank" else ""
    )
    return (
        f"{actor} made {made} file checks (check, receive) in the last {window} s{evaluates}: "
        f"the limit is {limit} per {window} s (TRADELEDGER_FINGERPRINT_CHECK_LIMIT); "
        f"retry in {retry} s. A check of a file whose every fingerprint was known here "
        "already (checked or lodged before) does not count"
    )


def entry(
    admitted: Admission, evaluated: int, matched: int, outcome: str = "ok", sent: int = 0
) -> CheckEntry:
    """The log entry of evaluation ``admitted`` as it ended: ``evaluated`` fingerprints looked
    up on chain, ``matched`` of them held by an active financing; ``outcome`` ``ok`` or an
    error's code; ``sent``, the inputs it had the evaluator evaluate (0 with ``evaluated`` > 0:
    every fingerprint was known here already, and the check does not count towards the
    limit). Written by :func:`finish`, or by the caller with the files it read
    (:meth:`GatewayDB.store_received_many`); :func:`release` either way."""
    via = admitted.via
    return CheckEntry(
        admitted.at_ms,
        admitted.actor,
        admitted.role,
        via.action,
        via.endpoint,
        outcome,
        files=admitted.files,
        evaluated=evaluated,
        matched=matched,
        sent=sent,
    )


def release(admitted: Admission) -> None:
    """Stop counting ``admitted`` as running (its log entry is written, or being written)."""
    if not admitted.counted:
        return
    with _ADMISSION:
        _release_locked(admitted)


def _release_locked(admitted: Admission) -> None:
    running = _RUNNING.get(admitted.actor, [])
    if admitted.at_ms in running:
        running.remove(admitted.at_ms)
    if not running:
        _RUNNING.pop(admitted.actor, None)


def finish(
    ledger: Ledger,
    admitted: Admission,
    evaluated: int,
    matched: int,
    outcome: str = "ok",
    sent: int = 0,
) -> None:
    """Log evaluation ``admitted`` as it ended (see :func:`entry`). One that counts towards a
    limit is written and stops counting as running in one step under the admission lock, so
    an admission never counts it twice (running and logged) nor misses it."""
    logged = entry(admitted, evaluated, matched, outcome, sent)
    if not admitted.counted:
        ledger.db.add_fingerprint_check(logged)
        return
    with _ADMISSION:
        try:
            ledger.db.add_fingerprint_check(logged)
        finally:
            _release_locked(admitted)


@dataclass(frozen=True)
class CheckRecord:
    """A logged evaluation as the regulator reads it (``at``: ISO 8601 UTC). ``evaluated``:
    the fingerprints looked up on chain, each file's (0 for a request refused before any
    evaluation, such as a registration of a file registered already); the evaluator's own log
    counts the inputs of its requests instead, a batch's distinct inputs once, so a batch
    whose files share an input is charged fewer there (docs/privacy.md). ``matched``: those
    held by an active financing."""

    check_id: int
    at: str
    participant: str
    participant_name: str | None
    role: str
    action: str
    endpoint: str
    evaluated: int
    matched: int
    outcome: str
    #: inputs it had the consortium's evaluator evaluate (0: every fingerprint it looked up was
    #: known here already, a file checked before; null: logged by an earlier release)
    sent: int | None = None


@dataclass(frozen=True)
class CheckPage:
    items: list[CheckRecord]
    next_cursor: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"items": [asdict(i) for i in self.items], "next_cursor": self.next_cursor}


def _name(ledger: Ledger, address: str, known: dict[str, str | None]) -> str | None:
    if address not in known:
        try:
            known[address] = ledger.db.participant(address).name if address else None
        except NotFound:
            known[address] = None
    return known[address]


def checks_page(
    ledger: Ledger,
    participant: str | None = None,
    since: str | None = None,
    until: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> CheckPage:
    """Logged evaluations, oldest first, of one ``participant`` (an address) or everyone's,
    between ``since`` and ``until`` (ISO 8601 or Unix seconds, inclusive: a date alone as
    ``until`` is the whole of that day, UTC, up to 23:59:59.999); paginated by ``cursor`` (the
    ``next_cursor`` of the previous page). InvalidInput names a bad field, and a filter given
    empty (refused, never read as "no filter")."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("limit", f"must be between 1 and {MAX_LIMIT}")
    who = parse_filter(participant, "participant", parse_address)
    start_ms, end_ms = parse_bounds_ms(since, until)
    rows, more = ledger.db.fingerprint_checks(who, start_ms, end_ms, id_cursor(cursor), limit)
    names: dict[str, str | None] = {}
    items = [_record(ledger, r, names) for r in rows]
    return CheckPage(items, str(rows[-1].check_id) if more and rows else None)


def _record(ledger: Ledger, row: FingerprintCheck, names: dict[str, str | None]) -> CheckRecord:
    at = datetime.fromtimestamp(row.at_ms / 1000, UTC)
    return CheckRecord(
        check_id=row.check_id,
        at=utc_text(at, "milliseconds"),
        participant=row.participant,
        participant_name=_name(ledger, row.participant, names),
        role=row.role,
        action=row.action,
        endpoint=row.endpoint,
        evaluated=row.evaluated,
        matched=row.matched,
        outcome=row.outcome or "running",
        sent=row.sent,
    )


def evaluations_page(
    ledger: Ledger, reader: str, member: str = "", after: int = 0, limit: int = 500
) -> dict[str, Any]:
    """The consortium evaluator's log as a list page, read with ``reader``'s key (a regulator):
    ``{"items": [{"id", "member", "at" (RFC 3339 UTC), "count", "outcome"}], "next_cursor"}``
    (``next_cursor``: the last id when the page is full, to pass as the next ``cursor``; None
    at the end). Raises as :meth:`Ledger.evaluation_log` (Forbidden, EvaluatorUnavailable)."""
    entries = ledger.evaluation_log(reader, member, after, limit)
    try:
        items = [{**entry, "at": utc_text(int(str(entry["at"])))} for entry in entries]
    except (KeyError, ValueError, OverflowError):
        raise EvaluatorUnavailable(
            "the evaluator's log holds an entry without a valid time", reason="bad_answer"
        ) from None
    last = entries[-1].get("id") if entries and len(entries) >= limit else None
    return {"items": items, "next_cursor": None if last is None else str(last)}
