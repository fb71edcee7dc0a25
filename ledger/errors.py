"""One exception tree for the whole gateway, from contract revert to HTTP status.

::

    LedgerError                      every error the gateway raises on purpose
    ├── InvalidInput (ValueError)    bad input: names the field and the rule          → 422
    │   └── DocumentFormatError      a file that claims a format but does not conform → 422
    ├── NotFound (LookupError)       an unknown document, member, financing, key      → 404
    ├── Unauthorized                 no or unknown API key                             → 401
    ├── Forbidden                    the caller's role may not do this                → 403
    │   ├── MemberSuspended          the caller is a suspended member: it may only     → 403
    │   │                            read its own history
    │   ├── MemberPending            the caller's membership is pending (not yet       → 403
    │   │                            approved on chain): it may only read its own
    │   │                            history until M admins approve it
    │   └── KeyRotatedAway           a signing key its member rotated away from on     → 403
    │                                chain: the gateway signs nothing more with it
    ├── Conflict                     a duplicate or a conflicting record               → 409
    │   ├── FinancingRefused         the chain refused a financing and recorded why    → 409
    │   ├── AlreadyFinancedByYou     a financing of a document the bank's own active   → 409
    │   │                            financing holds: doomed on chain, so not sent
    │   └── SuspicionsUnacknowledged a financing of documents suspected of re-issuing  → 409
    │       │                        or splitting another, not acknowledged: not sent
    │       └── DocumentPledged      …and one of them is pledged to another bank's      → 409
    │                                active financing: no acknowledgement would help
    ├── PayloadTooLarge              a request body past the gateway's limit           → 413
    ├── RateLimited                  too many requests of one kind in a time window    → 429
    │                                (``retry_after`` seconds: the Retry-After header)
    ├── ChainUnavailable             the node cannot be reached                        → 503
    │   └── TransactionRejected      the node refused a transaction (nonce, fees, funds) → 503
    ├── LedgerStateError             the data directory, manifest or keys are unusable → 500
    │   └── JoinPending              this gateway's member is still joining (its       → 503
    │                                membership is not on chain yet)
    └── ContractError                a revert, named exactly like the Solidity error
        └── one subclass per custom error in the ABI (see ledger.revert), e.g.
            DocumentAlreadyRegistered, RoleNotAllowed, DrawdownExceedsFinancing …
            each also subclasses the category above that fits it (Conflict, Forbidden, …)

The API maps these classes to HTTP statuses in one table (``api.errors``); nothing else in the
gateway decides a status code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class LedgerError(Exception):
    """Root of every error the gateway raises on purpose."""

    #: a stable, machine-readable name for clients (the class name unless overridden)
    code: str = "ledger_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details

    def to_dict(self) -> dict[str, Any]:
        """The error as a client sees it: its name, message and arguments."""
        return {"error": self.code, "message": self.message, "details": self.details}


class InvalidInput(LedgerError, ValueError):
    """Bad input. ``field`` names the input, ``rule`` the rule it broke."""

    code = "invalid_input"

    def __init__(self, field: str, rule: str, **details: Any) -> None:
        problems = details.get("problems")
        message = problems_message(problems) if isinstance(problems, list) else ""
        super().__init__(message or f"{field}: {rule}", field=field, rule=rule, **details)
        self.field = field
        self.rule = rule


def problems_message(problems: list[Any]) -> str:
    """One message naming every problem of a refused input, the first first: ``"amount: must
    be positive; currency: must be an ISO 4217 code"`` (``problems``: ``{"field", "rule"}``
    dicts, as ``details.problems`` lists them). A tryout's request with two bad fields was told
    of the first alone, in the API's message and so on the CLI's ``error:`` line. Empty when
    ``problems`` names none."""
    named = [
        f"{p['field']}: {p['rule']}"
        for p in problems
        if isinstance(p, dict) and isinstance(p.get("field"), str) and "rule" in p
    ]
    return "; ".join(named)


class DocumentFormatError(InvalidInput):
    """A file that claims a format (UBL, CII, Factur-X, JSON form) but does not conform."""

    code = "document_format_error"


class NotFound(LedgerError, LookupError):
    """An unknown record. ``field`` names the input that named it (``doc_hash``,
    ``financing_id``, ``address``): by default the first of ``details``, which name the
    record (``NotFound("no financing 7", financing_id=7)``). The error body carries it and the
    rule (the message) as every refusal of an input does (:func:`ledger.messages.error_body`)."""

    code = "not_found"
    #: a contract's not-found revert names its field through ``ledger.revert.FIELDS``
    field: str | None = None

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message, **details)
        named = details.get("field")
        self.field = named if isinstance(named, str) else next(iter(details), None)


class Unauthorized(LedgerError):
    """No credentials, or credentials that name no participant. Its details name the
    ``Authorization`` header and the rule (``message``), as every other refusal names its
    field (a tryout read ``details: {}`` on a 401)."""

    code = "unauthorized"

    def __init__(self, message: str, **details: Any) -> None:
        details.setdefault("field", "Authorization")
        details.setdefault("rule", message)
        super().__init__(message, **details)


class Forbidden(LedgerError):
    """The caller is known but may not do this."""

    code = "forbidden"


def role_not_allowed(role: str, allowed: tuple[str, ...], action: str) -> Forbidden:
    """The 403 for a caller whose ``role`` is none of ``allowed`` asking to do ``action`` (words
    that follow "may not": ``add a member``) — the API's ``require_role`` and the CLI's ``--as``
    (``ledger.services.audit.require_reader``) in the same words: what was refused and who may
    do it (``role bank may not add a member (allowed: admin)``; ``details``: ``role``,
    ``action``, ``allowed``)."""
    return Forbidden(
        f"role {role} may not {action} (allowed: {', '.join(allowed)})",
        role=role,
        action=action,
        allowed=list(allowed),
    )


def not_own_records(role: str, action: str, allowed: tuple[str, ...], condition: str) -> Forbidden:
    """The 403 for a caller of ``role`` asking for another member's records, which only the
    roles ``allowed`` read (``condition``: what the others may, ``its own only``): the one
    error shape of :func:`role_not_allowed`, with the condition said too."""
    return Forbidden(
        f"role {role} may not {action}: {condition} (every member's: {', '.join(allowed)})",
        role=role,
        action=action,
        allowed=list(allowed),
        condition=condition,
    )


class MemberSuspended(Forbidden):
    """The caller is a member the admins suspended on chain: it keeps no off-chain powers and
    may only read its own history (``rule`` says so)."""

    code = "member_suspended"


class MemberPending(Forbidden):
    """The caller has joined but its membership is not yet approved on chain (a join request,
    or an ``add_member`` proposal short of M approvals): it may only read its own history until
    the consortium's admins approve it. ``details`` say who approves it (``approved_by``, the
    ``threshold`` M, a pending ``proposal_id`` and its ``approvals``) and what to do
    (``next_step``). Never called suspended: it was never active."""

    code = "member_pending"


class KeyRotatedAway(Forbidden):
    """A member's key was rotated on chain and the gateway adopted its new key
    (``ledger.services.rotation``): the old key signs nothing more (``new_account`` names the
    address the member signs as now)."""

    code = "key_rotated_away"


class RateLimited(LedgerError):
    """Too many requests of one kind by one participant within a window. ``limit`` requests
    per ``window`` seconds are allowed; ``retry_after`` (whole seconds, at least 1) says when
    the next one will be."""

    code = "rate_limited"

    def __init__(
        self, message: str, *, limit: int, window: int, retry_after: int, **details: Any
    ) -> None:
        super().__init__(
            message, limit=limit, window_seconds=window, retry_after=retry_after, **details
        )
        self.retry_after = max(1, retry_after)


class Conflict(LedgerError):
    """A duplicate or a conflicting record."""

    code = "conflict"


#: the rule an ``Idempotency-Key`` (the CLI's ``--idempotency-key``) given again with another
#: request broke
KEY_REUSED_RULE = (
    "was given before with another request: a key names one write (its method, path, query "
    "and body) — repeat that request to read its outcome, or use a new key for this one"
)


def key_reused(key: str) -> Conflict:
    """The 409 ``conflict`` of an ``Idempotency-Key`` bound to another request, naming the
    header as the field (``details.field``, ``details.rule``) and the key itself
    (``idempotency_key``) — at the API's door and in the transaction journal alike."""
    return Conflict(
        f"Idempotency-Key: {KEY_REUSED_RULE}",
        field="Idempotency-Key",
        rule=KEY_REUSED_RULE,
        idempotency_key=key,
    )


