"""Every reading command's ``--json`` is its API twin's answer, field for field.

Users script against both surfaces and expect one shape (docs/api.md, "The CLI's --json is the
API's answer"). The pairs come from the CLI's own command table: every reading command is
declared with ``cls=reads(<API route>…)`` (``ledger.cli_filters.reads``), or says why it has no
twin. So a new reading command without a twin fails
:func:`test_every_reading_command_names_its_api_twin`, and a twin without a comparison here
fails :func:`test_every_twin_is_compared`.

The comparison: the story of tests/cli/cli_helpers.py (a financed invoice, two refusals) plus
an attestation, then each CLI command run the way the other CLI tests run it (Typer's runner,
``--data-dir``, ``--as`` the caller) and the same request to the API app over the same ledger
with that caller's API key, against the same ledger state. The two JSON bodies must be equal:
the same keys at every depth, the same value types and the same values. Both are also held to
the forms users rely on: times RFC 3339 with ``Z``, 32-byte hashes ``0x`` + lower-case hex,
amounts integers in minor units.

Only what is inherently per call is left uncompared (its form still checked): a proof bundle's
``created_at``, the time it was made. Every other answer is a pure read of the ledger state
(the checks that log an evaluation — ``doc check`` — are run after every read of that log, so
the log each side reads is the same). The only differences are the ones the CLI makes on purpose,
written in docs/api.md and asserted exactly here (a case's ``join``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.main import get_command

from api.app import create_app
from ledger.cli import app
from ledger.cli_filters import ReadCommand, reads
from ledger.network import open_ledger
from ledger.services.documents import HashedForm
from tests.cli.cli_helpers import UBL, Story, build_story
from tests.cli.test_one_time_format import CHECK_FRACTIONS, FRACTIONS, assert_one_form
from tests.conftest import make_settings

#: the commands that write (their ``--json`` is the answer of the write; compared elsewhere:
#: tests/audit/test_borrowers_and_headroom.py); every other command with ``--json`` reads
WRITES = {
    "init",
    "member add",
    "member propose",
    "member approve-proposal",
    "member approve",
    "member rotate-evaluator-key",
    "member suspend",
    "member reinstate",
    "member publish-key",
    "doc receive",
    "doc register",
    "doc import",
    "doc revoke",
    "doc supersede",
    "doc attest",
    "doc register-oa",
    "finance create",
    "finance drawdown",
    "finance repay",
    "finance close",
    "finance cancel",
    "finance share",
    "key rotate",
    "key revoke",
    "keystore protect",
    "keystore new-key",
    "join finish",
    "evaluator init",
    "index rebuild",
}

HASH32 = re.compile(r"0x[0-9a-fA-F]{64}")
#: an amount decoded for people in an event's ``fields``: major units beside its ``currency``
MAJOR = re.compile(r"-?\d+(\.\d+)?")
#: the fields that hold an amount: integers in minor units (or null where not shown)
AMOUNTS = {
    "amount",
    "face_value",
    "drawn",
    "repaid",
    "outstanding",
    "financeable_amount",
    "financed",
    "requested_amount",
    "stated_face_value",
    "already_financed",
    "headroom",
}


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    subs = getattr(command, "commands", None)
    if subs is None:
        yield " ".join(path), command
        return
    for name, sub in subs.items():
        yield from _commands(sub, (*path, name))


def _json_commands() -> dict[str, Any]:
    """Every command that takes ``--json``, by its words."""
    return {
        name: command
        for name, command in _commands(get_command(app))
        if any("--json" in p.opts for p in command.params)
    }


def _reading() -> dict[str, type[ReadCommand]]:
    return {n: type(c) for n, c in _json_commands().items() if isinstance(c, ReadCommand)}


# -- the story and the two surfaces ---------------------------------------------------------------


@dataclass
class Call:
    """One request to the API: method, path, query, file, as whom."""

    method: str
    path: str
    who: str
    params: dict[str, Any] = field(default_factory=dict)
    file: tuple[str, bytes] | None = None


@dataclass
class Case:
    """A CLI command and its API twin's request(s), for one caller."""

    label: str
    cli: list[str]
    api: list[Call]
    code: int = 0
    #: turns the API answers into the answer the CLI gives (one answer: itself)
    join: Callable[[list[Any]], Any] = lambda answers: answers[0]
    #: after every other case: it logs a fingerprint evaluation the other cases read
    logs: bool = False
    #: top-level fields inherently per call (their form is checked, their values not compared)
    per_call: tuple[str, ...] = ()
    time_fractions: dict[str, int] = field(default_factory=lambda: FRACTIONS)


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    built = build_story(tmp_path_factory.mktemp("twins"))
    customs = built.address("Demo Customs")
    built.cli.json("doc", "attest", built.ubl_hash, "--as", customs, "--evidence", "MRN 24DK1")
    return built


