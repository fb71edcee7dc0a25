"""A bank gateway's side of oblivious fingerprints (docs/fingerprints.md).

The gateway blinds the canonical fingerprint inputs (:func:`ledger.documents.fingerprints.
oprf_input`), sends them in one batch signed with the member's chain key to the evaluator
(:mod:`ledger.evaluator`), verifies the evaluator's proof against the public key the consortium
put on chain, unblinds, and hashes each 64-byte output to the bytes32 the contract takes
(:func:`ledger.documents.fingerprints.onchain_value`). The gateway never holds the OPRF key:
without the evaluator it cannot compute a single on-chain fingerprint.

Errors: EvaluatorUnavailable (the evaluator is unreachable, refuses this member, or its proof
does not verify — never a fingerprint), RateLimited (the evaluator's limit for this member,
with its Retry-After), MemberSuspended (the evaluator read this member as suspended).
"""

from __future__ import annotations

import email.utils
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Literal

import urllib3

from ledger.config import env_name
from ledger.errors import (
    EvaluatorUnavailable,
    Forbidden,
    InvalidInput,
    LedgerError,
    MemberSuspended,
    RateLimited,
)
from ledger.evaluator import EVALUATE_LABEL, READ_LOG_LABEL, SignDigest, sign_request
from ledger.httppool import (
    PooledEndpoint,
    pooled_endpoint,
    unreachable_reason,
    without_credentials,
)
from ledger.jsonliterals import is_whole_number
from ledger.oprf import Client, OprfError, PublicKey
from ledger.words import checksummed, named

#: seconds to wait for the evaluator
DEFAULT_TIMEOUT = 10.0

#: what :meth:`EvaluatorClient.state` finds
EvaluatorState = Literal["ok", "key_mismatch", "unreachable", "not_configured"]
#: ``tradeledger_evaluator_up`` of each state (``/metrics``)
EVALUATOR_UP: dict[str, int] = {"ok": 1, "key_mismatch": 0, "unreachable": 0, "not_configured": -1}