class FinancingRefused(Conflict):
    """The contract refused a financing and recorded the attempt (event FinancingRefused)."""

    code = "financing_refused"


class AlreadyFinancedByYou(Conflict):
    """A financing not sent: a fingerprint of a pledged document is held by an active financing
    of the same bank (``financing_id``; every one in ``financing_ids``). The ledger holds one
    active financing per invoice, the bank's own included, so the chain would refuse the
    attempt and record it as a refusal against the bank — a suspicion of double financing for
    what is the bank's own financing. The gateway answers it first: nothing is written, on chain
    or off, and nothing is recorded against the bank. ``field`` names the pledged document,
    ``rule`` the rule. (An attempt on a document another bank holds is still sent, refused and
    recorded: :class:`FinancingRefused`.)"""

    code = "already_financed_by_you"


class CancelWithMoneyOut(Conflict):
    """A cancel not sent: the financing's book shows money drawn and not repaid
    (``outstanding``, minor units of ``currency``). A cancel releases the financing's documents
    for financing elsewhere; released while the bank is still owed, the same invoice could
    carry a second financing above its face value, and the repayments of the cancelled one
    could never be recorded (the contract takes entries of active financings only). The bank
    records the repayments first (``POST /v1/financings/{id}/repay``), then closes or cancels.
    Nothing is written. (A cancel sent by other means is still shown to the regulator:
    ``rules.cancelled_outstanding``.)"""

    code = "money_still_out"