def _governance(answers: list[Any]) -> Any:
    """``member proposals``: GET /v1/governance with ``proposals``, the items of every page of
    GET /v1/governance/proposals."""
    governance, proposals = answers
    return {**governance, "proposals": proposals["items"]}


def _proof_of_file(answers: list[Any]) -> Any:
    """``doc prove FILE``: the proof the API makes from the hash alone, plus what only the file
    tells: what was hashed (``document.hash.of``), the file's name and size."""
    proof = json.loads(json.dumps(answers[0]))
    document = proof["document"]
    document["hash"]["of"] = HashedForm.FILE_BYTES.value
    document["hash"]["rule"] = HashedForm.FILE_BYTES.description
    document["file_name"] = "invoice.xml"
    document["size"] = len(UBL)
    return proof


def cases(story: Story) -> dict[str, list[Case]]:
    """The comparisons, by command: each twin, for the callers whose answers differ."""
    a = story.address
    bank_a, bank_b, exporter = a("Demo Bank A"), a("Bank B"), a("Demo Exporter")
    customs, regulator = a("Demo Customs"), a("Demo Regulator")
    ubl = str(story.tmp / "invoice.xml")
    h, fid = story.ubl_hash, str(story.financing_id)
    invoice = ("invoice.xml", UBL)
    return {
        "member list": [Case("any", ["member", "list"], [Call("GET", "/v1/members", exporter)])],
        "member proposals": [
            Case(
                "any",
                ["member", "proposals"],
                [
                    Call("GET", "/v1/governance", regulator),
                    Call("GET", "/v1/governance/proposals", regulator),
                ],
                join=_governance,
            )
        ],
        "doc check": [
            Case(
                who,
                ["doc", "check", ubl, "--as", addr],
                [Call("POST", "/v1/documents/check", addr, file=invoice)],
                code=code,
                logs=True,
            )
            for who, addr, code in (
                ("bank", bank_b, 3),
                ("registrant", exporter, 0),
                ("regulator", regulator, 3),
            )
        ],
        "doc verify": [
            Case(
                "any",
                ["doc", "verify", ubl],
                [Call("POST", "/v1/documents/verify", customs, file=invoice)],
            )
        ],
        "doc show": [
            Case(who, ["doc", "show", h, "--as", addr], [Call("GET", f"/v1/documents/{h}", addr)])
            for who, addr in (
                ("financing bank", bank_a),
                ("other bank", bank_b),
                ("registrant", exporter),
                ("attestor", customs),
                ("regulator", regulator),
            )
        ],
        "doc list": [Case("oversight", ["doc", "list"], [Call("GET", "/v1/documents", regulator)])],
        "doc search": [
            Case(
                who,
                ["doc", "search", "--as", addr],
                [Call("GET", "/v1/documents/lodged", addr)],
            )
            for who, addr in (("bank", bank_b), ("registrant", exporter))
        ],
        "doc prove": [
            Case(
                "any",
                ["doc", "prove", ubl],
                [Call("GET", f"/v1/documents/{h}/proof", exporter)],
                join=_proof_of_file,
                per_call=("created_at",),  # when this proof was made: a second apart, or not
            )
        ],
        "finance show": [
            Case(
                who,
                ["finance", "show", fid, "--as", addr],
                [Call("GET", f"/v1/financings/{fid}", addr)],
            )
            for who, addr in (
                ("its bank", bank_a),
                ("another bank", bank_b),
                ("registrant", exporter),
                ("attestor", customs),
                ("regulator", regulator),
            )
        ],
        "finance list": [
            Case(who, ["finance", "list", "--as", addr], [Call("GET", "/v1/financings", addr)])
            for who, addr in (("its bank", bank_a), ("regulator", regulator))
        ],
        "evaluator log": [
            Case(
                "regulator",
                ["evaluator", "log", "--as", regulator],
                [Call("GET", "/v1/audit/fingerprint-evaluations", regulator)],
            )
        ],
        "audit verify": [
            Case(
                "regulator",
                ["audit", "verify", "--as", regulator],
                [Call("GET", "/v1/audit/verify", regulator)],
            )
        ],
        "audit timeline": [
            Case(
                who,
                ["audit", "timeline", h, "--as", addr],
                [Call("GET", f"/v1/audit/documents/{h}/timeline", addr)],
            )
            for who, addr in (("regulator", regulator), ("another bank", bank_b))
        ],
        "audit activity": [
            Case(
                "regulator",
                ["audit", "activity", bank_a, "--as", regulator],
                [Call("GET", f"/v1/audit/members/{bank_a}/activity", regulator)],
            )
        ],
        "audit refusals": [
            Case(
                who,
                ["audit", "refusals", "--as", addr],
                [Call("GET", "/v1/audit/refusals", addr)],
            )
            for who, addr in (("regulator", regulator), ("refused bank", bank_b))
        ],
        "audit duplicates": [
            Case(
                "regulator",
                ["audit", "duplicates", "--as", regulator],
                [Call("GET", "/v1/audit/duplicates", regulator)],
            )
        ],
        "audit exposure": [
            Case(
                by,
                ["audit", "exposure", "--by", by, "--as", regulator],
                [Call("GET", "/v1/audit/exposure", regulator, {"by": by})],
            )
            for by in ("bank", "enterprise")
        ],
        "audit fingerprint-checks": [
            Case(
                "regulator",
                ["audit", "fingerprint-checks"],
                [Call("GET", "/v1/audit/fingerprint-checks", regulator)],
                time_fractions=CHECK_FRACTIONS,
            )
        ],
    }