class EvaluatorClient:
    """Evaluates fingerprint inputs through the evaluator at ``url``.

    ``consortium`` is the contract's address; ``public_key`` reads the evaluator's 32-byte
    public key as the chain holds it (on every batch: a rotation on chain applies at once)."""

    def __init__(
        self,
        url: str,
        consortium: str,
        public_key: Callable[[], bytes],
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.consortium = consortium
        if url and not url.startswith(("http://", "https://")):
            raise InvalidInput(env_name("evaluator_url"), "must be an http:// or https:// URL")
        self.url = url.rstrip("/")
        self._public_key = public_key
        self.timeout = timeout
        #: a pooled, kept-alive connection instead of a TCP connect per batch (issue #16: a
        #: check's evaluator round trip); the ledger keeps one client per thread
        self._endpoint: PooledEndpoint | None = None
        #: why ``url`` cannot be posted to (a URL urllib3 cannot read), said when it is
        self._unreadable: str | None = None
        if self.url:
            try:
                self._endpoint = pooled_endpoint(self.url, maxsize=2)
            except ValueError as exc:  # its message shows no credentials
                self._unreadable = str(exc)

    def outputs(
        self,
        member: str,
        sign: SignDigest,
        inputs: Sequence[bytes],
        chain_key: bytes | None = None,
    ) -> list[bytes]:
        """The 64-byte OPRF outputs of ``inputs``, in order, for ``member`` (``sign`` signs with
        its chain key), the proof checked against ``chain_key`` (32 bytes; None: the key read
        from the chain now). Raises as the module doc says."""
        if not inputs:
            return []
        if not self.url:
            raise EvaluatorUnavailable(
                "no fingerprint evaluator is configured (TRADELEDGER_EVALUATOR_URL): this "
                "gateway cannot compute the fingerprints a financing locks",
                reason="not_configured",
            )
        try:
            key = PublicKey.from_bytes(chain_key if chain_key is not None else self._public_key())
        except OprfError:
            raise EvaluatorUnavailable(
                "the evaluator key on chain is not a ristretto255 public key",
                reason="bad_chain_key",
            ) from None
        clients = [Client.blind(i) for i in inputs]
        items = [c.blinded.hex() for c in clients]
        body = sign_request(self.consortium, member, sign, EVALUATE_LABEL, items)
        body["blinded"] = items
        answer = self._post("/v1/evaluate", body)
        try:
            return Client.finalize_batch(clients, bytes.fromhex(str(answer["output"])), key)
        except (OprfError, KeyError, ValueError):
            raise EvaluatorUnavailable(
                "the evaluator's answer does not verify against the evaluator key on chain: "
                "no fingerprint was computed",
                reason="bad_proof",
            ) from None

    def state(self) -> EvaluatorState:
        """Whether this gateway can have fingerprints evaluated now, asked without spending the
        member's evaluation allowance (``GET /v1/public-key``, one round trip): ``ok`` when the
        evaluator answers with the key the chain holds; ``key_mismatch`` when it answers with
        another (its proofs would not verify: a rotation half done); ``unreachable`` when no
        answer, or no readable one, came; ``not_configured`` without an evaluator URL. Never
        raises for the evaluator's sake (a chain that cannot be read raises as the chain's
        reads do)."""
        if not self.url:
            return "not_configured"
        if self._endpoint is None:
            return "unreachable"
        try:
            response = self._endpoint.get("/v1/public-key", self.timeout)
            answered = json.loads(response.data) if response.status == 200 else None
        except (urllib3.exceptions.HTTPError, OSError, ValueError):
            return "unreachable"
        key = answered.get("public_key") if isinstance(answered, dict) else None
        if not isinstance(key, str):
            return "unreachable"
        return "ok" if key.lower() == self._public_key().hex() else "key_mismatch"

    def read_log(
        self,
        member: str,
        sign: SignDigest,
        filter_member: str = "",
        after: int = 0,
        limit: int = 500,
    ) -> list[dict[str, object]]:
        """The evaluator's log of evaluations (``id``, ``member``, ``at`` unix seconds, ``count``
        of inputs, ``outcome``), read by ``member``, an active regulator (Forbidden/
        EvaluatorUnavailable otherwise). ``filter_member``: one member's entries only."""
        items = [filter_member, str(after), str(limit)]
        body = sign_request(self.consortium, member, sign, READ_LOG_LABEL, items)
        body.update(filter_member=filter_member, after=after, limit=limit)
        found = self._post("/v1/evaluations", body)
        entries = found.get("evaluations")
        if not isinstance(entries, list):
            raise EvaluatorUnavailable("the evaluator answered no log", reason="bad_answer")
        return [dict(e) for e in entries if isinstance(e, dict)]

    def _post(self, path: str, body: dict[str, object]) -> dict[str, object]:
        if self._unreadable is not None:
            raise EvaluatorUnavailable(
                f"the fingerprint evaluator cannot be reached ({self._unreadable}): this "
                "gateway cannot compute on-chain fingerprints until it is back",
                reason="unreachable",
            )
        if self._endpoint is None:
            raise EvaluatorUnavailable(
                "no fingerprint evaluator is configured (TRADELEDGER_EVALUATOR_URL)",
                reason="not_configured",
            )
        try:
            response = self._endpoint.post(path, json.dumps(body).encode(), self.timeout)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise EvaluatorUnavailable(
                f"the fingerprint evaluator at {without_credentials(self.url)} cannot be reached "
                f"({unreachable_reason(exc)}): this gateway cannot compute on-chain "
                "fingerprints until it is back",
                reason="unreachable",
            ) from None
        if response.status >= 400:
            raise _refusal(response.status, response.headers, response.data)
        try:
            found = json.loads(response.data)
        except ValueError:
            raise EvaluatorUnavailable(
                "the evaluator answered no JSON", reason="bad_answer"
            ) from None
        if not isinstance(found, dict):
            raise EvaluatorUnavailable("the evaluator answered no JSON object", reason="bad_answer")
        return found


def _refusal(status: int, headers: Mapping[str, str], content: bytes) -> Exception:
    body: dict[str, object] = {}
    try:
        body = json.loads(content)
        code, message = str(body.get("error", "")), str(body.get("message", ""))
    except (ValueError, AttributeError):
        code, message = "", ""
    if status == 429:
        retry = _retry_after(headers.get("Retry-After"))
        limit, window = body.get("limit"), body.get("window_seconds")
        # how many inputs were used and this request needed, when the evaluator says (a tryout
        # could not tell whether to wait or to send fewer files)
        counts = {k: body[k] for k in ("used", "needed") if is_whole_number(body.get(k))}
        return RateLimited(
            f"the fingerprint evaluator's limit for this member is reached: {message}",
            limit=limit if is_whole_number(limit) else 0,  # never true for 1
            window=window if is_whole_number(window) else 0,
            retry_after=retry,
            source="evaluator",
            **counts,
        )
    if code == "member_suspended":
        return MemberSuspended(f"the fingerprint evaluator refused: {message}")
    if code in ("not_a_regulator", "not_a_bank"):
        return Forbidden(f"the fingerprint evaluator refused: {message}")
    return EvaluatorUnavailable(
        f"the fingerprint evaluator refused ({status} {code}): {message}",
        reason=code or f"http_{status}",
    )


def naming_member(error: LedgerError, address: str, name: str | None) -> LedgerError:
    """``error`` (a refusal of the evaluator, which knows members by address only: its
    ``RateLimited`` and ``MemberSuspended``) with the member at ``address`` named as people
    read a member wherever the message says its address (``Bank B (0x…)``: the gateway knows
    the names), and ``member``, ``member_name`` in its details."""
    label = named(address, name)
    error.message = re.sub(re.escape(address), lambda _: label, error.message, flags=re.I)
    error.args = (error.message,)
    error.details = {**error.details, "member": checksummed(address), "member_name": name}
    return error


def _retry_after(value: str | None) -> int:
    """Seconds to wait from a Retry-After (RFC 9110 10.2.3): delay-seconds, or an HTTP-date
    (a proxy in front of the evaluator may send one: at least 1 then); 1 when unreadable."""
    if not value:
        return 1
    try:
        return int(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 1
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(math.ceil((when - datetime.now(UTC)).total_seconds()), 1)