class SuspicionsUnacknowledged(Conflict):
    """A financing not sent: a pledged document looks like a re-issue or a split of another
    invoice the bank lodged (``ledger.documents.suspicion``), and the request did not
    acknowledge it (``acknowledge_suspicions``). Nothing is written, on chain or off; the same
    request refused again. ``suspicions`` lists each: the pledged document, the kind, the
    documents involved, the facts that match and the reasons in words."""

    code = "suspicions_unacknowledged"


class DocumentPledged(SuspicionsUnacknowledged):
    """A financing not sent: a pledged document is suspicious (as for
    :class:`SuspicionsUnacknowledged`), and one of the documents (``pledged_document_index``)
    is already pledged to another bank's active financing (``conflicting_financing_id``). The
    chain refuses such a financing whatever is acknowledged, and records the attempt for the
    regulator, so no acknowledgement is asked for: its own code, so that a client branching on
    ``suspicions_unacknowledged`` to ask its officer for one is not led to a recorded refusal.
    Nothing is written, on chain or off."""

    code = "document_pledged"


class PayloadTooLarge(LedgerError):
    """A request body larger than the gateway reads (``Settings.max_body_bytes``); ``limit``
    names it in bytes."""

    code = "payload_too_large"


class ChainUnavailable(LedgerError):
    """The chain node cannot be reached."""

    code = "chain_unavailable"


class TransactionRejected(ChainUnavailable):
    """The node refused a signed transaction (not a revert): a nonce another process took,
    fees, funds. Transient for the caller: nothing was applied, and an idempotent result is
    never stored for it."""

    code = "transaction_rejected"


class EvaluatorUnavailable(LedgerError):
    """The fingerprint evaluator cannot be reached, refused this gateway, or answered with a
    proof that does not verify against the evaluator key on chain: no fingerprint that goes on
    chain can be computed, so a bank cannot finance and a check cannot say who holds a
    document (docs/fingerprints.md). ``reason`` says which."""

    code = "evaluator_unavailable"


class LedgerStateError(LedgerError):
    """The data directory, deployment manifest or keystores are missing or unusable."""

    code = "ledger_state_error"


class IndexUnreadable(LedgerStateError):
    """The index's SQLite file is no database SQLite can read (``file is not a database``,
    ``database disk image is malformed``: a disk fault, a file written over). The index is a
    copy of the chain: ``tradeledger index rebuild`` sets the file aside and makes it again
    (``ledger.indexer.db.set_aside``). ``details``: ``path``, ``reason`` (SQLite's words)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"the event index at {path} is not a database SQLite can read ({reason}): it is a "
            "copy of the chain, made again by `tradeledger index rebuild` (with the gateway "
            "stopped), which sets this file aside",
            path=str(path),
            reason=reason,
        )
        self.path = path


class JoinPending(LedgerStateError):
    """An expected, transient state: this gateway's member is still joining (its membership is
    not on chain yet; an admin approves its join request)."""

    code = "join_pending"


class ContractError(LedgerError):
    """A contract revert with a custom error. Subclasses are named like the Solidity error."""

    code = "contract_error"
    #: the Solidity error's argument names, in order
    arg_names: tuple[str, ...] = ()

    def __init__(self, *args: Any) -> None:
        names = self.arg_names
        details = dict(zip(names, args, strict=False))
        shown = ", ".join(f"{k}={_show(v)}" for k, v in details.items())
        LedgerError.__init__(self, f"{type(self).__name__}({shown})", **details)
        self.args_values = args


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return repr(value)