def _ask(client: TestClient, story: Story, call: Call) -> Any:
    files = {"file": call.file} if call.file else None
    key = next(m["api_key"] for m in story.members.values() if m["address"] == call.who)
    response = client.request(
        call.method,
        call.path,
        params=call.params,
        files=files,
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, (call, response.text)
    return response.json()


@pytest.fixture(scope="module")
def answers(story: Story) -> dict[str, list[tuple[Case, Any, Any]]]:
    """Each case's CLI answer and its API twin's, the ledger unchanged between the two."""
    found: dict[str, list[tuple[Case, Any, Any]]] = {}
    table = cases(story)
    for logs in (False, True):  # the checks last: they add to the logs the others read
        todo = [(n, c) for n, listed in table.items() for c in listed if c.logs == logs]
        for name, case in todo:
            cli = story.cli.json(*case.cli, code=case.code)
            ledger = open_ledger(make_settings(story.cli.data_dir))
            try:
                with TestClient(create_app(ledger.settings, ledger)) as client:
                    api = case.join([_ask(client, story, call) for call in case.api])
            finally:
                ledger.close()
            found.setdefault(name, []).append((case, cli, api))
    return found


# -- the comparison -------------------------------------------------------------------------------


def differences(cli: Any, api: Any, where: str = "$") -> Iterator[str]:
    """Where ``cli`` and ``api`` differ: keys, value types, values; one line each."""
    if type(cli) is not type(api):
        yield f"{where}: CLI {type(cli).__name__} {cli!r:.80}, API {type(api).__name__} {api!r:.80}"
    elif isinstance(cli, dict):
        for key in sorted(cli.keys() - api.keys()):
            yield f"{where}.{key}: only in the CLI"
        for key in sorted(api.keys() - cli.keys()):
            yield f"{where}.{key}: only in the API"
        for key in sorted(cli.keys() & api.keys()):
            yield from differences(cli[key], api[key], f"{where}.{key}")
    elif isinstance(cli, list):
        if len(cli) != len(api):
            yield f"{where}: CLI {len(cli)} items, API {len(api)}"
        for i, (c, a) in enumerate(zip(cli, api, strict=False)):
            yield from differences(c, a, f"{where}[{i}]")
    elif cli != api:
        yield f"{where}: CLI {cli!r:.80}, API {api!r:.80}"


def forms(value: Any, key: str = "", where: str = "$") -> Iterator[str]:
    """Where ``value`` breaks a form users rely on: a 32-byte hash not lower-case hex, an amount
    not an integer (in an event's decoded ``fields``: not a plain decimal of major units)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from forms(v, str(k), f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from forms(v, key, f"{where}[{i}]")
    elif isinstance(value, str) and HASH32.fullmatch(value) and value != value.lower():
        yield f"{where}: hash {value} is not lower-case hex"
    elif key in AMOUNTS and ".fields." in where:
        if not (value is None or (isinstance(value, str) and MAJOR.fullmatch(value))):
            yield f"{where}: decoded amount {value!r} is not a decimal of major units"
    elif key in AMOUNTS and not (value is None or type(value) is int):
        yield f"{where}: amount {value!r} is not an integer of minor units"


def test_every_reading_command_names_its_api_twin() -> None:
    """A command with ``--json`` either writes (listed in :data:`WRITES`) or reads — then it is
    a ``ReadCommand`` naming its API twin, or saying why it has none."""
    commands = _json_commands()
    reading = _reading()
    assert set(commands) - set(reading) == WRITES
    for name, cls in reading.items():
        assert bool(cls.api_twin) != bool(cls.no_twin), (name, cls.api_twin, cls.no_twin)


def test_a_reading_command_names_a_twin_or_why_it_has_none() -> None:
    assert reads("GET /v1/members").api_twin == ("GET /v1/members",)
    assert reads(no_twin="reads no ledger").no_twin == "reads no ledger"
    with pytest.raises(ValueError, match="names its API twin"):
        reads()


def test_every_twin_is_compared(story: Story) -> None:
    twinned = {name for name, cls in _reading().items() if cls.api_twin}
    assert set(cases(story)) == twinned


def test_every_twin_route_exists(story: Story) -> None:
    ledger = open_ledger(make_settings(story.cli.data_dir))
    try:
        paths = create_app(ledger.settings, ledger).openapi()["paths"]
        routes = {f"{method.upper()} {path}" for path, ops in paths.items() for method in ops}
    finally:
        ledger.close()
    for name, cls in _reading().items():
        assert set(cls.api_twin) <= routes, (name, cls.api_twin)


@pytest.mark.parametrize(
    "command", sorted(n for n, c in _reading().items() if c.api_twin and n in _json_commands())
)
def test_cli_json_is_the_api_answer(
    command: str, answers: dict[str, list[tuple[Case, Any, Any]]]
) -> None:
    problems: list[str] = []
    for case, cli, api in answers[command]:
        assert_one_form(f"{command} ({case.label})", cli, case.time_fractions)
        assert_one_form(f"{command} ({case.label}) API", api, case.time_fractions)
        for key in case.per_call:
            assert type(cli.pop(key)) is type(api.pop(key)), key
        problems += [f"{command} ({case.label}) {d}" for d in differences(cli, api)]
        problems += [f"{command} ({case.label}) {d}" for d in forms(api)]
    assert not problems, "\n".join(problems)


def test_doc_show_says_when_a_documents_financing_is_not_the_readers_to_learn(
    story: Story,
) -> None:
    """An attestor reads no document's financing (the API answers ``financings: null``); the
    CLI said ``financings: none you read`` and answered ``[]``, as if none pledged it."""
    h, customs = story.ubl_hash, story.address("Demo Customs")
    text = story.cli.run("doc", "show", h, "--as", customs).stdout
    assert "financings: not shown to you" in text
    assert story.cli.json("doc", "show", h, "--as", customs)["financings"] is None
    bank = story.cli.run("doc", "show", h, "--as", story.address("Demo Bank A")).stdout
    assert f"financings: {story.financing_id}" in bank
    sealed = " ".join(story.cli.run("doc", "show", h).stdout.split())
    assert "financings: sealed (pass --as ADDRESS, the address of a member" in sealed
    assert "`tradeledger member list`" in sealed


def test_doc_show_does_not_tell_a_bank_that_reads_none_there_are_none(story: Story) -> None:
    """Bank B reads none of the financings of the UBL invoice (Demo Bank A's is confidential to
    it): its answer is ``[]`` — you read none — and the CLI's words must not read as "no
    financings" (it said ``financings: none you read``, and the API's field "the financings
    that pledged it")."""
    h = story.ubl_hash
    bank_b = story.address("Bank B")
    assert story.cli.json("doc", "show", h, "--as", bank_b)["financings"] == []
    text = story.cli.run("doc", "show", h, "--as", bank_b).stdout
    line = next(x for x in text.splitlines() if x.strip().startswith("financings:"))
    assert "none you read" in line
    assert "others may pledge it" in line
    # the regulator reads Demo Bank A's financing
    regulator = story.cli.json("doc", "show", h, "--as", story.address("Demo Regulator"))
    assert regulator["financings"] == [story.financing_id]


def test_the_sealed_terms_hint_can_be_acted_on(story: Story) -> None:
    """``finance show`` without --as said "pass --as MEMBER": --as takes an address. The hint
    says so and where to find it; following it opens the terms."""
    fid = str(story.financing_id)
    said = " ".join(story.cli.run("finance", "show", fid).stdout.split())
    assert "terms: confidential" in said, said
    assert "an enterprise that registered a pledged document itself" in said, said
    assert "pass --as ADDRESS, the address of one of them whose key this gateway holds" in said
    assert "`tradeledger member list`" in said, said
    listed = story.cli.json("member", "list")["items"]
    [bank] = [m["address"] for m in listed if m["name"] == "Demo Bank A"]
    opened = story.cli.run("finance", "show", fid, "--as", bank).stdout
    assert "terms: confidential" not in opened
    assert "amount " in opened
