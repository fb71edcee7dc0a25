"""ledger.oprf against RFC 9497 Appendix A.1.2 (ristretto255-SHA512, mode VOPRF).

Vectors copied from RFC 9497, "Oblivious Pseudorandom Functions (OPRFs) Using Prime-Order
Groups", Appendix A.1.2 (https://www.rfc-editor.org/rfc/rfc9497#appendix-A.1.2): Seed, KeyInfo,
skSm/pkSm, and Test Vectors 1 and 2 (batch size 1). The blind and the proof's random scalar of
the RFC cannot be injected through ``voprf``, so the round trip checks the Output (which does
not depend on them) and ``evaluate_known_input`` checks it directly.
"""

from __future__ import annotations

import pytest

from ledger.oprf import Client, Evaluator, OprfError, PublicKey

SEED = bytes.fromhex("a3" * 32)
KEY_INFO = bytes.fromhex("74657374206b6579")  # "test key"
SK_SM = "e6f73f344b79b379f1a0dd37e07ff62e38d9f71345ce62ae3a9bc60b04ccd909"
PK_SM = "c803e2cc6b05fc15064549b5920659ca4a77b2cca6f04f6b357009335476ad4e"
VECTORS = [
    (
        "00",
        "b58cfbe118e0cb94d79b5fd6a6dafb98764dff49c14e1770b566e42402da1a7d"
        "a4d8527693914139caee5bd03903af43a491351d23b430948dd50cde10d32b3c",
    ),
    (
        "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
        "8a9a2f3c7f085b65933594309041fc1898d42d0858e59f90814ae90571a6df60"
        "356f4610bf816f27afdd84f47719e480906d27ecd994985890e5f539e7ea74b6",
    ),
]


def test_derive_key_pair_gives_the_rfc_public_key() -> None:
    evaluator = Evaluator.from_seed(SEED, KEY_INFO)
    assert evaluator.public_key.to_bytes().hex() == PK_SM
    assert SK_SM not in repr(evaluator)


@pytest.mark.parametrize(("data", "output"), VECTORS)
def test_rfc_outputs_by_round_trip_and_known_input(data: str, output: str) -> None:
    evaluator = Evaluator.from_seed(SEED, KEY_INFO)
    assert evaluator.evaluate_known_input(bytes.fromhex(data)).hex() == output
    client = Client.blind(bytes.fromhex(data))
    answer = evaluator.evaluate(client.blinded)
    pk = PublicKey.from_bytes(bytes.fromhex(PK_SM))
    assert client.finalize(answer, pk).hex() == output


def test_batch_round_trip_gives_the_rfc_outputs_in_order() -> None:
    evaluator = Evaluator.from_seed(SEED, KEY_INFO)
    clients = [Client.blind(bytes.fromhex(d)) for d, _ in VECTORS]
    answer = evaluator.evaluate_batch([c.blinded for c in clients])
    outputs = Client.finalize_batch(clients, answer, evaluator.public_key)
    assert [o.hex() for o in outputs] == [out for _, out in VECTORS]


def test_blinding_hides_the_input() -> None:
    a, b = Client.blind(b"\x00"), Client.blind(b"\x00")
    assert a.blinded != b.blinded  # a fresh blind each time: equal inputs do not show


def test_wrong_public_key_is_refused() -> None:
    evaluator = Evaluator.from_seed(SEED, KEY_INFO)
    other = Evaluator.from_seed(Evaluator.new_seed())
    client = Client.blind(b"\x00")
    answer = evaluator.evaluate(client.blinded)
    with pytest.raises(OprfError, match="proof does not verify"):
        client.finalize(answer, other.public_key)
    clients = [Client.blind(b"a"), Client.blind(b"b")]
    batch = evaluator.evaluate_batch([c.blinded for c in clients])
    with pytest.raises(OprfError, match="proof does not verify"):
        Client.finalize_batch(clients, batch, other.public_key)


@pytest.mark.parametrize("position", [0, 40, 95])
def test_tampered_answer_is_refused(position: int) -> None:
    """A flipped bit in the evaluated element (0) or the proof (40, 95) never gives an output."""
    evaluator = Evaluator.from_seed(SEED, KEY_INFO)
    client = Client.blind(b"\x00")
    answer = bytearray(evaluator.evaluate(client.blinded))
    answer[position] ^= 0x01
    with pytest.raises(OprfError):
        client.finalize(bytes(answer), evaluator.public_key)


def test_tampered_batch_proof_is_refused() -> None:
    evaluator = Evaluator.from_seed(SEED, KEY_INFO)
    clients = [Client.blind(b"a"), Client.blind(b"b")]
    answer = bytearray(evaluator.evaluate_batch([c.blinded for c in clients]))
    answer[-1] ^= 0x01
    with pytest.raises(OprfError):
        Client.finalize_batch(clients, bytes(answer), evaluator.public_key)


def test_bad_encodings_are_refused() -> None:
    with pytest.raises(OprfError):
        PublicKey.from_bytes(b"\x01" * 31)
    with pytest.raises(OprfError):
        PublicKey.from_bytes(bytes(32))
    with pytest.raises(OprfError):
        Evaluator.from_seed(b"short")
    with pytest.raises(OprfError):
        Client.blind(b"")
    with pytest.raises(OprfError):
        Evaluator.from_seed(SEED).evaluate(b"\xff" * 32)
