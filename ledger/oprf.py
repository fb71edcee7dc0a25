"""The verifiable OPRF of RFC 9497 (ristretto255-SHA512, mode VOPRF), behind one small module.

The curve arithmetic is the PyPI package ``voprf`` (a Rust implementation); this module only
names its types for the rest of the ledger and turns its failures into one exception,
:class:`OprfError`. Nothing here does group arithmetic.

Roles (RFC 9497 §3): the **evaluator** holds the secret key ``skS`` and a public key ``pkS``
(32 bytes); the **client** blinds an input, the evaluator evaluates the blinded element without
learning the input and proves (DLEQ proof) it used the key behind ``pkS``; the client unblinds
and checks the proof, and obtains the 64-byte output ``Finalize(input)``.

Wire forms (bytes): a blinded element is 32 bytes; a batch answer is the evaluated elements and
one proof, serialised by ``voprf`` (:func:`serialize_batch_output`).

Note on the binding: ``voprf`` 0.2.0 signals a failed proof or a malformed encoding with a Rust
panic (``pyo3_runtime.PanicException``, a ``BaseException``, and a backtrace on stderr); every
call here catches it and raises :class:`OprfError` instead.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import TypeVar

from voprf import ristretto as _v

#: the ciphersuite, as RFC 9497 §4.1 names it
SUITE = "ristretto255-SHA512"
#: bytes of a secret seed, a public key, a blinded element, an output
SEED_BYTES = 32
PUBLIC_KEY_BYTES = 32
BLINDED_BYTES = 32
OUTPUT_BYTES = 64
#: the longest input RFC 9497 admits (its length is encoded in two bytes)
MAX_INPUT_BYTES = 2**16 - 1

_T = TypeVar("_T")


class OprfError(Exception):
    """A proof that does not verify, a malformed encoding, or an input out of range."""


def _guard(what: str, call: Callable[[], _T]) -> _T:
    try:
        return call()
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # voprf panics (pyo3 PanicException is a BaseException)
        raise OprfError(f"{what}: {exc}") from None


def _check_input(data: bytes) -> bytes:
    data = bytes(data)
    if not 1 <= len(data) <= MAX_INPUT_BYTES:
        raise OprfError(f"an OPRF input must be 1 to {MAX_INPUT_BYTES} bytes")
    return data


def _blinded_input(data: bytes) -> _v.BlindedInput:
    return _guard("invalid blinded element", lambda: _v.BlindedInput.deserialize(bytes(data)))


class PublicKey:
    """The evaluator's public key ``pkS`` (32 bytes, as the chain stores it)."""

    def __init__(self, inner: _v.PublicKey) -> None:
        self._inner = inner

    @classmethod
    def from_bytes(cls, raw: bytes) -> PublicKey:
        """OprfError unless ``raw`` is a valid 32-byte ristretto255 element (not the identity)."""
        raw = bytes(raw)
        if len(raw) != PUBLIC_KEY_BYTES or raw == bytes(PUBLIC_KEY_BYTES):
            raise OprfError(f"a public key is {PUBLIC_KEY_BYTES} bytes and not the identity")
        return cls(_guard("invalid public key", lambda: _v.PublicKey.deserialize(raw)))

    def to_bytes(self) -> bytes:
        return bytes(self._inner.serialize())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def __repr__(self) -> str:
        return f"PublicKey({self.to_bytes().hex()})"


class Evaluator:
    """The holder of the OPRF key (RFC 9497 server). Never constructed in a gateway."""

    def __init__(self, inner: _v.Evaluator) -> None:
        self._inner = inner

    @classmethod
    def from_seed(cls, seed: bytes, info: bytes = b"") -> Evaluator:
        """``DeriveKeyPair(seed, info)`` (RFC 9497 §3.2.1); ``seed`` is 32 secret bytes."""
        if len(seed) != SEED_BYTES:
            raise OprfError(f"the seed must be {SEED_BYTES} bytes")
        return cls(_guard("key derivation", lambda: _v.Evaluator.from_seed(bytes(seed), info)))

    @staticmethod
    def new_seed() -> bytes:
        """32 fresh random bytes (the secret an evaluator keeps)."""
        return secrets.token_bytes(SEED_BYTES)

    @property
    def public_key(self) -> PublicKey:
        return PublicKey(self._inner.public_key)

    def evaluate(self, blinded: bytes) -> bytes:
        """``BlindEvaluate`` of one serialised blinded element: the serialised verifiable output
        (evaluated element and proof)."""
        element = _guard("invalid blinded element", lambda: _v.BlindedInput.deserialize(blinded))
        return bytes(_guard("evaluation", lambda: self._inner.evaluate(element)).serialize())

    def evaluate_batch(self, blinded: Sequence[bytes]) -> bytes:
        """``BlindEvaluateBatch`` of serialised blinded elements: the serialised batch output
        (one evaluated element each, one proof)."""
        if not blinded:
            raise OprfError("an evaluation batch holds at least one element")
        elements = [_blinded_input(b) for b in blinded]
        out = _guard("evaluation", lambda: self._inner.evaluate_batch(elements))
        return bytes(out.serialize())

    def evaluate_known_input(self, data: bytes) -> bytes:
        """``Evaluate`` (RFC 9497 §3.3.2): the 64-byte output of an input the evaluator knows."""
        data = _check_input(data)
        return bytes(_guard("evaluation", lambda: self._inner.evaluate_known_input(data)))

    def __repr__(self) -> str:  # never show the key
        return f"Evaluator(public_key={self.public_key.to_bytes().hex()})"


class Client:
    """One blinded input (RFC 9497 client state): keep it until the evaluator answers."""

    def __init__(self, inner: _v.Client, blinded: bytes) -> None:
        self._inner = inner
        #: the serialised blinded element sent to the evaluator (32 bytes)
        self.blinded = blinded

    @classmethod
    def blind(cls, data: bytes) -> Client:
        """``Blind`` (fresh random blind): the state, and in ``.blinded`` what to send."""
        data = _check_input(data)
        inner, blinded = _guard("blinding", lambda: _v.Client.blind(data))
        return cls(inner, bytes(blinded.serialize()))

    def finalize(self, output: bytes, public_key: PublicKey) -> bytes:
        """Verify the proof of one serialised verifiable output against ``public_key`` and
        unblind: the 64-byte OPRF output. OprfError if the proof does not verify."""
        parsed = _guard("invalid evaluator answer", lambda: _v.VerifiableOutput.deserialize(output))
        return bytes(
            _guard(
                "the evaluator's proof does not verify",
                lambda: self._inner.finalize(parsed, public_key._inner),
            )
        )

    @staticmethod
    def finalize_batch(
        clients: Sequence[Client], output: bytes, public_key: PublicKey
    ) -> list[bytes]:
        """Verify one batch answer against ``public_key`` and unblind every element, in order:
        the 64-byte outputs. OprfError if the proof does not verify or the counts differ."""
        parsed = _guard(
            "invalid evaluator answer", lambda: _v.VerifiableBatchOutput.deserialize(output)
        )
        inners = [c._inner for c in clients]
        found = _guard(
            "the evaluator's proof does not verify",
            lambda: _v.Client.finalize_batch(inners, parsed, public_key._inner),
        )
        if len(found) != len(clients):
            raise OprfError("the evaluator answered a different number of elements")
        return [bytes(x) for x in found]
