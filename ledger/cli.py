"""The ``tradeledger`` command line.

Every command takes ``--data-dir`` (or ``TRADELEDGER_DATA_DIR``); ``--json`` prints one JSON
object for scripts. Errors print one line naming the problem and exit non-zero (2 for bad input,
1 otherwise), never a stack trace.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from web3 import Web3

from ledger import cli_proof, servinglock
from ledger import join as join_mod
from ledger.calendardays import no_such_day
from ledger.cli_audit import audit_app, index_app
from ledger.cli_common import (
    DataDir,
    JsonFlag,
    acting,
    emit,
    error_words,
    fail,
    guard,
    ledger_index,
    lines_text,
    looks_like_address,
    opened_ledger,
    progress,
    refuse_inactive_reader,
    require_writer,
    resolved,
    say,
    settings_for,
    table,
    unexpected_error,
)
from ledger.cli_filters import reads
from ledger.cli_help import one_of
from ledger.cli_once import OnceGroup, amount_refusal, is_digits
from ledger.config import Settings, env_name, record_evaluator_url
from ledger.controls import refuse_control_in_filename
from ledger.datadir import restrict_umask
from ledger.documents import DocumentFacts, ParsedDocument
from ledger.documents.fingerprints import covers
from ledger.errors import InvalidInput, LedgerError
from ledger.fieldnames import FILE
from ledger.gatewaydb import Participant
from ledger.httppool import url_problem
from ledger.indexer.rules import COPY_REVOKED
from ledger.keys import Keystore
from ledger.messages import doc_type_word
from ledger.network import Ledger, init_network, open_ledger
from ledger.services import documents as docs
from ledger.services import financing as fin_svc
from ledger.services import fingerprint_checks as checks_svc
from ledger.services import members as member_svc
from ledger.services import retired, rotation, standing
from ledger.services import verify as verify_svc
from ledger.services.disclosure import FINGERPRINT_ROLES, sees_financing, sees_fingerprints
from ledger.services.fingerprint_checks import Via
from ledger.services.names import LedgerNames
from ledger.services.paging import id_cursor
from ledger.services.roles import (
    REGISTRATION_ONLY_REASONS,
    REGISTRATION_WITHDRAWN_ONLY,
    CancellationReason,
    DocStatus,
    DocType,
    FinancingKind,
    FinancingStatus,
    ProposalAction,
    RevocationReason,
    Role,
    reason_help,
    reason_name,
)
from ledger.services.sellers import SellerShown, registrant_seller
from ledger.services.writekeys import sub_key, write_key
from ledger.userfiles import read_regular_file
from ledger.words import Names, money, named, utc_text, visible, visible_lines, who

app = typer.Typer(
    cls=OnceGroup,
    name="tradeledger",
    help="A permissioned ledger for trade-finance records.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
member_app = typer.Typer(cls=OnceGroup, help="Consortium members.", no_args_is_help=True)
doc_app = typer.Typer(cls=OnceGroup, help="Trade documents.", no_args_is_help=True)
finance_app = typer.Typer(cls=OnceGroup, help="Financings (a bank's).", no_args_is_help=True)
key_app = typer.Typer(cls=OnceGroup, help="API keys: rotate or revoke.", no_args_is_help=True)
keystore_app = typer.Typer(
    cls=OnceGroup, help="The encrypted signing keys of this gateway.", no_args_is_help=True
)
join_app = typer.Typer(cls=OnceGroup, invoke_without_command=True)
evaluator_app = typer.Typer(
    cls=OnceGroup,
    help="The consortium's fingerprint evaluator (its own process and data directory).",
    no_args_is_help=True,
)
app.add_typer(member_app, name="member")
app.add_typer(doc_app, name="doc")
app.add_typer(finance_app, name="finance")
app.add_typer(key_app, name="key")
app.add_typer(keystore_app, name="keystore")
app.add_typer(join_app, name="join")
app.add_typer(evaluator_app, name="evaluator")
app.add_typer(index_app, name="index")
app.add_typer(audit_app, name="audit")


def _print_version(value: bool) -> None:
    if not value:
        return
    try:
        installed = package_version("tradeledger")
    except PackageNotFoundError:
        installed = "(not installed: run pip install -e .)"
    typer.echo(f"tradeledger {installed}")
    raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """A permissioned ledger for trade-finance records."""


AsMember = Annotated[
    str,
    typer.Option(
        "--as",
        help="address (or name) of the member acting (its key is at this gateway; an address "
        "it rotated away from acts as its new one)",
    ),
]
ReadAs = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="read as this member: its encryption key at this gateway opens the financing terms "
        "sealed to it (without it, only the public part is shown)",
    ),
]
DocTypeOpt = Annotated[
    str | None,
    typer.Option("--type", metavar=one_of(DocType), help="the document's type (default: detected)"),
]
IdemKey = Annotated[
    str | None,
    typer.Option(
        "--idempotency-key",
        help="name this write: repeating the command with the same key (after a crash, a lost "
        "answer, or through the API's Idempotency-Key) applies it once and prints its outcome",
    ),
]

#: the demo members (``init --demo``) and their legal ids: the exporter is the seller of the
#: demo invoices (ledger/demo_data: VAT DK13585628), so a bank's terms on an invoice it
#: registered are sealed to it (docs/privacy.md)
DEMO_MEMBERS = (
    ("Demo Bank A", Role.BANK, ""),
    ("Demo Exporter", Role.ENTERPRISE, "DK13585628"),
    ("Demo Regulator", Role.REGULATOR, ""),
    ("Demo Customs", Role.ATTESTOR, ""),
)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    """A plain aligned table for people, each cell shown safely (:func:`cli_common.table`)."""
    return table(headers, rows)


def _role_of(ledger: Ledger, address: str) -> str:
    try:
        return ledger.db.participant(Web3.to_checksum_address(address)).role
    except (LedgerError, ValueError):
        return ""


_T = TypeVar("_T")


def _actor(address: str, option: str = "--as") -> str:
    """``address`` checksummed, or exit 2 naming ``option``. ``--as`` may also name a member
    served here by its name (anything not written ``0x…``): returned as given, for
    :func:`ledger.cli_common.acting` to find once the ledger is open."""
    if option == "--as" and address.strip() and not looks_like_address(address):
        return address
    try:
        return Web3.to_checksum_address(address)
    except ValueError:
        fail(InvalidInput(option, "must be a 20-byte hex address"))
        raise  # unreachable


@app.command()
def init(
    data_dir: DataDir = None,
    demo: Annotated[bool, typer.Option(help="also create one member of each role")] = False,
    admin_name: Annotated[str, typer.Option(help="the consortium admin's name")] = (
        "Consortium admin"
    ),
    chain_url: Annotated[
        str | None,
        typer.Option(
            help="a JSON-RPC node instead of the embedded chain [env: TRADELEDGER_CHAIN_URL]"
        ),
    ] = None,
    funding_key_file: Annotated[
        Path | None,
        typer.Option(
            help="a funded key that pays for the admin on a JSON-RPC network with priced gas: "
            "init asks it for what the deployment and onboarding up to 50 members need at the "
            "node's gas price, and says how much and from which address when it lacks it "
            "[env: TRADELEDGER_FUNDING_KEY_FILE]"
        ),
    ] = None,
    threshold: Annotated[
        int,
        typer.Option(
            min=1,
            max=255,
            help="M: the admin approvals a membership change needs (1: the operator acts alone)",
        ),
    ] = 1,
    co_admin: Annotated[
        list[str] | None,
        typer.Option(
            help="the address of a further admin, who holds its own key (repeat per admin); "
            "M may be at most 1 + their number"
        ),
    ] = None,
    evaluator_key: Annotated[
        str | None,
        typer.Option(
            help="the fingerprint evaluator's public key (64 hex, printed by tradeledger "
            "evaluator init) [env: TRADELEDGER_EVALUATOR_PUBLIC_KEY; default: read from "
            "TRADELEDGER_EVALUATOR_URL]"
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a network: deploy the contract with the fingerprint evaluator's public key,
    create the admin, write the manifest."""
    settings = settings_for(data_dir, chain_url=chain_url, funding_key_file=funding_key_file)
    if evaluator_key is not None:
        settings.evaluator_public_key = evaluator_key
    co_admins = tuple(_actor(a, "--co-admin") for a in co_admin or ())
    ledger, api_key = guard(
        lambda: init_network(settings, admin_name, threshold=threshold, co_admins=co_admins)
    )
    record_evaluator_url(settings)
    try:
        created: list[dict[str, Any]] = []
        if demo:
            for name, role, legal_id in DEMO_MEMBERS:
                new = guard(
                    lambda n=name, r=role, i=legal_id: member_svc.add_member(  # type: ignore[misc]
                        ledger, ledger.manifest.admin_address, n, r, i
                    )
                )
                created.append(
                    {
                        "name": name,
                        "role": role.name.lower(),
                        "address": new.member.address,
                        "api_key": new.api_key,
                    }
                )
        payload = {
            "data_dir": str(settings.data_dir),
            "chain_id": ledger.manifest.chain_id,
            "contract": ledger.manifest.contract_address,
            "admin": {"address": ledger.manifest.admin_address, "api_key": api_key},
            "members": created,
        }
        lines = [
            f"ledger created in {settings.data_dir}",
            f"  chain id {ledger.manifest.chain_id}, contract {ledger.manifest.contract_address}",
            f"  admin {ledger.manifest.admin_address}",
            f"  admin API key (shown once): {api_key}",
        ]
        lines += [
            f"  {m['role']:<10} {m['name']:<16} {m['address']}  API key: {m['api_key']}"
            for m in created
        ]
        emit(as_json, payload, lines_text(lines))
    finally:
        ledger.close()


# -- members ------------------------------------------------------------------------------------


def _member_row(m: member_svc.Member) -> dict[str, Any]:
    return {
        "member_id": m.member_id,
        "address": m.address,
        "role": m.role.name.lower(),
        "active": m.active,
        "name": m.name,
    }


@member_app.command("add")
def member_add(
    name: Annotated[str, typer.Argument(help="the member's display name")],
    role: Annotated[str, typer.Option(metavar=one_of(Role), help="the member's role")],
    legal_id: Annotated[str, typer.Option(help="legal id, e.g. an LEI (stored hashed)")] = "",
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Onboard a CUSTODIAL member: this gateway creates and holds its key (e.g. an enterprise
    that uses its bank's gateway). An organisation that runs its own gateway joins with its own
    key instead: "tradeledger join" there, "tradeledger member approve FILE" here. Prints its
    address and API key once. Above M = 1 this makes a proposal that M admins must approve."""
    parsed = guard(lambda: Role.parse(role, "--role"))
    with opened_ledger(data_dir) as ledger:
        new = guard(
            lambda: member_svc.add_member(
                ledger,
                ledger.manifest.admin_address,
                name,
                parsed,
                legal_id,
                idempotency_key=idempotency_key,
            )
        )
    pending = new.proposal is not None and not new.proposal.executed
    # the API's response model for the same operation (POST /v1/members): one shape for both
    from api.routers.documents import NoticePublic
    from api.routers.members import MemberCreated, public_member

    payload = MemberCreated(
        **public_member(new.member).model_dump(),
        api_key=new.api_key,
        tx_hash=new.tx_hash,
        block=new.block,
        proposal_id=new.proposal.proposal_id if new.proposal is not None else None,
        notices=[NoticePublic.of(n) for n in new.notices],
    ).model_dump(mode="json")
    text = lines_text(
        [
            f"member {new.member.member_id} {name} ({parsed.name.lower()}) at {new.member.address}",
            f"API key (shown once): {new.api_key}",
        ]
    )
    if pending:
        assert new.proposal is not None
        text = lines_text(
            [
                f"proposal {new.proposal.proposal_id}: add {name} ({parsed.name.lower()}) at "
                f"{new.member.address}, {_approvals(new.proposal)}",
                f"API key (shown once): {new.api_key}",
            ]
        )
    emit(as_json, payload, text)
    for notice in new.notices:  # a GLN as legal id: said before the member registers anything
        say(f"warning ({notice.kind}): {notice.message}", err=True)


# -- governance ---------------------------------------------------------------------------------


def _approvals(p: member_svc.Proposal) -> str:
    if p.executed:
        return "executed"
    if p.status == "moot":
        return f"moot (its effect already holds; {p.approvals} of {p.threshold} approvals)"
    return f"pending: {p.approvals} of {p.threshold} approvals"


def _who(address: str, name: str | None) -> str:
    return named(address, name)


def _proposal_row(p: member_svc.Proposal) -> dict[str, Any]:
    return {
        "proposal_id": p.proposal_id,
        "action": p.action.name.lower(),
        "status": p.status,
        "approvals": p.approvals,
        "threshold": p.threshold,
        "proposer": p.proposer,
        "proposer_name": p.proposer_name,
        "approvers": [a.__dict__ for a in p.approvers],
        "proposed_at": p.proposed_at,
        "account": p.account,
        "new_account": p.new_account,
        "role": p.role.name.lower() if p.role is not None else None,
        "name": p.name,
        "data": p.data,
        "tx_hash": p.tx_hash,
    }


@member_app.command("propose")
def member_propose(
    action: Annotated[
        str,
        typer.Argument(
            help="add-member, suspend-member, reinstate-member, rotate-key, set-threshold or "
            "set-fingerprint-evaluator"
        ),
    ],
    account: Annotated[str | None, typer.Option(help="the member concerned")] = None,
    new_account: Annotated[str | None, typer.Option(help="rotate-key: the new key")] = None,
    role: Annotated[
        str | None, typer.Option(metavar=one_of(Role), help="add-member: the role")
    ] = None,
    name: Annotated[str, typer.Option(help="add-member: the name")] = "",
    legal_id: Annotated[str, typer.Option(help="add-member: legal id, e.g. an LEI")] = "",
    threshold: Annotated[int | None, typer.Option(help="set-threshold: the new M", min=1)] = None,
    evaluator_key: Annotated[
        str | None,
        typer.Option(help="set-fingerprint-evaluator: its public key, 0x + 64 hex"),
    ] = None,
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Propose a consortium change, signed by this gateway's admin (its approval counts). It
    takes effect once M admins approved it (at once when M = 1)."""
    parsed = guard(lambda: ProposalAction.parse(action, "ACTION", sep="-"))
    parsed_role = guard(lambda: Role.parse(role, "--role")) if role is not None else None
    data: bytes | int = b""
    if parsed == ProposalAction.SET_THRESHOLD:
        if threshold is None:
            fail(InvalidInput("--threshold", "is required for set-threshold"))
        assert threshold is not None
        data = threshold
    elif evaluator_key is not None:
        try:
            data = bytes.fromhex(evaluator_key.removeprefix("0x"))
        except ValueError:
            fail(InvalidInput("--evaluator-key", "must be 0x and 64 hex digits"))
    with opened_ledger(data_dir) as ledger:
        made = guard(
            lambda: member_svc.propose(
                ledger,
                ledger.manifest.admin_address,
                parsed,
                account=account,
                new_account=new_account,
                role=parsed_role,
                legal_id=legal_id,
                name=name,
                data=data,
                idempotency_key=idempotency_key,
            )
        )
    emit(
        as_json,
        _proposal_row(made),
        f"proposal {made.proposal_id} ({made.action.name.lower()}): {_approvals(made)}",
    )


@member_app.command("approve-proposal")
def member_approve_proposal(
    proposal_id: Annotated[int, typer.Argument(help="the proposal's id")],
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Approve a proposal, signed by this gateway's admin; it takes effect at M approvals."""
    with opened_ledger(data_dir) as ledger:
        approved = guard(
            lambda: member_svc.approve_proposal(
                ledger,
                ledger.manifest.admin_address,
                proposal_id,
                idempotency_key=idempotency_key,
            )
        )
    emit(
        as_json,
        _proposal_row(approved),
        f"proposal {approved.proposal_id} ({approved.action.name.lower()}): {_approvals(approved)}",
    )


@member_app.command("approve")
def member_approve(
    file: Annotated[Path, typer.Argument(help="the join request file a new member wrote")],
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Approve a join request (signed by the member's own key): onboard the member by its
    address. Signed by this gateway's admin; above M = 1 it is a proposal the other admins
    approve."""
    request = guard(lambda: join_mod.read_request(file))
    with opened_ledger(data_dir) as ledger:
        made = guard(
            lambda: member_svc.approve_join(
                ledger,
                ledger.manifest.admin_address,
                request,
                idempotency_key=idempotency_key,
            )
        )
    text = visible(
        f"proposal {made.proposal_id}: add {request.name} ({request.role}) at {request.address}, "
        f"{_approvals(made)}"
    )
    emit(as_json, _proposal_row(made), text)


@member_app.command("rotate-evaluator-key")
def member_rotate_evaluator_key(
    public_key: Annotated[
        str, typer.Argument(help="the new evaluator's public key (64 hex, evaluator init)")
    ],
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Propose the fingerprint evaluator's new public key (all gateways move together once in
    effect). Financings locked under the old key keep their fingerprints until released
    (docs/fingerprints.md)."""
    try:
        key = bytes.fromhex(public_key.removeprefix("0x"))
    except ValueError:
        fail(InvalidInput("public_key", "must be 64 hex digits"))
    with opened_ledger(data_dir) as ledger:
        admin = ledger.manifest.admin_address
        proposal = guard(
            lambda: member_svc.rotate_evaluator_key(
                ledger, admin, key, idempotency_key=idempotency_key
            )
        )
    emit(
        as_json,
        _proposal_row(proposal),
        f"proposal {proposal.proposal_id} (new evaluator key): {_approvals(proposal)}",
    )


@join_app.callback()
def join(
    ctx: typer.Context,
    chain_url: Annotated[str | None, typer.Option(help="the consortium's JSON-RPC node")] = None,
    contract: Annotated[str | None, typer.Option(help="the TradeLedger contract address")] = None,
    name: Annotated[str | None, typer.Option(help="your organisation's name")] = None,
    role: Annotated[
        str | None, typer.Option(metavar=one_of(Role), help="your organisation's role")
    ] = None,
    legal_id: Annotated[str, typer.Option(help="legal id, e.g. an LEI (stored hashed)")] = "",
    out: Annotated[Path | None, typer.Option(help="where to write the join request")] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Create this organisation's signing and encryption keys here, check the deployed contract
    against this gateway's artifact, and write a join request signed by the new key for an
    admin to approve ("tradeledger member approve FILE"). Prints the address and the first API
    key of this gateway (shown once). "tradeledger serve" finishes joining once approved."""
    if ctx.invoked_subcommand is not None:
        return
    missing = [
        flag
        for flag, value in (
            ("--chain-url", chain_url),
            ("--contract", contract),
            ("--name", name),
            ("--role", role),
            ("--out", out),
        )
        if value is None
    ]
    if missing:
        fail(InvalidInput(missing[0], "is required"))
    settings = settings_for(data_dir, chain_url=chain_url)
    joined = guard(
        lambda: join_mod.create_join(
            settings, str(contract), str(name), str(role), legal_id, Path(str(out))
        )
    )
    emit(
        as_json,
        {
            "address": joined.address,
            "api_key": joined.api_key,
            "request": str(joined.request_path),
            "data_dir": str(joined.data_dir),
            "encryption_key": joined.request.encryption_key,
        },
        lines_text(
            [
                f"joining as {joined.address} ({joined.request.role}) from {joined.data_dir}",
                f"  join request: {joined.request_path} (send it to a consortium admin)",
                f"  API key of this gateway (shown once): {joined.api_key}",
            ]
        ),
    )
    for notice in member_svc.legal_id_notices(joined.request.legal_id):  # a GLN, said now
        say(f"warning ({notice.kind}): {notice.message}", err=True)


@join_app.command("finish")
def join_finish(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Finish joining once the membership is on chain ("tradeledger serve" does this by
    itself)."""
    settings = settings_for(data_dir)
    address = guard(lambda: join_mod.finish_join_now(settings))
    emit(as_json, {"address": address, "joined": True}, f"{address} has joined")


@member_app.command("proposals", cls=reads("GET /v1/governance", "GET /v1/governance/proposals"))
def member_proposals(
    pending: Annotated[bool, typer.Option(help="only pending proposals")] = False,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """List governance proposals (M, N and every proposal with its approvals)."""
    with opened_ledger(data_dir) as ledger:
        state = guard(lambda: member_svc.governance(ledger))
        found, _ = guard(lambda: member_svc.list_proposals(ledger, pending_only=pending))
    # GET /v1/governance, with every item of GET /v1/governance/proposals: the API's builders
    from api.routers.governance import governance_public, public

    payload = {
        **governance_public(state).model_dump(mode="json"),
        "proposals": [public(p).model_dump(mode="json") for p in found],
    }
    text = (
        f"M = {state.threshold} of N = {state.admin_count} admins, fingerprint evaluator key "
        f"{state.fingerprint_evaluator_key}\n"
    )
    text += _table(
        ["ID", "ACTION", "STATUS", "APPROVALS", "ACCOUNT OR VALUE", "NAME", "APPROVED BY"],
        [
            [
                p.proposal_id,
                p.action.name.lower(),
                p.status,
                f"{p.approvals} of {p.threshold}",
                _proposal_target(p),
                p.name,
                ", ".join(a.name or a.admin for a in p.approvers),
            ]
            for p in found
        ],
    )
    emit(as_json, payload, text)


def _proposal_target(p: member_svc.Proposal) -> str:
    """What a proposal changes, for its row: the account (and the new one, of a key rotation),
    the new M of a threshold change (its ``data`` is the number as 32 bytes: tryout 78 read
    ``0x000…0002`` as an account), or the evaluator's new public key."""
    if p.action is ProposalAction.SET_THRESHOLD:
        return f"new M = {int(p.data, 16)}"
    if p.action is ProposalAction.SET_FINGERPRINT_EVALUATOR:
        return f"evaluator key {p.data}"
    if p.account and p.new_account:
        return f"{p.account} -> {p.new_account}"
    return p.account or p.data


@member_app.command("list", cls=reads("GET /v1/members"))
def member_list(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """List the consortium's members."""
    with opened_ledger(data_dir) as ledger:
        members = guard(lambda: member_svc.list_members(ledger))
    from api.routers.members import member_page  # GET /v1/members' answer, every page

    payload = member_page(members, None).model_dump(mode="json")
    rows = payload["items"]
    text = _table(
        ["ID", "ROLE", "STATUS", "ADDRESS", "NAME"],
        [
            [
                r["member_id"],
                r["role"],
                "active" if r["active"] else "suspended",
                r["address"],
                r["name"] or "",
            ]
            for r in rows
        ],
    )
    emit(as_json, payload, text)


def _member_change(
    address: str, data_dir: Path | None, as_json: bool, suspend: bool, key: str | None
) -> None:
    with opened_ledger(data_dir) as ledger:
        target = guard(lambda: member_svc.get_member(ledger, address)).address
        admin = ledger.manifest.admin_address
        action = member_svc.suspend_member if suspend else member_svc.reinstate_member
        change = guard(lambda: action(ledger, admin, target, idempotency_key=key))
        member = guard(lambda: member_svc.get_member(ledger, target))
    verb = "suspend" if suspend else "reinstate"
    row: dict[str, Any] = {**_member_row(member), "tx_hash": change.tx_hash}
    done = "suspended" if suspend else "reinstated"
    text = visible(f"{done} {_who(target, member.name)} (tx {change.tx_hash})")
    made = change.proposal
    if made is not None:
        row["proposal"] = _proposal_row(made)
        if not made.executed:
            text = visible(
                f"proposal {made.proposal_id}: {verb} {_who(target, member.name)}, "
                f"{_approvals(made)} (tx {change.tx_hash}); another admin approves it with "
                f"`tradeledger member approve-proposal {made.proposal_id}`"
            )
    emit(as_json, row, text)


@member_app.command("suspend")
def member_suspend(
    address: Annotated[str, typer.Argument(help="the member's address")],
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Suspend a member, signed by this gateway's admin: its writes revert until reinstated.
    Above M = 1 this makes a proposal (printed with its id and "pending: 1 of M approvals")
    that takes effect once M admins approved it."""
    _member_change(address, data_dir, as_json, True, idempotency_key)


@member_app.command("reinstate")
def member_reinstate(
    address: Annotated[str, typer.Argument(help="the member's address")],
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Reinstate a suspended member, signed by this gateway's admin. Above M = 1 this makes a
    proposal (printed with its id and "pending: 1 of M approvals") that M admins approve."""
    _member_change(address, data_dir, as_json, False, idempotency_key)


@member_app.command("publish-key")
def member_publish_key(
    as_member: AsMember,
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Publish the X25519 encryption key of a member whose keys this gateway holds (made if
    missing), signed by the member: financing terms are sealed only to members that published
    one. "member add" and "join" publish it already; this is for members added before."""
    actor = _actor(as_member)
    with opened_ledger(data_dir) as ledger:
        actor = acting(ledger, actor)
        tx_hash = guard(
            lambda: member_svc.publish_encryption_key(
                ledger, actor, idempotency_key=idempotency_key
            )
        )
    emit(
        as_json, {"address": actor, "tx_hash": tx_hash}, f"published the key of {actor}: {tx_hash}"
    )


# -- keys ---------------------------------------------------------------------------------------


@key_app.command("rotate")
def key_rotate(
    address: Annotated[str, typer.Argument(help="the participant's address")],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Issue a new API key for a participant and revoke its old ones. Shown once. An address
    the member rotated its key away from names the member at its address now (said on
    stderr)."""
    with opened_ledger(data_dir) as ledger:
        now, rotated = guard(lambda: retired.resolve_participant(ledger, address, "ADDRESS"))
        for moved in rotated:
            say(moved.note(), err=True)
        address = now or address
        key = guard(lambda: member_svc.rotate_api_key(ledger, address))
    answer: dict[str, object] = {"address": Web3.to_checksum_address(address), "api_key": key}
    if rotated:
        answer["notices"] = retired.notices(rotated)
    emit(
        as_json,
        answer,
        f"new API key for {address} (shown once; the old keys no longer work): {key}",
    )


@key_app.command("revoke")
def key_revoke(
    address: Annotated[str, typer.Argument(help="the participant's address")],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Revoke every API key of a participant (its on-chain membership is unchanged). An
    address the member rotated its key away from names the member at its address now (said on
    stderr)."""
    with opened_ledger(data_dir) as ledger:
        now, rotated = guard(lambda: retired.resolve_participant(ledger, address, "ADDRESS"))
        for moved in rotated:
            say(moved.note(), err=True)
        address = now or address
        count = guard(lambda: member_svc.revoke_api_keys(ledger, address))
    answer: dict[str, object] = {"address": address, "revoked": count}
    if rotated:
        answer["notices"] = retired.notices(rotated)
    emit(as_json, answer, f"revoked {count} key(s) of {address}")


@keystore_app.command("protect")
def keystore_protect(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Re-encrypt the signing keys whose passphrases are files in the data directory
    (secrets/*.pass, as development makes them) under the passphrase from
    TRADELEDGER_KEYSTORE_PASSPHRASE_FILE or TRADELEDGER_KEYSTORE_PASSPHRASE, and delete those
    files. Run it (with the server stopped) before starting a ledger made in development with
    TRADELEDGER_ENVIRONMENT=production."""
    settings = settings_for(data_dir)
    keystore = Keystore(
        settings.keystore_dir,
        settings.secrets_dir,
        settings.keystore_passphrase,
        settings.keystore_scrypt_n,
    )
    done = guard(keystore.protect)
    emit(
        as_json,
        {"protected": done},
        f"{len(done)} key(s) re-encrypted under the external passphrase; "
        "no passphrase is left in the data directory",
    )


@keystore_app.command("new-key")
def keystore_new_key(
    member: Annotated[
        str, typer.Argument(help="address of the member (its key is at this gateway)")
    ],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Make a new signing key for MEMBER in this gateway's keystore (encrypted like the others,
    never shown) and print its address; on a network with priced gas the old account's balance
    moves to it. It is pending until the consortium rotates the member's key to it on chain
    (an admin runs: tradeledger member propose rotate-key --account MEMBER --new-account NEW);
    from then on this gateway signs for the member with it, its API keys and --as MEMBER
    included, and never again with the old key (docs/security.md, "Key rotation")."""
    with opened_ledger(data_dir) as ledger:
        made = guard(lambda: rotation.new_key(ledger, _actor(member, "MEMBER"), "MEMBER"))
    payload = {
        "member": made.member,
        "member_id": made.member_id,
        "new_address": made.new_address,
        "made": made.made,
        "funded_wei": str(made.funded),
        "next_step": (
            f"tradeledger member propose rotate-key --account {made.member} "
            f"--new-account {made.new_address}"
        ),
    }
    said = "new signing key" if made.made else "pending signing key (made earlier)"
    emit(
        as_json,
        payload,
        f"{said} of member {made.member_id} ({made.member}): {made.new_address}\n"
        "pending until the member's key is rotated to it on chain; an admin runs:\n"
        f"  {payload['next_step']}",
    )


@keystore_app.command(
    "new-keys",
    cls=reads(
        no_twin="signing keys have no API surface: they are made and listed on the gateway's "
        "host (docs/security.md, Key rotation)"
    ),
)
def keystore_new_keys(
    member: Annotated[
        str | None, typer.Argument(help="only this member's (its address then)")
    ] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """The new signing keys made at this gateway, each pending or adopted (its member's key
    rotated to it on chain; this gateway signs with it)."""
    with opened_ledger(data_dir) as ledger:
        wanted = _actor(member, "MEMBER") if member is not None else None
        for key in guard(lambda: rotation.pending_keys(ledger, wanted)):
            guard(partial(rotation.current, ledger, key.member_address))  # adopts one in effect
        keys = guard(lambda: rotation.pending_keys(ledger, wanted))
    items = [
        {
            "member_id": k.member_id,
            "old_address": k.member_address,
            "new_address": k.new_address,
            "created_at": utc_text(k.created_at),
            "state": "adopted" if k.adopted_at is not None else "pending",
            "adopted_at": utc_text(k.adopted_at) if k.adopted_at is not None else None,
        }
        for k in keys
    ]
    rows = [
        [i["member_id"], i["old_address"], i["new_address"], i["state"], i["created_at"]]
        for i in items
    ]
    emit(
        as_json,
        {"items": items},
        _table(["MEMBER ID", "OLD ADDRESS", "NEW ADDRESS", "STATE", "MADE"], rows),
    )


# -- documents ----------------------------------------------------------------------------------


def _read_file(path: Path) -> bytes:
    """A document file the user named (``FILE``): a regular file of at most
    ``MAX_FILE_BYTES`` (``ledger.userfiles``; ``/dev/zero`` or a FIFO refused, not read)."""
    return read_regular_file(path, "file", docs.MAX_FILE_BYTES)


def _is_financed(ex: docs.Examined, actor: str, role: str) -> bool | None:
    """Whether active financings hold the document ``ex`` is, for a caller who may learn it
    (``ledger.services.disclosure``); None otherwise, or when it is not registered."""
    reg = ex.registration
    if reg is None or not sees_financing(role, actor, reg.registered_by):
        return None
    return ex.financed


def _examined_payload(ledger: Ledger, ex: docs.Examined, actor: str, role: str) -> dict[str, Any]:
    """The ``--json`` answer of doc check / receive: the API's (``POST /v1/documents/check``,
    ``/receive``) for ``actor`` of ``role``, built by the same function."""
    from api.routers.documents import examined

    return examined(ledger, ex, Participant(actor, "", role)).model_dump(mode="json")


def _status_lines(v: verify_svc.Verification, names: Names) -> list[str]:
    """A document's status for people, the same for ``doc verify`` and ``doc check``: the
    status first (REGISTERED and active, REVOKED, SUPERSEDED by 0x…, NOT REGISTERED), then —
    once — what to rely on, who registered it and when, and what was hashed."""
    status = verify_svc.VerifyStatus
    reg = v.registration
    if reg is None:
        lines = ["NOT REGISTERED: no document with this file's hash is on the ledger"]
        lines += [f"  {t.form.description}: {t.doc_hash} (not registered)" for t in v.tried]
        return lines
    if v.status is status.ACTIVE:
        lines = [f"REGISTERED and active: {reg.doc_hash}"]
    elif v.status is status.REVOKED:
        lines = [f"REVOKED: {reg.doc_hash} (registered, then revoked: do not rely on it)"]
        lines += _revoked_by(v.revocation, names)
        lines += _registration_only_lines(v)
    else:
        lines = [f"SUPERSEDED by {reg.successor}: {reg.doc_hash} (replaced by an amended document)"]
        lines += _current_version_lines(v, names)
    lines.append(f"  registered by {who(reg.registered_by, names)}")
    lines += _seller_lines(v.registrant_seller)
    lines.append(f"  at {utc_text(reg.registered_at)}, type {reg.doc_type.name.lower()}")
    lines.append(f"  hashed: {v.hashed.description}")
    lines += [
        f"  ({t.form.description}: {t.doc_hash} is not registered)"
        for t in v.tried
        if not t.registered
    ]
    return lines + _registrations_lines(v, names)


def _seller_lines(seller: SellerShown | None, indent: str = "    ") -> list[str]:
    """Whether the registrant is shown to be the document's seller, for people, under the
    "registered by" line (``registrant_is_seller``: :mod:`ledger.services.sellers`): a
    registration by anyone else records who registered the hash and when, never that the
    document is theirs."""
    if seller is None:
        return []
    party = seller.party  # an invoice's seller, another document's issuer (a bill of lading)
    if seller.is_seller is True:
        return [f"{indent}shown to be its {party}: {seller.reason}"]
    if seller.is_seller is False:
        return [
            f"{indent}NOT SHOWN TO BE ITS {party.upper()}: {seller.reason}; the registration "
            "records who registered the hash and when, not that the document is theirs"
        ]
    return [f"{indent}{party} not compared: {seller.reason}"]


def _registrations_lines(v: verify_svc.Verification, names: Names) -> list[str]:
    """When the file is registered under more than one hash (its bytes and its canonical JSON
    form): every registration, earliest first — the answer above is the earliest, never the
    later one alone."""
    if len(v.registrations) < 2:
        return []
    lines = [
        f"  REGISTERED {len(v.registrations)} TIMES: the same document is registered under "
        f"{len(v.registrations)} hashes (of its bytes, its canonical JSON form or another byte "
        "form of it); the earliest registration is the document's (shown above):"
    ]
    for i, found in enumerate(v.registrations):
        r = found.registration
        which = "earliest" if i == 0 else "later"
        lines.append(
            f"    {which}: {r.doc_hash} ({found.form.description}) by "
            f"{who(r.registered_by, names)} at {utc_text(r.registered_at)}, "
            f"{r.status.name.lower()}"
        )
    return lines


def _revocation_line(r: dict[str, Any], names: dict[str, str]) -> list[str]:
    """``doc show``'s line for a revoked document, from its JSON ``revocation``."""
    by = named(r["by"], r.get("by_name") or names.get(r["by"]))
    reason = f"{r['reason_code']} ({r['reason_name']})"
    return [f"  revoked by {by} at {r['at']}, reason code {reason}"]


def _revoked_by(r: verify_svc.Revocation | None, names: Names, indent: str = "  ") -> list[str]:
    if r is None:
        return []
    by = named(r.by, r.by_name) if r.by_name else who(r.by, names)
    reason = f"{r.reason_code} ({r.reason_name})"
    return [f"{indent}revoked by {by} at {utc_text(r.at)}, reason code {reason}"]


def _registration_only_lines(v: verify_svc.Verification) -> list[str]:
    """What a revocation withdrew when its revoker is the registrant and the file shows it is
    not the seller (a registrant is never an admin: admins do not register): its registration
    only, not the invoice (tryout 81: an enterprise registered another seller's invoice and
    revoked it "cancelled by issuer"; the check said only that). This file stays refused on
    chain (a revoked document cannot be financed); a reason 1 or 2 says so of itself."""
    r, reg, seller = v.revocation, v.registration, v.registrant_seller
    if r is None or reg is None or seller is None or seller.is_seller is not False:
        return []
    if r.by.lower() != reg.registered_by.lower() or r.reason_code in REGISTRATION_ONLY_REASONS:
        return []
    return [f"  its revoker is not shown to be its seller: {REGISTRATION_WITHDRAWN_ONLY}"]


def _current_version_lines(v: verify_svc.Verification, names: Names) -> list[str]:
    """Where the chain of amendments ends, and whether that version is in force (said once)."""
    current = v.current_version
    if current is None or v.current_status is None:
        return ["  current version: unknown (the chain of amendments could not be followed)"]
    which = " (the successor)" if current == v.superseded_by else ""
    state = v.current_status.name.lower()
    if v.current_status is DocStatus.ACTIVE:
        return [f"  current version: {current} ({state}){which}: rely on it, not on this file"]
    if v.current_status is DocStatus.REVOKED:
        return [
            f"  current version: {current} ({state}){which}: no version of this document is in "
            "force",
            *_revoked_by(v.current_revocation, names, "    "),
        ]
    return [
        f"  current version: {current} ({state}){which}: amended more than "
        f"{verify_svc.MAX_SUCCESSORS} times, not followed further"
    ]


def _notice_lines(ex: docs.Examined) -> list[str]:
    """What the caller should know about a file (rejected identifiers, a seller without a
    valid identity, a credit note, …): the same notices the API and ``--json`` give."""
    return [f"  note ({n.kind}): {n.message}" for n in ex.notices]


def _examined_text(
    ex: docs.Examined, v: verify_svc.Verification, names: Names, actor: str, role: str
) -> str:
    facts = ex.facts or {}
    kind = ex.doc_type.name.lower() + (" (CREDIT NOTE)" if facts.get("creditNote") else "")
    lines = _status_lines(v, names)
    lines.append(f"document {ex.doc_hash}")
    lines.append(f"  read as {ex.format}, type {kind}")
    if facts:
        seller = (facts.get("seller") or {}).get("ids") or [{}]
        amount = facts.get("amountMinor")
        shown = money(amount, facts.get("currency")) if amount is not None else "-"
        lines.append(
            f"  number {facts.get('numberAsWritten') or facts.get('number')}, issued "
            f"{facts.get('issueDate')}, seller {seller[0].get('scheme', '')}:"
            f"{seller[0].get('value', '')}, amount {shown}"
        )
    for f in ex.fingerprints:
        held = f"HELD by active financing {f.held_by_financing}" if f.held_by_financing else "free"
        lines.append(f"  fingerprint {f.name:<26} {held}")
        if f.held_by_financing:  # what it shares, when the financed file is not the caller's
            shared = covers(f.name)
            if shared:
                lines.append(f"    the financed document has {shared}")
    if not ex.fingerprints_shown:
        lines.append(
            f"  fingerprints: not shown to role {role or 'unknown'} (banks and regulators only)"
        )
    elif not ex.holders_known:
        lines.append(
            "  fingerprints: UNKNOWN — whether an active financing holds this document could "
            "not be checked (see the notes below)"
        )
    elif not ex.fingerprints and ex.facts is not None:
        lines.append("  no fingerprint: this document cannot be financed (see the notes below)")
    financed = _is_financed(ex, actor, role)
    if financed is not None and not ex.fingerprints_shown:
        lines.append(
            f"  financed: {'yes, active financings hold it' if financed else 'no'} "
            "(this exact document)"
        )
    lines += _pledged_lines(
        ex.pledged,
        ex.financeable_amount,
        ex.financing_headroom,
        facts,
        role or None,
        unknown=_headroom_unknown([(n.kind, n.message) for n in ex.notices]),
        doc_type=ex.doc_type.name,
        notices=[(n.kind, n.message) for n in ex.notices],
        own_files_held=ex.own_receivable is not None,
    )
    lines += _own_receivable_lines(ex)
    for h in ex.holders:
        # where the financing was made matters only to a caller who sees every file here
        where = ""
        if ex.sees_all:
            where = ", made at this gateway" if h.made_here else ", made through another gateway"
        lines.append(
            f"  a fingerprint is held by active financing {h.financing_id} of "
            f"{who(h.bank, names)}{where}"
        )
    for m in ex.matches:  # one per document: every member that lodged it (a regulator's)
        differ = f", differs in {', '.join(m.differ)}" if m.differ else ""
        lodgers = ", ".join(who(a, names) for a in m.lodged_by or (m.received_by,))
        not_in_force = m.status in fin_svc.NOT_IN_FORCE
        state = f" — that document is {str(m.status).upper()}" if not_in_force else ""
        lines.append(f"  match {m.grade.upper()}: {m.doc_hash} (from {lodgers}{differ}){state}")
    if not ex.matches:
        lines += _no_match_lines(ex)
    for x in ex.suspicions:
        lines.append(
            f"  SUSPICIOUS ({x.kind}, not a block): it may be {fin_svc.suspected(x.kind)} — "
            f"{'; '.join(x.reasons)}"
        )
        said = {n.doc_hash: n for n in x.statuses}
        lines.extend(f"    involves {d}{_named_state(said.get(d))}" for d in x.documents)
        lines.extend(
            f"    involves active financing {f}" + (" (YOUR OWN)" if f in x.own_financings else "")
            for f in x.financings
        )
    lines += _notice_lines(ex)
    return lines_text(lines)


def _own_receivable_lines(ex: docs.Examined) -> list[str]:
    """A bank's check of an invoice whose re-issues or parts its own active financings hold:
    what they hold and what is left counting them (``Examined.own_receivable``; tryout 51's
    bank read "left to finance: 4,500.00" of an invoice its financings held through its
    re-issue and a part)."""
    own = ex.own_receivable
    if own is None:
        return []
    held = ", ".join(
        f"financing {h.financing_id} holds {money(h.amount, own.currency)} on its {h.role} "
        f"{h.doc_hash}" + (" (this file)" if h.doc_hash == ex.doc_hash.lower() else "")
        for h in own.holdings
    )
    left = ex.headroom_counting_own
    shown = money(left, own.currency) if left is not None else "unknown"
    due = f"the receivable's {money(own.amount_due, own.currency)} due"
    if own.credited:
        due += (
            f", {money(own.net_due, own.currency)} net of the credit notes counted "
            f"({money(own.credited, own.currency)})"
        )
    beyond = (
        f": {money(own.beyond_due, own.currency)} BEYOND its amount due" if own.beyond_due else ""
    )
    return [
        f"  YOUR OWN active financings already hold this receivable ({own.kind.replace('_', ' ')};"
        f" this file is its {own.role}): {held}",
        f"  left to finance counting them: {shown} ({due}, less "
        f"{money(own.held, own.currency)} held{beyond})",
    ]


def _named_state(named: docs.NamedStatus | None) -> str:
    """`` — REVOKED on chain`` after a document a suspicion names that is not in force (a
    superseded one with its amendment); nothing for one that is, or is not registered."""
    if named is None or named.status not in ("revoked", "superseded"):
        return ""
    by = f" by {named.superseded_by}" if named.superseded_by else ""
    return f" — {named.status.upper()} on chain{by}"


def _headroom_unknown(notices: Sequence[tuple[str, str]]) -> str:
    """Why what is left to finance is not known, from the ``holders_unknown`` notice (kind,
    message) the answer carries: its reason's first clause (the evaluator could not be reached,
    is not configured, or its answer did not verify; no bank lodged a copy here; not shown to
    the role), the note below saying the rest: never "unknown to you" when it was not checked."""
    for kind, message in notices:
        if kind == "holders_unknown":
            reason = message.split(" not known", 1)[-1].removeprefix(" here").removeprefix(": ")
            reason = reason.split("; ", 1)[0].split(": ", 1)[0]
            return f"unknown: {reason} (note holders_unknown below)"
    return "unknown: whether an active financing locks it is not known (no fingerprint)"


def _pledged_lines(
    pledged: bool | None,
    financeable: int | None,
    headroom: int | None,
    facts: dict[str, Any],
    role: str | None = None,
    *,
    unknown: str,
    doc_type: object = None,
    notices: Sequence[tuple[str, str]] = (),
    own_files_held: bool = False,
) -> list[str]:
    """Whether the invoice is pledged (through this copy or another copy of it) and what is
    left to finance, for people: never "not financed" for an invoice a financing locks. A
    document of another ``doc_type`` is called by its type (``bill of lading pledged: no``). The
    financeable amount says whose credit notes it counts: for a bank or a regulator those the
    invoice's seller or buyer vouch for and its own (``docs.credit_notes_read``), the caller's
    own for another ``role`` (docs/privacy.md). A file no bank can
    finance says NOT FINANCEABLE and why, in the words of the answer's own ``notices`` (kind,
    message: :func:`ledger.services.documents.not_financeable_reason`) — its ``nothing_due``
    notice (the amount due is negative or zero, or the credit notes counted cancel it), that it
    is a credit note, or its ``seller_unkeyed`` notice (no fingerprint) — never recomputed from
    the amount shown: an unkeyed seller's invoice, shown 0 because no bank can finance it, is
    never said to be cancelled by credit notes."""
    lines = []
    word = doc_type_word(doc_type)
    if pledged:
        lines.append(
            f"  {word} PLEDGED: an active financing locks its fingerprints (through this copy "
            "or another copy of it, e.g. in another format): no bank can finance it"
        )
    elif pledged is False:
        lines.append(f"  {word} pledged: no (no active financing locks its fingerprints)")
    if financeable is not None:
        currency = facts.get("currency")
        left = money(headroom, currency) if headroom is not None else unknown
        state = next((k for k, _ in notices if k in docs.NOT_IN_FORCE_NOTICES), None)
        if state is not None and headroom == 0:  # revoked or superseded: say so beside the 0
            left += f" (the document is {state.removeprefix('document_')})"
        if role is None:
            counted = "the credit notes counted"  # no member: no "you" (a tryout)
        elif role in FINGERPRINT_ROLES:
            # a note another member lodged alone is its word: not counted (a tryout)
            counted = "the credit notes counted: those its seller or buyer vouch for, and yours"
        else:
            counted = "your own credit notes lodged here"
        if own_files_held and headroom is not None:  # a bank's own financings hold its other
            left += " by this file's own fingerprints (counting your financings: below)"
        lines.append(
            f"  financeable amount {money(financeable, currency)} (amount due net of {counted}); "
            f"left to finance: {left}"
        )
    why = docs.not_financeable_reason(notices)
    if why is not None:
        lines.append(f"  NOT FINANCEABLE: {why}")
    return lines


def _no_match_lines(ex: docs.Examined) -> list[str]:
    """No file this caller may see matches: say what is true. A member sees matches only among
    its own files (a regulator among every file here). With suspicions (listed next), the line
    says so: no copy of the file, but invoices it looks like — never "no matching file" above
    a list of them."""
    where = (
        "at this gateway"
        if ex.sees_all
        else "among your own files at this gateway (you see matches only among the files you "
        "lodged)"
    )
    count = len(ex.suspicions)
    # the caller's own copy of this very file is no match of it: said once, beside the others
    lodged = any(n.kind == "already_lodged" for n in ex.notices)
    other = " other" if lodged else ""
    itself = " (this file itself is lodged here: note already_lodged below)" if lodged else ""
    if not count:
        return [f"  no{other} matching file {where}{itself}"]
    return [
        f"  no{other} copy of this file {where}{itself}; {count} suspicion"
        f"{'' if count == 1 else 's'} (other {_plural(doc_type_word(ex.doc_type.name))} it "
        "looks like, not copies):"
    ]


def _plural(noun: str) -> str:
    """``invoices``, ``bills of lading``, ``warehouse receipts``, ``documents``."""
    head, _, rest = noun.partition(" of ")
    return f"{head}s of {rest}" if rest else f"{noun}s"


def _verification(ledger: Ledger, ex: docs.Examined) -> verify_svc.Verification:
    """The status of the document a checked file is, as ``doc verify`` gives it."""
    return verify_svc.describe(
        ledger,
        ex.registration,
        ex.hashed,
        ex.tried,
        docs.parse_doc_hash(ex.doc_hash),
        ex.registrations,
        file=(DocumentFacts.from_dict(ex.facts) if ex.facts else None,),
    )


#: the notices of a file no bank can finance (``doc check`` exit 5): its document revoked or
#: superseded, nothing due, a credit note, a seller whose every identifier failed its check (no
#: fingerprint: whether a financing holds it is not known, but none can be made)
_NOT_FINANCEABLE = docs.NOT_FINANCEABLE_NOTICES


@doc_app.command(
    "check",
    cls=reads("POST /v1/documents/check"),
    epilog="Exit status: 0 no active financing holds it (or, for an enterprise or attestor, "
    "not shown); 3 an active financing holds one of its fingerprints; 5 NOT FINANCEABLE (its "
    "document revoked or superseded, nothing due, a credit note, or no fingerprint: every "
    "identifier of its seller failed its check); 4 whether a financing "
    "holds it is not known; 1 or 2 when the check itself failed.",
)
def doc_check(
    file: Annotated[Path, typer.Argument(help="the document file")],
    as_member: Annotated[
        str | None, typer.Option("--as", help="match only this member's files (default: all)")
    ] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Read a file and show its facts, fingerprints and what the ledger already holds. No write.
    Exit 3 when an active financing holds one of its fingerprints, or (a bank or regulator) one
    whose terms it reads pledges the invoice, or (a bank) its own active financings hold the
    whole receivable through the invoice's re-issues or parts (nothing left counting them); 5
    when it is NOT FINANCEABLE (its document revoked or superseded: its document_revoked or
    document_superseded notice; nothing due — its amount due is zero or negative, or the credit
    notes counted cancel it: its nothing_due notice; a credit note: its credit_note notice; no
    fingerprint, every identifier of its seller having failed its check: its seller_unkeyed
    notice); 4 when whether a financing holds it is not known to a bank or regulator (the
    evaluator unavailable; for a regulator, no bank lodged a copy of the document here: never 0,
    which says nothing holds it); 1 or 2 when the check itself failed. The first that applies,
    in the order 3, 5, 4. An enterprise or attestor is never shown fingerprints or holders (a
    forged copy must not learn that the original is financed): for them the exit code says
    nothing about financings (never 3 or 4; 5 is a fact of the file) and the answer carries a
    holders_unknown notice. With --as, what that member's API key would see (fingerprints and
    holders: banks and regulators only), and the check counts towards its limit (a bank's
    evaluates the fingerprints of a file with facts); every check is logged for the regulator."""
    data = guard(lambda: _read_file(file))
    with opened_ledger(data_dir) as ledger:
        actor = acting(ledger, _actor(as_member)) if as_member else ""
        refuse_inactive_reader(ledger, actor, "a check of the ledger")
        role = _role_of(ledger, actor) if actor else "regulator"
        via = Via("check", "tradeledger doc check", limited=bool(actor))
        _, ex = guard(lambda: docs.examine(ledger, data, actor, role, via=via))
        text = guard(
            lambda: _examined_text(ex, _verification(ledger, ex), LedgerNames(ledger), actor, role)
        )
        payload = guard(lambda: _examined_payload(ledger, ex, actor, role))
    emit(as_json, payload, text)
    if ex.conflicting_financings or (ex.pledged is True and sees_fingerprints(role)):
        # held, or pledged through a financing it reads though the holders were not checked
        # (the evaluator down): a tryout read PLEDGED beside exit 4
        raise typer.Exit(3)
    if ex.own_receivable is not None and ex.headroom_counting_own == 0:
        # the bank's own financings hold the whole receivable through its re-issues or parts:
        # a tryout read "left to finance counting them: 0.00" beside exit 0
        raise typer.Exit(3)
    if any(n.kind in _NOT_FINANCEABLE for n in ex.notices):
        raise typer.Exit(5)  # NOT FINANCEABLE: whoever holds it, no bank can finance it
    if ex.fingerprints_shown and not ex.holders_known:
        raise typer.Exit(4)  # never 0 ("nothing holds it") when that could not be checked


@doc_app.command("receive")
def doc_receive(
    file: Annotated[Path, typer.Argument(help="the document file")],
    as_member: AsMember,
    doc_type: DocTypeOpt = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Lodge a file a member received (no chain write), so a bank can finance it. A JSON file
    registered as its canonical form (POST /v1/documents/json) is lodged under that document's
    hash, as doc verify finds it."""
    data = guard(lambda: _read_file(file))
    kind = guard(lambda: DocType.parse(doc_type, "--type")) if doc_type is not None else None
    actor = _actor(as_member)
    via = Via("receive", "tradeledger doc receive", limited=True)
    with opened_ledger(data_dir) as ledger:
        actor = acting(ledger, actor)
        role = _role_of(ledger, actor)
        ex = guard(lambda: docs.receive(ledger, actor, role, data, file.name, kind, via=via))
        text = guard(
            lambda: _examined_text(ex, _verification(ledger, ex), LedgerNames(ledger), actor, role)
        )
        lodged = visible(f"lodged {ex.doc_hash} for {who(actor, LedgerNames(ledger))}")
        payload = guard(lambda: _examined_payload(ledger, ex, actor, role))
    emit(as_json, payload, f"{lodged}\n{text}")


@doc_app.command("register")
def doc_register(
    file: Annotated[Path, typer.Argument(help="the document file")],
    as_member: AsMember,
    doc_type: DocTypeOpt = None,
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Register a file by its SHA-256, signed by a member whose key this gateway holds; the
    gateway keeps its facts and fingerprints."""
    kind = guard(lambda: DocType.parse(doc_type, "--type")) if doc_type is not None else None
    data = guard(lambda: _read_file(file))
    actor = _actor(as_member)
    with opened_ledger(data_dir) as ledger:
        actor = acting(ledger, actor)
        require_writer(ledger, actor, "document.register", "register a document")
        role = _role_of(ledger, actor)
        ex, receipt, reg = guard(
            lambda: docs.register_file(
                ledger,
                actor,
                role,
                data,
                file.name,
                kind,
                idempotency_key=idempotency_key,
                via=Via("register", "tradeledger doc register", limited=True),
            )
        )
        # the API's response model for the same operation (POST /v1/documents): one shape
        from api.routers.documents import _registered

        payload = _registered(ledger, ex, receipt, reg, Participant(actor, "", role)).model_dump(
            mode="json"
        )

    # a credit note is registered as the document type invoice (EN 16931 BT-3 381): say so
    kind_said = reg.doc_type.name.lower()
    if ex.facts and ex.facts.get("creditNote"):
        kind_said += " (credit note)"
    text = [
        f"registered {reg.doc_hash} as {kind_said} in block {receipt.block} (tx {receipt.tx_hash})",
        *_notice_lines(ex),
    ]
    emit(
        as_json,
        payload,
        lines_text(text),
    )


@doc_app.command("import")
def doc_import(
    directory: Annotated[Path, typer.Argument(help="a folder of document files")],
    as_member: AsMember,
    doc_type: DocTypeOpt = None,
    batch_size: Annotated[
        int,
        typer.Option(
            help="documents per transaction, at most the contract's MAX_BATCH (256)", min=1
        ),
    ] = 100,
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Register every file in a folder, in batches (one transaction per batch), showing its
    progress on a terminal (stderr; cleared before the summary; none when piped or with
    --json). Files whose hash is registered already are skipped and listed. A file that cannot
    be registered as it is (unreadable, not a document, refused by its format's rules: the
    error POST /v1/documents would answer) is refused and listed with the error naming the
    field and the rule; the other files are still registered, and the command exits 2 when any
    was refused, with the first refusal as its error (--json: that error's body, the import's
    outcome under details.import, each refusal in details.import.refused). With
    --idempotency-key KEY the import's first batch is the write KEY names — the same write as
    POST /v1/documents/batch with Idempotency-Key KEY and the same files — and batch N (from 2)
    is KEY#batch-N; running the same command with the same key again replays every batch sent
    (each file it registered with its block and tx, not skipped) and sends only the rest."""
    if not directory.is_dir():
        fail(InvalidInput("directory", f"{directory} is not a folder"))
    # every entry but a folder (rglob walks into those): a FIFO or a device found here is
    # listed as passed over, never opened (tryout 82: a FIFO was skipped without a word)
    found = sorted(p for p in directory.rglob("*") if p.is_symlink() or not p.is_dir())
    # a link may point anywhere on the machine (/etc/…): never followed; a hidden file is left
    # alone; both are listed as passed over, with why
    why = {p: _passed_over_why(directory, p) for p in found}
    passed_over = [{"file": str(p), "why": w} for p, w in why.items() if w is not None]
    files = [p for p, w in why.items() if w is None]
    for path in files:  # a name is kept with its file: refused as an upload's, before any batch
        guard(
            lambda: _naming_file(
                path,  # noqa: B023
                lambda: refuse_control_in_filename(path.name, "filename"),  # noqa: B023
            )
        )
    kind = guard(lambda: DocType.parse(doc_type, "--type")) if doc_type is not None else None
    actor = _actor(as_member)
    registered: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    via = Via("register", "tradeledger doc import", limited=True)
    with opened_ledger(data_dir) as ledger:
        actor = acting(ledger, actor)
        require_writer(ledger, actor, "document.register", "register documents")
        role = _role_of(ledger, actor)
        most = guard(lambda: docs.max_batch(ledger))
        if batch_size > most:  # it was cut down without a word (a tryout read 300 as 300)
            fail(
                InvalidInput(
                    "--batch-size",
                    f"must be at most {most}, the contract's MAX_BATCH (documents one "
                    f"registration transaction takes), not {batch_size}",
                )
            )
        size = batch_size
        key = write_key(idempotency_key) if idempotency_key else None
        # what each batch of a run with this key sent before (a retry): those files are this
        # import's own registrations, replayed batch by batch under the key each was sent
        # with, never skipped as registered
        sent = guard(lambda: _sent_batches(ledger, actor, key)) if key is not None else []
        ours = {h for _, hashes in sent for h in hashes}
        batches: list[docs.Receipt] = []
        pending: list[tuple[Path, ParsedDocument, docs.Examined]] = []
        #: each document met in this import: its place among the files read, and the file
        seen: dict[str, tuple[int, Path]] = {}
        #: each registered file's notices: said once per import (:func:`_import_notes`)
        notes: list[tuple[Path, str, docs.Notice]] = []

        def batch_target(n: int) -> int:
            """How many files batch ``n`` holds: as many as it sent before (a retry), else
            ``size``."""
            return len(sent[n][1]) if n < len(sent) else size

        def flush() -> None:
            if not pending:
                return
            # the first batch is named by the key itself (as POST /v1/documents/batch), the
            # next ones by its parts: a re-run with the key replays them, never duplicates
            n = len(batches)
            batch_key = (
                (sent[n][0] if n < len(sent) else _batch_key(key, n)) if key is not None else None
            )
            # checked and simulated first: a batch the chain refuses lodges no file
            done, receipt = guard(
                lambda: docs.register_examined(
                    ledger,
                    actor,
                    [(parsed, e, p.name) for p, parsed, e in pending],
                    idempotency_key=batch_key,
                )
            )
            batches.append(receipt)
            registered.extend(
                {
                    "file": str(p),
                    "doc_hash": e.doc_hash,
                    "block": receipt.block,
                    "tx_hash": receipt.tx_hash,
                }
                for p, _, e in pending
            )
            notes.extend(
                (p, e.doc_hash, n)
                for (p, _, _), e in zip(pending, done, strict=True)
                for n in e.notices
            )
            pending.clear()

        # progress is for people watching a terminal: stderr, cleared before the answer
        with progress(files, "registering", hidden=as_json) as stepping:
            for index, path in enumerate(stepping):
                try:  # a file refused is listed, and the others still registered
                    data = _naming_file(path, lambda: _read_file(path))  # noqa: B023
                    parsed, ex = _naming_file(
                        path,
                        lambda: docs.examine(
                            ledger,
                            data,  # noqa: B023
                            actor,
                            role,
                            kind,
                            registering=True,
                            via=via,
                        ),
                    )
                except InvalidInput as exc:
                    refused.append({"file": str(path), "index": index, **error_words(exc)})
                    continue
                if ex.doc_hash in ours and ex.doc_hash not in seen:  # sent by this key
                    seen[ex.doc_hash] = (index, path)
                    pending.append((path, parsed, ex))
                    if len(pending) >= batch_target(len(batches)):
                        flush()
                    continue
                registered_as = _registered_as(ledger, ex, [e for _, _, e in pending])
                earlier = seen.get(ex.doc_hash) or (
                    seen.get(registered_as[0]) if registered_as else None
                )
                seen.setdefault(ex.doc_hash, (index, path))
                if registered_as is not None or earlier is not None:
                    # kept as a file the member handed over, as doc receive keeps it, under
                    # the document it is
                    as_hash = docs.parse_doc_hash(
                        registered_as[0] if registered_as else ex.doc_hash
                    )
                    guard(
                        lambda: docs.lodge_examined(
                            ledger,
                            replace(parsed, doc_hash=as_hash),  # noqa: B023
                            ex,  # noqa: B023
                            actor,
                            path.name,  # noqa: B023
                        )
                    )
                    skip = {
                        "file": str(path),
                        "doc_hash": registered_as[0] if registered_as else ex.doc_hash,
                        "index": index,
                    }
                    if registered_as is not None:
                        skip["hashed"] = registered_as[1]
                    if earlier is not None:  # a repeat inside this import: which file it repeats
                        skip |= {"duplicates": str(earlier[1]), "duplicates_index": earlier[0]}
                        skip["why"] = f"the same document as files[{earlier[0]}] ({earlier[1]})"
                    else:
                        skip["why"] = _registered_already(ledger, ex, parsed, skip)
                    skipped.append(skip)
                    continue
                pending.append((path, parsed, ex))
                if len(pending) >= batch_target(len(batches)):
                    flush()
            flush()
    text = f"registered {len(registered)} document(s) from {directory}"
    replayed = sum(1 for r in registered if r["doc_hash"] in ours)
    if replayed:  # --json stays the first run's answer; the words say nothing was sent again
        text += (
            f" ({'all' if replayed == len(registered) else replayed} of them by an earlier run "
            "with this --idempotency-key: its outcome, not sent again)"
        )
    if skipped:
        text += f"; {len(skipped)} skipped"
    if refused:
        text += f"; {len(refused)} REFUSED (not registered: each error below)"
    passed = [f"  files[{s['index']}] {s['file']}: skipped, {s['why']}" for s in skipped] + [
        f"  {s['file']}: skipped, {s['why']}" for s in passed_over
    ]
    failed = [f"  files[{r['index']}] REFUSED: {r['message']}" for r in refused]
    outcome = {"registered": registered, "skipped": skipped, "passed_over": passed_over}
    if not refused:
        emit(as_json, outcome, lines_text([text, *_import_notes(notes), *passed]))
        return
    # bad input, as a refused single file: exit 2 with the first refusal's error (its body
    # with --json, the import's whole outcome in its details), the other files registered
    first = refused[0]
    more = f" (and {len(refused) - 1} more file(s) refused)" if len(refused) > 1 else ""
    if as_json:
        emit(
            True,
            {
                "error": first["error"],
                "message": first["message"] + more,
                "details": {**first["details"], "import": {**outcome, "refused": refused}},
            },
            "",
        )
    else:
        emit(False, None, lines_text([text, *failed, *_import_notes(notes), *passed]))
        say(f"error: {first['message']}{more}", err=True)
    raise typer.Exit(2)


def _registered_already(
    ledger: Ledger, ex: docs.Examined, parsed: ParsedDocument, skip: dict[str, Any]
) -> str:
    """Why ``doc import`` skips a file registered already, in words: by whom and when, and
    whether that registrant is shown to be the seller the file names — a seller importing its
    own invoices must not read "registered already" of one another member registered
    (``registered_by``, ``registrant_is_seller`` added to ``skip``)."""
    reg = ex.registration
    if reg is None:  # registered as another form of the same JSON document
        return "registered already"
    skip["registered_by"] = reg.registered_by
    seller = guard(lambda: registrant_seller(ledger, reg.registered_by, parsed.facts))
    skip["registrant_is_seller"] = seller.is_seller
    why = (
        f"registered already, by {who(reg.registered_by, LedgerNames(ledger))} at "
        f"{utc_text(reg.registered_at)}"
    )
    if seller.is_seller is False:
        why += (
            f"; NOT SHOWN TO BE ITS SELLER: {seller.reason} (that registration does not show "
            "the document is theirs)"
        )
    return why


def _import_notes(notes: Sequence[tuple[Path, str, docs.Notice]]) -> list[str]:
    """The lines of ``doc import``'s notices (``(file, its doc_hash, notice)``): each said once
    per import. A notice said of one file is that file's line; one said of several — the same
    words but for the file's own hash (``holders_unknown`` names it), or the same words — is
    said once, its hash written DOC_HASH (``audit timeline DOC_HASH``), then the files it is
    about, each with its hash — also under a notice that names no hash (``seller_unkeyed``: a
    tryout read its files listed without the hashes every other line gives). (A tryout's
    import said the same ``holders_unknown`` note once per file.)"""
    said: dict[tuple[str, str], list[tuple[Path, str]]] = {}
    for path, doc_hash, notice in notes:
        words = notice.message.replace(doc_hash, "DOC_HASH")
        said.setdefault((notice.kind, words), []).append((path, doc_hash))
    lines: list[str] = []
    for (kind, words), files in said.items():
        if len(files) == 1:
            path, doc_hash = files[0]
            lines.append(f"  {path}: note ({kind}): {words.replace('DOC_HASH', doc_hash)}")
            continue
        if "DOC_HASH" in words:
            lines.append(f"  note ({kind}) on {len(files)} files, DOC_HASH each one's: {words}")
            lines += [f"    {path}: DOC_HASH {doc_hash}" for path, doc_hash in files]
        else:
            lines.append(f"  note ({kind}) on {len(files)} files: {words}")
            lines += [f"    {path}: {doc_hash}" for path, doc_hash in files]
    return lines


def _registered_as(
    ledger: Ledger, ex: docs.Examined, pending: Sequence[docs.Examined]
) -> tuple[str, str] | None:
    """The hash under which ``doc import`` finds the document of a file registered already
    (or about to be, earlier in the same import), and what it is of (file_bytes or
    canonical_json); None when it is new. A JSON file whose canonical form — or another byte
    form lodged here — is registered is that document, never registered a second time
    (:func:`ledger.services.documents.refuse_second_hash`)."""
    if ex.registration is not None:
        return ex.doc_hash, ex.hashed.value
    for e in pending:
        if e.doc_hash == ex.doc_hash or (
            ex.canonical_hash is not None and e.canonical_hash == ex.canonical_hash
        ):
            return e.doc_hash, docs.HashedForm.FILE_BYTES.value
    others = guard(lambda: docs.same_document_registrations(ledger, ex.doc_hash, ex.canonical_hash))
    if others:
        return others[0].registration.doc_hash, others[0].form.value
    return None


def _batch_key(key: str, n: int) -> str:
    """The key of ``doc import``'s batch ``n`` (from 0) under the import's ``key``: the first
    batch is the key's own write (as ``POST /v1/documents/batch`` with it), batch n+1 its part
    ``batch-{n+1}`` (:func:`ledger.services.writekeys.sub_key`)."""
    return key if n == 0 else sub_key(key, f"batch-{n + 1}")


def _sent_batches(ledger: Ledger, actor: str, key: str) -> list[tuple[str, list[str]]]:
    """The batches an import keyed ``key`` sent before (a retry's), in order: each ``(the key it
    was sent under, the hashes it registers)``. Batch n was sent under :func:`_batch_key` —
    or, by a gateway before that scheme, under ``KEY#batch-0x<its first hash>``
    (:func:`ledger.services.documents.legacy_batches`), in the order they were signed: an
    import interrupted before an upgrade is replayed, not sent again, and a batch the upgraded
    retry sent after them is found under the new name of its place."""
    legacy = docs.legacy_batches(ledger, actor, key)
    sent: list[tuple[str, list[str]]] = []
    while True:
        under = _batch_key(key, len(sent))
        hashes = docs.registered_under(ledger, actor, under)
        if hashes is not None:
            sent.append((under, hashes))
        elif legacy:
            sent.append(legacy.pop(0))
        else:
            return sent


def _passed_over_why(directory: Path, path: Path) -> str | None:
    """Why ``doc import`` leaves ``path`` (found under ``directory``) alone, or None."""
    parts = path.relative_to(directory).parts
    if any((directory.joinpath(*parts[:i])).is_symlink() for i in range(1, len(parts) + 1)):
        return "a symbolic link (not followed)"
    if any(part.startswith(".") for part in parts):
        return "a hidden file"
    if not path.is_file():
        return "not a regular file (a named pipe, a device or a socket: never opened)"
    return None


def _naming_file(path: Path, action: Callable[[], _T]) -> _T:
    """``action()``, its error (if any) naming the file of a folder it was about: the message
    starts with the path and ``details.file`` holds it."""
    try:
        return action()
    except LedgerError as exc:
        # a fault of the file as a whole (FILE): the path names the file, the rule says it
        whole = exc.rule if isinstance(exc, InvalidInput) and exc.field == FILE else None
        exc.message = f"{path}: {whole or exc.message}"
        exc.details = {**exc.details, "file": str(path)}
        exc.args = (exc.message,)
        raise


#: ``doc verify`` exit codes: 0 only for a document registered *and* active
VERIFY_EXIT = {
    verify_svc.VerifyStatus.ACTIVE: 0,
    verify_svc.VerifyStatus.NOT_REGISTERED: 3,
    verify_svc.VerifyStatus.REVOKED: 4,
    verify_svc.VerifyStatus.SUPERSEDED: 5,
}


def _verify_text(v: verify_svc.Verification, names: Names) -> str:
    """The answer for people: the status on the first line, then the evidence."""
    return lines_text(_status_lines(v, names))


@doc_app.command(
    "verify",
    cls=reads("POST /v1/documents/verify"),
    epilog="Exit status: 0 registered and active; 3 not registered; 4 revoked; 5 superseded "
    "(by an amended document, named); 1 or 2 when the check itself failed.",
)
def doc_verify(
    file: Annotated[Path, typer.Argument(help="the file to verify")],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Say whether this file is registered AND active: the status comes first (REGISTERED and
    active, REVOKED, SUPERSEDED by 0x…, NOT REGISTERED), then by whom and when. The file's
    bytes are hashed (SHA-256); when that hash is unknown and the file is a JSON object, its
    canonical JSON form (as POST /v1/documents/json registers it) is tried too, and the answer
    says which one matched."""
    data = guard(lambda: _read_file(file))
    with opened_ledger(data_dir) as ledger:
        v = guard(lambda: verify_svc.verify_file(ledger, data))
        text = guard(lambda: _verify_text(v, LedgerNames(ledger)))
    # POST /v1/documents/verify's answer, by the same function (no caller: no financing shown)
    from api.routers.documents import verify_result

    payload = verify_result(v, Participant("", "", "")).model_dump(mode="json")
    emit(as_json, payload, text)
    code = VERIFY_EXIT[v.status]
    if code:
        raise typer.Exit(code)


@doc_app.command("show", cls=reads("GET /v1/documents/{doc_hash}"))
def doc_show(
    doc_hash: Annotated[str, typer.Argument(help="the document hash")],
    as_member: ReadAs = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """A document's registration, attestations, financings and history: its registration,
    attestations, revocation or supersession, and — read with the key of --as (the financing
    bank, a regulator, the document's registrant) — the refusals naming it and the entries,
    closing or cancelling of every financing that pledges it, each in words."""
    parsed = guard(lambda: docs.parse_doc_hash(doc_hash))
    reader = _actor(as_member) if as_member is not None else ""
    # GET /v1/documents/{doc_hash}'s answer for the reader, by the same function; without --as
    # a caller of no role: the public part (no financing, no fingerprints in the history), and
    # the copy held here read as `doc check` without --as reads it (docs/privacy.md)
    from api.routers.documents import document_detail

    with opened_ledger(data_dir) as ledger:
        reader = acting(ledger, reader)
        role = (
            ledger.db.participant(reader).role
            if reader and ledger.db.has_participant(reader)
            else ""
        )
        if reader:
            registration = guard(lambda: docs.get_registration(ledger, parsed))
            refuse_inactive_reader(ledger, reader, "it", registration.registered_by)
        payload = guard(
            lambda: document_detail(ledger, parsed, Participant(reader, "", role))
        ).model_dump(mode="json")
        ledger_names = {
            m.address: m.name for m in guard(lambda: member_svc.list_members(ledger)) if m.name
        }
    emit(as_json, payload, _document_text(payload, ledger_names, reader))


def _document_text(d: dict[str, Any], names: dict[str, str], reader: str) -> str:
    """``doc show`` for people, from its JSON answer ``d``."""
    status = d["status"].upper()
    if d["successor"]:
        status += f" by {d['successor']}"
    if d["financings"] is not None:
        financings = "  financings: " + (
            ", ".join(map(str, d["financings"]))
            or "none you read (only those sealed to your key are shown: others may pledge it)"
        )
    elif reader:
        financings = "  financings: not shown to you (banks, regulators, admins and its registrant)"
    else:
        financings = (
            "  financings: sealed (pass --as ADDRESS, the address of a member whose key this "
            "gateway holds, as `tradeledger member list` shows it: the financings whose terms "
            "its key opens)"
        )
    revocation = d.get("revocation")
    lines = [
        f"{status}: document {d['doc_hash']} ({d['doc_type']})",
        *(_revocation_line(revocation, names) if revocation else []),
        f"  registered by {_member_label(names, d['registered_by'])} at {d['registered_at']}",
        *_seller_lines(
            SellerShown(
                d["registrant_is_seller"],
                d["registrant_seller_reason"],
                party="seller" if d["doc_type"] == "invoice" else "issuer",
            )
        ),
        financings,
        f"  attestations: {len(d['attestations']) or 'none'}",
    ]
    lines += [
        f"    by {_member_label(names, a['attestor'])} at {a.get('attested_at') or '?'} "
        f"(evidence {a['evidence_hash']}, block {a['block']})"
        for a in d["attestations"]
    ]
    financed, held = d.get("is_financed"), d.get("held") or {}
    if financed is not None:
        lines.append(f"  financed (this exact document): {'yes' if financed else 'no'}")
    notices = [(n["kind"], n["message"]) for n in held.get("notices") or []]
    lines += _pledged_lines(
        d.get("invoice_pledged"),
        held.get("financeable_amount"),
        held.get("financing_headroom"),
        held.get("facts") or {},
        unknown=_headroom_unknown(notices),
        doc_type=d.get("doc_type"),
        notices=notices,
    )
    # the held copy's notes, as doc check prints a file's (a seller without a usable identity,
    # a credit note, nothing due, …)
    lines += [f"  note ({kind}): {message}" for kind, message in notices]
    lines.append("  history (the document and the financings that pledge it):")
    lines += [
        f"    block {e['block']:>5}  {e['summary'] or e['event']}  (tx {e['tx_hash']})"
        for e in d["history"]
    ]
    return lines_text(lines)


def _member_label(names: dict[str, str], address: str) -> str:
    return named(address, names.get(address))


@doc_app.command("revoke")
def doc_revoke(
    doc_hash: Annotated[str, typer.Argument(help="the document hash")],
    as_member: AsMember,
    reason_code: Annotated[
        int,
        typer.Option(
            help=reason_help(RevocationReason) + " (required: a revocation cannot be undone)",
            min=0,
            max=255,
        ),
    ],
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Revoke a document (its registrant, or an admin)."""
    parsed = guard(lambda: docs.parse_doc_hash(doc_hash))
    actor = _actor(as_member)
    with opened_ledger(data_dir) as ledger:
        actor = acting(ledger, actor)
        require_writer(ledger, actor, "document.revoke", "revoke a document")
        receipt = guard(
            lambda: docs.revoke(ledger, actor, parsed, reason_code, idempotency_key=idempotency_key)
        )
    emit(as_json, receipt.__dict__, f"revoked {doc_hash} (tx {receipt.tx_hash})")


@doc_app.command("supersede")
def doc_supersede(
    doc_hash: Annotated[str, typer.Argument(help="the document to replace")],
    file: Annotated[Path, typer.Argument(help="the amended file")],
    as_member: AsMember,
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Replace a document by an amended file (its registrant)."""
    parsed = guard(lambda: docs.parse_doc_hash(doc_hash))
    data = guard(lambda: _read_file(file))
    actor = _actor(as_member)
    with opened_ledger(data_dir) as ledger:
        actor = acting(ledger, actor)
        require_writer(ledger, actor, "document.supersede", "supersede a document")
        role = _role_of(ledger, actor)
        ex, receipt = guard(
            lambda: docs.supersede_with_file(
                ledger,
                actor,
                role,
                parsed,
                data,
                file.name,
                idempotency_key=idempotency_key,
                via=Via("supersede", "tradeledger doc supersede", limited=True),
            )
        )
        notices = guard(lambda: _examined_payload(ledger, ex, actor, role))["notices"]
    emit(
        as_json,
        {
            "doc_hash": doc_hash,
            "new_doc_hash": ex.doc_hash,
            **receipt.__dict__,
            "notices": notices,
        },
        lines_text(
            [f"{doc_hash} superseded by {ex.doc_hash} (tx {receipt.tx_hash})", *_notice_lines(ex)]
        ),
    )


@doc_app.command("attest")
def doc_attest(
    doc_hash: Annotated[str, typer.Argument(help="the document hash")],
    as_member: AsMember,
    evidence: Annotated[
        str | None,
        typer.Option(
            help="required: your own record the document matches (e.g. a customs declaration "
            "number), as text (hashed with SHA-256) or 64 hex digits of its hash"
        ),
    ] = None,
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Attest that a document matches your own record (ATTESTOR members). The evidence is
    required: an attestation without it would vouch for nothing."""
    parsed = guard(lambda: docs.parse_doc_hash(doc_hash))
    guard(lambda: docs.evidence_hash(evidence))  # refused before the ledger is opened
    actor = _actor(as_member)
    with opened_ledger(data_dir) as ledger:
        actor = acting(ledger, actor)
        require_writer(ledger, actor, "document.attest", "attest a document")
        receipt = guard(
            lambda: docs.attest(ledger, actor, parsed, evidence, idempotency_key=idempotency_key)
        )
    emit(as_json, receipt.__dict__, f"attested {doc_hash} (tx {receipt.tx_hash})")


CursorOpt = Annotated[str | None, typer.Option(help="next_cursor of a previous page")]
ListLimitOpt = Annotated[int, typer.Option(min=1, max=docs.MAX_LIST_LIMIT, help="items per page")]


@doc_app.command("list", cls=reads("GET /v1/documents"))
def doc_list(
    registrant: Annotated[str | None, typer.Option(help="only this member's")] = None,
    doc_type: Annotated[
        str | None, typer.Option("--type", metavar=one_of(DocType), help="only this type")
    ] = None,
    status: Annotated[
        str | None, typer.Option(metavar=one_of(DocStatus), help="only those in this status")
    ] = None,
    registered_from: Annotated[
        str | None, typer.Option("--from", help="registered at or after (ISO 8601 or Unix s)")
    ] = None,
    registered_to: Annotated[
        str | None,
        typer.Option(
            "--to", help="registered at or before (ISO 8601 or Unix s; a date: the whole day, UTC)"
        ),
    ] = None,
    cursor: CursorOpt = None,
    limit: ListLimitOpt = docs.DEFAULT_LIST_LIMIT,
    as_member: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="list as this member, as the API lists for its key: a regulator or an admin "
            "every member's registrations, any other role (and a member not active on chain) "
            "its own (another --registrant is refused); without it, the gateway's operator "
            "lists everyone's",
        ),
    ] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Registered documents, oldest first, filtered; one page at a time (see next_cursor).
    Read from the event index, caught up to the chain first. With --as, what that member may
    list (GET /v1/documents with its key)."""

    reader = _actor(as_member) if as_member is not None else None
    where = guard(
        lambda: docs.DocumentFilter.parse(
            registrant, doc_type, status, registered_from, registered_to
        )
    )
    rotated: list[retired.Retired] = []
    with opened_ledger(data_dir) as ledger:
        reader = acting(ledger, reader) if reader is not None else None
        if where.registrant is not None:
            # a registrant named by an address it rotated its key away from: the member's
            with ledger_index(ledger) as index:
                from api.routers.documents import retired_registrant

                rotated = retired_registrant(index, where, "--registrant")
            for r in rotated:
                say(r.note(), err=True)
                where = replace(where, registrant=r.rotated_to)
        if reader is not None:
            # as the API's list route: one not active on chain its own only, else by its role
            refuse_inactive_reader(ledger, reader, "them", owner=where.registrant or reader)
            if not guard(lambda: standing.standing(ledger, reader)).active:
                where = replace(where, registrant=reader)
            else:
                role = _role_of(ledger, reader)
                where = guard(lambda: docs.registrations_for(where, role, reader))
        with ledger_index(ledger) as index:
            page = guard(lambda: docs.list_documents(index, where, cursor, limit))
    rows = [
        [
            d.doc_hash,
            d.doc_type.name.lower(),
            d.status.name.lower()
            + (
                f" (reason {d.revoke_reason}: {reason_name(RevocationReason, d.revoke_reason)})"
                if d.revoke_reason is not None
                else ""
            ),
            d.registered_by,
            utc_text(d.registered_at),
        ]
        for d in page.items
    ]
    text = _table(["DOC HASH", "TYPE", "STATUS", "REGISTERED BY", "REGISTERED AT"], rows)
    if page.next_cursor:
        text += f"\nmore: --cursor {page.next_cursor}"
    from api.routers.documents import document_list_page  # GET /v1/documents' answer

    emit(as_json, document_list_page(page, rotated).model_dump(mode="json"), text)


def _party_text(party: dict[str, Any] | None) -> str:
    if not party:
        return "-"
    ids = party.get("ids") or [{}]
    return str(party.get("name") or f"{ids[0].get('scheme', '')}:{ids[0].get('value', '')}")


@doc_app.command("search", cls=reads("GET /v1/documents/lodged"))
def doc_search(
    as_member: AsMember,
    invoice_number: Annotated[
        str | None, typer.Option(help="the document number (BT-1), compared normalised")
    ] = None,
    seller: Annotated[
        str | None, typer.Option(help="the seller's VAT id (BT-31) or id, or part of its name")
    ] = None,
    buyer: Annotated[
        str | None, typer.Option(help="the buyer's VAT id (BT-48) or id, or part of its name")
    ] = None,
    cursor: CursorOpt = None,
    limit: ListLimitOpt = docs.DEFAULT_LIST_LIMIT,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """The files a member lodged at this gateway (received or registered) matching every
    given criterion, oldest first; only that member's files."""
    actor = _actor(as_member)
    with opened_ledger(data_dir) as ledger:
        actor = acting(ledger, actor)
        # an address that names nobody is said so (it has no files here): not an empty list
        guard(lambda: standing.refuse_stranger(ledger, actor))
        page = guard(
            lambda: docs.search_lodged(ledger, actor, invoice_number, seller, buyer, cursor, limit)
        )
    rows = [
        [
            d.doc_hash,
            (d.facts or {}).get("numberAsWritten") or (d.facts or {}).get("number") or "-",
            _party_text((d.facts or {}).get("seller")),
            _party_text((d.facts or {}).get("buyer")),
            # a credit note's doc_type is invoice: said here, as the API's credit_note says it
            d.format + (" credit note" if (d.facts or {}).get("creditNote") else ""),
            utc_text(d.received_at, "microseconds"),
        ]
        for d in page.items
    ]
    text = _table(["DOC HASH", "NUMBER", "SELLER", "BUYER", "FORMAT", "RECEIVED"], rows)
    if page.next_cursor:
        text += f"\nmore: --cursor {page.next_cursor}"
    from api.routers.documents import lodged_page  # GET /v1/documents/lodged's answer

    emit(as_json, lodged_page(page).model_dump(mode="json"), text)


# -- financings ---------------------------------------------------------------------------------


def _financing_payload(f: fin_svc.Financing, role: str) -> dict[str, Any]:
    """``f`` as ``role`` may see it, built by the function that builds the API's
    (``api.routers.financings.public``; ``f`` read with its documents' status:
    :func:`_with_status`): the financing of a write's answer."""
    from api.routers.financings import public

    return public(f, role).model_dump(mode="json")


def _with_status(ledger: Ledger, f: fin_svc.Financing) -> fin_svc.Financing:
    """``f`` with its pledged documents' status on chain now, where its terms are open."""
    return guard(lambda: fin_svc.with_document_status(ledger, f))


def _reader_role(ledger: Ledger, reader: str | None) -> str:
    """The role ``--as`` reads with; without it this gateway's operator, who holds every key of
    its data directory, reads as a regulator."""
    return _role_of(ledger, reader) if reader else "regulator"


def _money(amount: int, currency: str) -> str:
    """Minor units for people, with the currency's own decimals (ISO 4217: JPY 0, KWD 3)."""
    return money(amount, currency)


@dataclass(frozen=True)
class _Reader:
    """Who ``finance show --as`` read a financing as, for the words of terms it did not open:
    the member, whether this gateway holds its encryption key, and the regulators (who read
    every financing's terms) by name."""

    address: str
    key_held: bool
    regulators: tuple[str, ...]
    #: why the terms its key opened cannot be read (None: the key did not open them)
    unreadable: str | None = None


def _reader_of(ledger: Ledger, reader: str | None, financing_id: int) -> _Reader | None:
    """``--as`` as :class:`_Reader` for financing ``financing_id`` (None without it)."""
    if reader is None:
        return None
    regulators = tuple(
        m.address
        for m in guard(lambda: member_svc.list_members(ledger))
        if m.role is Role.REGULATOR and m.active
    )
    held = ledger.encryption_keys.key_for(reader) is not None
    why = guard(lambda: fin_svc.unreadable(ledger, financing_id, reader)) if held else None
    return _Reader(reader, held, regulators, why)


def _sealed_words(f: fin_svc.Financing, names: Names, reader: _Reader | None) -> str:
    """Why the terms of ``f`` are not shown, and who reads them: without ``--as``, how to read
    them; with it, that this member's key does not open them (or that this gateway holds no
    key of it) — passing ``--as`` again would change nothing."""
    regulators = ", ".join(who(r, names) for r in reader.regulators) if reader else ""
    readers = (
        f"its bank {who(f.bank, names)}, the regulators"
        + (f" ({regulators})" if regulators else "")
        + ", an enterprise that registered a pledged document itself and is shown to be the "
        "invoice's seller (when one did: a copy no enterprise registered is sealed to none) and "
        "any member the bank shared them with (tradeledger finance share)"
    )
    if reader is None:
        return (
            f"\n  terms: confidential (sealed to {readers}; pass --as ADDRESS, the address of "
            "one of them whose key this gateway holds, as `tradeledger member list` shows it, "
            "to read them with its key)"
        )
    if reader.unreadable is not None:
        return (
            f"\n  terms: not shown: the key of {who(reader.address, names)} opens them, but "
            f"they cannot be read ({reader.unreadable})"
        )
    if not reader.key_held:
        why = f"this gateway holds no encryption key of {who(reader.address, names)}"
    else:
        why = f"the key of {who(reader.address, names)} does not open them"
    return f"\n  terms: confidential: {why}; they are sealed to {readers}"


def _financing_text(f: fin_svc.Financing, names: Names, reader: _Reader | None = None) -> str:
    """A financing for people, its bank named as the audit lines name members (``names``: read
    while the ledger is open); terms it does not show are said as :func:`_sealed_words` says
    them for ``reader`` (``finance show --as``)."""
    t = f.terms
    head = (
        f"financing {f.financing_id} ({f.status.name.lower()}) by bank {who(f.bank, names)}, "
        f"registered {utc_text(f.registered_at)}, {f.fingerprint_count} fingerprints "
        + ("locked" if f.status is FinancingStatus.ACTIVE else "released")
    )
    if t is None:
        return head + _sealed_words(f, names, reader)
    lines = [
        head + f", {t.kind.name.lower()}",
        f"  amount {_money(t.amount, t.currency)}, drawn {_money(t.drawn, t.currency)}, "
        f"repaid {_money(t.repaid, t.currency)}, maturity {utc_text(t.maturity)}, "
        f"reference {t.reference or '-'}",
    ]
    lines += [
        f"  pledges {p.doc_hash}: {_money(p.amount, t.currency)} of face value "
        f"{_money(p.face_value, t.currency)}" + _document_standing(p)
        for p in t.pledges
    ]
    lines += [
        f"  {e.type} {_money(e.amount, t.currency)}"
        + (f" at {utc_text(e.at)}" if e.at is not None else "")
        + f" (block {e.block}, {e.tx_hash})"
        for e in t.entries
    ]
    if not f.suspicions:  # the create answer says its own, with their reasons
        lines += [
            f"  acknowledged SUSPICIOUS ({s.kind}) "
            + (s.doc_hash or f"documents[{s.document_index}]")
            + f": it may be {fin_svc.suspected(s.kind)} — "
            + _suspected_of(s)
            for s in t.suspicions
        ]
    if not t.commitment_holds:
        lines.append("  WARNING: the terms do not open to the commitment recorded on chain")
    return lines_text(lines)


def _suspected_of(s: fin_svc.RecordedSuspicion) -> str:
    """What an acknowledged suspicion the terms record was found against, in words."""
    if s.kind == COPY_REVOKED:  # names no financing: the revoked file (and its amendments)
        return (
            "the bank's check found it the same document as a file it had lodged, revoked on "
            "chain (its check said who revoked it, and whether the invoice was withdrawn)"
        )
    ids = ", ".join(str(i) for i in s.financings)
    if s.lodged_invoices and s.financings:  # the files found, and who held them (or marks)
        return (
            f"it resembled {s.lodged_invoices} invoice(s) the bank had lodged; it involved "
            f"active financing {ids}"
        )
    if s.lodged_invoices:
        return f"it resembled {s.lodged_invoices} invoice(s) the bank had lodged"
    if s.financings:
        return f"it shared marks with active financing {ids}"
    return "what it was found against is not recorded"


def _document_standing(p: fin_svc.Pledge) -> str:
    """What a pledge line says of its document's status (nothing before it was looked up)."""
    if p.document_status is None:
        return ""
    if not p.in_force:  # its status in capitals, then who, when, why and its current version
        state, _, rest = fin_svc.standing_words(p).partition(" ")
        weighed = fin_svc.revoker_weighed_words(p)  # who revoked, as it counts (tryout 82)
        return f"; document {state.upper()}{' ' + rest if rest else ''}{weighed}"
    return "; document " + p.document_status.replace("_", " ")


def _kind(text: str) -> FinancingKind:
    return guard(lambda: FinancingKind.parse(text, "--kind"))


def _pledge(text: str, index: int) -> fin_svc.PledgeRequest:
    doc_hash, sep, amount = text.partition("=")
    if not sep:
        fail(InvalidInput(f"--doc[{index}]", "must be HASH=AMOUNT (amount in minor units)"))
    refused = amount_refusal(f"--doc[{index}]", amount)  # the API's words for this amount
    if refused is not None:
        fail(refused)
    if not is_digits(amount):  # int() takes "+5", " 5", "1_000" and "٥"
        fail(
            InvalidInput(
                f"--doc[{index}]",
                "the amount must be an integer in minor units, "
                f"written in decimal digits (such as 12000), not {amount!r}",
            )
        )
    try:
        parsed = docs.parse_doc_hash(doc_hash)
    except InvalidInput:  # named as its amount is: --doc[INDEX], the value quoted
        fail(
            InvalidInput(
                f"--doc[{index}]",
                f"the hash must be 32 bytes as 64 hex digits (0x optional), not {doc_hash!r}",
            )
        )
        raise  # unreachable
    return fin_svc.PledgeRequest(parsed, int(amount))


@finance_app.command("create")
def finance_create(
    as_member: AsMember,
    doc: Annotated[
        list[str],
        typer.Option(
            "--doc",
            metavar="HASH=AMOUNT",
            help="a document and its amount in minor units; repeat per document",
        ),
    ],
    currency: Annotated[str, typer.Option(help="ISO 4217, e.g. EUR")],
    maturity: Annotated[
        str,
        typer.Option(
            help="YYYY-MM-DD (the day's start, UTC), or an RFC 3339 date-time with its offset "
            "(2027-06-30T17:00:00+02:00), as the API takes it"
        ),
    ],
    kind: Annotated[
        str, typer.Option(metavar=one_of(FinancingKind), help="the kind of financing")
    ] = ("invoice_financing"),
    reference: Annotated[str, typer.Option(help="your own reference (≤ 32 bytes)")] = "",
    acknowledge_suspicions: Annotated[
        bool,
        typer.Option(
            "--acknowledge-suspicions",
            help="finance even though 'doc check' finds a document suspicious (a re-issue or "
            "a split of an invoice you lodged, or of one an active financing pledges — another "
            "bank's or your own); without it such a financing is refused",
        ),
    ] = False,
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Finance documents the bank lodged at this gateway. Exit 4 when it is refused: by the
    chain (the refusal, with its evidence, is recorded on chain), or by the gateway because a
    document is suspicious and --acknowledge-suspicions was not given (nothing is sent; the
    error names each suspicion), or because the bank's own active financing holds a document
    (already_financed_by_you: nothing is sent, nothing recorded against the bank)."""
    from datetime import date, datetime

    from api.bodycheck import is_date_time, read_date_time  # the API's reading and words
    from ledger.errors import AlreadyFinancedByYou, FinancingRefused, SuspicionsUnacknowledged

    requests = [_pledge(text, i) for i, text in enumerate(doc)]
    due: date | datetime
    try:
        due = read_date_time(maturity) if is_date_time(maturity) else date.fromisoformat(maturity)
    except ValueError as exc:
        # the API's words for the same date or date-time (api.errors, api.bodycheck)
        not_a_day = no_such_day(maturity)
        if is_date_time(maturity):
            rule = f"{exc}, not {maturity!r}"
        elif not_a_day is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", maturity):
            rule = not_a_day
        else:
            rule = f"must be a calendar date written YYYY-MM-DD (ISO 8601), not {maturity!r}"
        fail(InvalidInput("--maturity", rule, value=maturity))
        raise  # unreachable
    financing_kind = _kind(kind)
    actor = _actor(as_member)
    with opened_ledger(data_dir) as ledger:
        actor = acting(ledger, actor)
        require_writer(ledger, actor, "financing.write", "finance documents")
        try:
            created = fin_svc.create(
                ledger,
                actor,
                requests,
                currency,
                financing_kind,
                due,
                reference,
                idempotency_key=idempotency_key,
                acknowledge_suspicions=acknowledge_suspicions,
            )
        except (FinancingRefused, SuspicionsUnacknowledged, AlreadyFinancedByYou) as refused:
            fail(refused, code=4)
        except LedgerError as exc:
            fail(exc)
            raise  # unreachable
        created = _with_status(ledger, created)
        text = "" if as_json else _financing_text(created, LedgerNames(ledger))
    from api.routers.financings import created_answer

    if created.suspicions:
        text += "\n" + lines_text(
            f"  acknowledged SUSPICIOUS ({s.kind}) documents[{s.document_index}]: it may be "
            f"{fin_svc.suspected(s.kind)} — {'; '.join(s.reasons)}"
            for s in created.suspicions
        )
    emit(as_json, created_answer(created, "bank").model_dump(mode="json"), text)
    for notice in created.notices:  # an enterprise registrant the terms were not sealed to
        say(f"warning ({notice.kind}): {notice.message}", err=True)


def _lifecycle(
    reader: str,
    action: Callable[[Ledger, str], docs.Receipt],
    financing_id: int,
    data_dir: Path | None,
    as_json: bool,
    what: str,
) -> None:
    """A write on financing ``financing_id`` by its bank ``reader`` (``what``: the action in
    the API's words, ``draw down a financing``), answered as the API answers it. ``action``
    is given the address ``reader`` acts as now (:func:`acting`: after a key rotation, the
    new one)."""
    with opened_ledger(data_dir) as ledger:
        reader = acting(ledger, reader)
        require_writer(ledger, reader, "financing.write", what)
        receipt = guard(lambda: action(ledger, reader))
        f = _with_status(ledger, guard(lambda: fin_svc.get(ledger, financing_id, reader=reader)))
        from api.routers.financings import notices

        said = notices(f, ledger)  # documents not in force or credited; money out after a cancel
        text = "" if as_json else _financing_text(f, LedgerNames(ledger))

    payload = {
        **_financing_payload(f, "bank"),
        "tx_hash": receipt.tx_hash,
        "block": receipt.block,
        "notices": [n.model_dump(mode="json") for n in said],
    }
    emit(as_json, payload, text)
    for notice in said:
        say(f"warning ({notice.kind}): {notice.message}", err=True)


FinancingId = Annotated[int, typer.Argument(help="the financing id")]
AmountArg = Annotated[int, typer.Argument(help="amount in minor units (cents)")]


@finance_app.command("drawdown")
def finance_drawdown(
    financing_id: FinancingId,
    amount: AmountArg,
    as_member: AsMember,
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Draw an amount from a financing (its bank)."""
    actor = _actor(as_member)
    _lifecycle(
        actor,
        lambda ledger, actor: fin_svc.drawdown(
            ledger, actor, financing_id, amount, idempotency_key=idempotency_key
        ),
        financing_id,
        data_dir,
        as_json,
        "draw down a financing",
    )


@finance_app.command("repay")
def finance_repay(
    financing_id: FinancingId,
    amount: AmountArg,
    as_member: AsMember,
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a repayment (its bank)."""
    actor = _actor(as_member)
    _lifecycle(
        actor,
        lambda ledger, actor: fin_svc.repay(
            ledger, actor, financing_id, amount, idempotency_key=idempotency_key
        ),
        financing_id,
        data_dir,
        as_json,
        "repay a financing",
    )


@finance_app.command("close")
def finance_close(
    financing_id: FinancingId,
    as_member: AsMember,
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Close a fully repaid financing and release its documents (its bank)."""
    actor = _actor(as_member)
    _lifecycle(
        actor,
        lambda ledger, actor: fin_svc.close(
            ledger, actor, financing_id, idempotency_key=idempotency_key
        ),
        financing_id,
        data_dir,
        as_json,
        "close a financing",
    )


@finance_app.command("cancel")
def finance_cancel(
    financing_id: FinancingId,
    as_member: AsMember,
    reason_code: Annotated[
        int,
        typer.Option(
            help=reason_help(CancellationReason) + " (required: a cancellation cannot be undone)",
            min=0,
            max=255,
        ),
    ],
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Cancel an active financing and release its documents (its bank)."""
    actor = _actor(as_member)
    _lifecycle(
        actor,
        lambda ledger, actor: fin_svc.cancel(
            ledger, actor, financing_id, reason_code, idempotency_key=idempotency_key
        ),
        financing_id,
        data_dir,
        as_json,
        "cancel a financing",
    )


@finance_app.command("share")
def finance_share(
    reader: Annotated[
        str,
        typer.Argument(
            help="the member to share with: a regulator or an enterprise (a bank's terms); "
            "another regulator (a regulator's)"
        ),
    ],
    as_member: AsMember,
    financing: Annotated[
        list[int] | None,
        typer.Option(
            "--financing",
            help="only this financing (repeatable); without it, every financing --as reads",
        ),
    ] = None,
    idempotency_key: IdemKey = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Seal the terms of every financing --as reads (a bank: its own; a regulator: all it
    reads), or of each --financing, to READER's published key, on chain: how a regulator that
    joined later reads the financings registered before it joined, and how a bank makes an
    enterprise registrant not shown to be the seller a reader deliberately
    (registrant_not_reader; docs/privacy.md). A bank shares only its own financings (another
    bank's --financing is refused, NotFinancingBank), with a regulator or an enterprise — with
    an enterprise only the --financing it names (its whole book: a regulator only); a
    regulator with another regulator (any other READER is refused, exit 2). The API's twin,
    one financing at a time:
    POST /v1/financings/{id}/share {"reader": READER}."""
    actor = _actor(as_member)
    target = _actor(reader, "READER")
    with opened_ledger(data_dir) as ledger:
        actor = acting(ledger, actor)
        require_writer(ledger, actor, "financing.share", "share a financing's terms")
        # a READER its member rotated its key away from: sealed to that member (its encryption
        # key belongs to its member id), at its address now, and said so
        now, rotated = resolved(ledger, target, "READER")
        target = now or target
        shared = guard(
            lambda: fin_svc.share_with(
                ledger,
                actor,
                target,
                idempotency_key=idempotency_key,
                financing_ids=financing,
                ids_field="--financing",
            )
        )
    from api.routers.financings import shared_answer  # POST /v1/financings/{id}/share's answer

    emit(
        as_json,
        shared_answer(target, shared, rotated).model_dump(mode="json"),
        _shared_text(shared, target),
    )


def _shared_text(shared: fin_svc.Shared, target: str) -> str:
    """``finance share`` in words: what was sealed now, and what the reader read already
    (nothing sent for it)."""
    sent, already = shared.sent, shared.already_shared

    def ids(found: list[int]) -> str:
        return f" ({', '.join(map(str, found))})" if found else ""

    lines = []
    if sent or not already:
        lines.append(
            f"shared {len(sent)} financing{'' if len(sent) == 1 else 's'}{ids(sent)} with {target}"
        )
    if already:
        lines.append(
            f"already shared with {target}: financing{'' if len(already) == 1 else 's'}"
            f" {', '.join(map(str, already))} — it reads the terms already; nothing sent"
        )
    return "\n".join(lines)


@finance_app.command("show", cls=reads("GET /v1/financings/{financing_id}"))
def finance_show(
    financing_id: FinancingId,
    as_member: ReadAs = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """One financing: bank, status, and — for a reader whose key opens them — amounts,
    maturity, pledged documents, drawdowns and repayments; to its bank, the warnings its next
    write would give (a pledged invoice credited, or withdrawn in another file it lodged)."""
    from api.routers.financings import read_answer  # GET /v1/financings/{id}'s answer

    reader = _actor(as_member) if as_member is not None else None
    with opened_ledger(data_dir) as ledger:
        reader = acting(ledger, reader) if reader is not None else None
        f = guard(lambda: fin_svc.get(ledger, financing_id, reader=reader))
        role = _reader_role(ledger, reader)
        # a suspended member reads the financings of its history (a bank's own, an
        # enterprise's pledging a document it registered), as through the API
        if reader is not None and not fin_svc.in_history_of(ledger, f, reader):
            refuse_inactive_reader(ledger, reader, fin_svc.not_in_history(role))
        f = _with_status(ledger, f)
        answer = guard(lambda: read_answer(ledger, f, role, reader))
        read_as = None if as_json or f.terms else _reader_of(ledger, reader, financing_id)
        text = "" if as_json else _financing_text(f, LedgerNames(ledger), read_as)
    for notice in answer.notices:  # as `finance list` says those of its page
        text += f"\nwarning ({notice.kind}): {notice.message}"
    emit(as_json, answer.model_dump(mode="json"), text)


@finance_app.command("list", cls=reads("GET /v1/financings"))
def finance_list(
    bank: Annotated[str | None, typer.Option(help="only this bank's")] = None,
    status: Annotated[
        str | None,
        typer.Option(metavar=one_of(FinancingStatus), help="only those in this status"),
    ] = None,
    doc: Annotated[str | None, typer.Option(help="only those pledging this document")] = None,
    cursor: Annotated[str | None, typer.Option(help="next_cursor of a previous page")] = None,
    limit: Annotated[int, typer.Option(min=1, max=fin_svc.MAX_LIMIT)] = fin_svc.DEFAULT_LIMIT,
    as_member: ReadAs = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Financings, filtered; one page at a time (see next_cursor). Terms only where the
    reader's key (--as) opens them."""
    reader = _actor(as_member) if as_member is not None else None
    state = guard(lambda: FinancingStatus.parse(status, "--status")) if status is not None else None
    doc_hash = guard(lambda: docs.parse_doc_hash(doc, "--doc")) if doc is not None else None
    with opened_ledger(data_dir) as ledger:
        reader = acting(ledger, reader) if reader is not None else None
        # a bank named by an address it rotated its key away from: its financings, said so
        bank, rotated = resolved(ledger, bank, "--bank")
        active = reader is None or guard(lambda: standing.standing(ledger, reader)).active
        if not active:
            # a suspended member lists the financings of its history only, as through the API
            what = fin_svc.not_in_history(_reader_role(ledger, reader), many=True)
            refuse_inactive_reader(ledger, reader, what, bank or reader)
        page = guard(
            lambda: fin_svc.list_financings(
                ledger, bank, state, doc_hash, cursor, limit, reader=reader, history_only=not active
            )
        )
        page = guard(lambda: fin_svc.page_with_document_status(ledger, page))
        role = _reader_role(ledger, reader)
        names = LedgerNames(ledger)  # for people only: --json keeps the bare address
        banks = {f.bank: f.bank if as_json else who(f.bank, names) for f in page.items}
    rows = [
        [
            f.financing_id,
            f.status.name.lower(),
            banks[f.bank],
            _money(f.terms.amount, f.terms.currency) if f.terms else "confidential",
            _money(f.terms.outstanding, f.terms.currency) if f.terms else "-",
            utc_text(f.terms.maturity) if f.terms else "-",
            f.terms.reference if f.terms else "-",
        ]
        for f in page.items
    ]
    text = _table(["ID", "STATUS", "BANK", "AMOUNT", "OUTSTANDING", "MATURITY", "REF"], rows)
    for f in page.items:
        for notice in fin_svc.document_notices(f):
            text += f"\nwarning ({notice.kind}): {notice.message}"
    if page.next_cursor:
        text += f"\nmore: --cursor {page.next_cursor}"
    from api.routers.financings import financing_page  # GET /v1/financings' answer

    emit(as_json, financing_page(page, role, rotated).model_dump(mode="json"), text)


# -- demo ---------------------------------------------------------------------------------------


@app.command()
def demo(
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="where to create the demo ledger (new)")
    ] = None,
) -> None:
    """Tell the story of a double-financing attempt on a fresh embedded chain, in plain words."""
    from ledger.demo import run_demo

    guard(lambda: run_demo(data_dir, lambda text: typer.echo(visible_lines(text))))


@app.command()
def serve(
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(help="bind address [default: 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="port [default: 8000]")] = None,
) -> None:
    """Start the REST gateway (OpenAPI docs at /docs). On the embedded chain, the chain's
    JSON-RPC is served to local clients on a loopback port of its own (DATA_DIR/node.json)."""
    settings = settings_for(data_dir)
    if host is not None:
        settings.host = host
    if port is not None:
        settings.port = port
    from api.serve import refuse_port_in_use

    field = "--port" if port is not None else env_name("port")
    guard(lambda: refuse_port_in_use(settings.host, settings.port, field))
    # held before the ledger opens (its index catches up): refused while a rebuild runs
    with contextlib.ExitStack() as held:
        guard(lambda: held.enter_context(servinglock.serving(settings.data_dir)))
        _serve(settings)


def _serve(settings: Settings) -> None:
    from api.app import create_app
    from api.serve import Gateway
    from ledger.indexer import EventIndex

    ledger = guard(lambda: open_ledger(settings))
    record_evaluator_url(settings)  # the CLI beside this server reaches the same evaluator
    try:
        # an index that cannot be opened (a file that is no database) refused in words, not
        # as the web server's traceback of its start
        guard(lambda: EventIndex.for_ledger(ledger).close())
        gateway = guard(lambda: Gateway(settings, ledger, create_app(settings, ledger)))
        node = f"\n  node JSON-RPC (this machine only): {gateway.bridge_url}"
        typer.echo(
            f"tradeledger serving {visible(str(settings.data_dir))} at "
            f"http://{settings.host}:{settings.port}\n"
            f"  API docs: http://{settings.host}:{settings.port}/docs\n"
            "  authenticate with: Authorization: Bearer <api key>"
            + (node if gateway.bridge_url else ""),
            err=True,
        )
        gateway.run()
    finally:
        ledger.close()


EvaluatorDir = Annotated[
    Path,
    typer.Option(
        "--data-dir",
        envvar="TRADELEDGER_EVALUATOR_DIR",
        help="the evaluator's own directory (never a gateway's data directory)",
    ),
]


@evaluator_app.command("init")
def evaluator_init(data_dir: EvaluatorDir, as_json: JsonFlag = False) -> None:
    """Create the evaluator's secret key (DATA_DIR/evaluator.key, mode 0600) and print its
    public key, which the consortium puts on chain ("tradeledger init --evaluator-key")."""
    from ledger import evaluator as ev

    if (data_dir / "manifest.json").exists():
        fail(InvalidInput("--data-dir", "is a gateway's data directory: use one of its own"))
    public = guard(lambda: ev.init_key(data_dir))
    emit(
        as_json,
        {"data_dir": str(data_dir), "public_key": public.hex()},
        f"evaluator key created in {data_dir}\n  public key: {public.hex()}",
    )


@evaluator_app.command(
    "public-key",
    cls=reads(
        no_twin="reads the evaluator's own data directory, not a ledger; the key the ledger "
        "holds is GET /v1/governance's fingerprint_evaluator_key"
    ),
)
def evaluator_public_key(data_dir: EvaluatorDir, as_json: JsonFlag = False) -> None:
    """Print the evaluator's public key."""
    from ledger import evaluator as ev

    public = guard(lambda: ev.load_key(data_dir)).public_key.to_bytes().hex()
    emit(as_json, {"public_key": public}, public)


@evaluator_app.command("serve")
def evaluator_serve(
    data_dir: EvaluatorDir,
    chain_url: Annotated[
        str | None,
        typer.Option(envvar="TRADELEDGER_CHAIN_URL", help="the consortium's JSON-RPC node"),
    ] = None,
    contract: Annotated[str | None, typer.Option(help="the TradeLedger contract address")] = None,
    gateway_data_dir: Annotated[
        Path | None,
        typer.Option(
            help="instead of --chain-url/--contract on the embedded chain: read the chain "
            "through the bridge of the gateway serving it from this directory (read only)"
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8600,
    limit: Annotated[
        int,
        typer.Option(
            envvar="TRADELEDGER_EVALUATOR_LIMIT",
            help="inputs one member may have evaluated per window (0: none)",
        ),
    ] = 448,  # ledger.evaluator.DEFAULT_LIMIT (imported when the command runs)
    window: Annotated[
        int,
        typer.Option(
            envvar="TRADELEDGER_EVALUATOR_WINDOW", help="the window of --limit, in seconds"
        ),
    ] = 600,
    standing_ttl: Annotated[
        float,
        typer.Option(
            help="seconds a member's standing read on chain is trusted (a suspension applies "
            "within it)",
            min=0,
        ),
    ] = 2.0,
) -> None:
    """Serve the evaluator: signed evaluation requests from active banks, rate-limited per
    member and logged (member, time, count) in DATA_DIR/evaluations.sqlite for the regulator."""
    import uvicorn

    from ledger import evaluator as ev

    guard(lambda: ev.check_limit(limit, window))
    key = guard(lambda: ev.load_key(data_dir))
    if gateway_data_dir is not None:
        member_of = ev.gateway_member_of(gateway_data_dir)
    elif chain_url and contract:
        if (problem := url_problem(chain_url)) is not None:
            fail(InvalidInput("--chain-url", problem))
        member_of = ev.chain_member_of(chain_url, contract)
    else:
        fail(InvalidInput("--chain-url", "give --chain-url and --contract, or --gateway-data-dir"))
    service = ev.EvaluatorService(
        key, ev.EvaluationLog(data_dir / ev.LOG_FILE), member_of, limit, window, standing_ttl
    )
    say(f"fingerprint evaluator serving at http://{host}:{port}", err=True)
    uvicorn.run(ev.create_app(service), host=host, port=port, log_level="warning")


def _regulator_here(ledger: Ledger) -> str:
    """The regulator whose key this gateway holds (exit 2 naming --as when none, or several)."""
    here = [
        p.address
        for p in guard(lambda: ledger.db.participants())
        if p.role == "regulator" and ledger.keystore.holds(p.address)
    ]
    if len(here) != 1:
        fail(
            InvalidInput(
                "--as",
                "name the regulator reading the log (this gateway holds "
                + (f"{len(here)} regulators' keys" if here else "no regulator's key")
                + "): only an active regulator may read it",
            )
        )
    return here[0]


@evaluator_app.command("log", cls=reads("GET /v1/audit/fingerprint-evaluations"))
def evaluator_log(
    member: Annotated[
        str | None, typer.Option(help="only this member's evaluations (0x address)")
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="the regulator reading (default: the regulator whose key this gateway holds)",
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=5000, help="most entries")] = 500,
    cursor: Annotated[str | None, typer.Option(help="next_cursor of a previous page")] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """The fingerprint evaluator's log (who had how many fingerprints evaluated, when, and each
    refusal — never an input), read at TRADELEDGER_EVALUATOR_URL by a regulator's gateway with a
    request signed by the regulator's own key."""
    with opened_ledger(data_dir) as ledger:
        reader = acting(ledger, _actor(actor)) if actor is not None else _regulator_here(ledger)
        wanted = _actor(member, "--member") if member is not None else ""
        page = guard(
            lambda: checks_svc.evaluations_page(ledger, reader, wanted, id_cursor(cursor), limit)
        )
        names = LedgerNames(ledger)  # each member by name, as every other table names it
        rows = [
            [e["id"], who(e["member"], names), e["at"], e["count"], e["outcome"]]
            for e in page["items"]
        ]
    emit(as_json, page, _table(["ID", "MEMBER", "AT", "INPUTS", "OUTCOME"], rows))


#: doc prove, doc verify-proof, doc register-oa (after the other doc commands in the help)
cli_proof.add_commands(doc_app)


def main() -> None:
    """Console entry point. Everything the command creates is private (umask 0077: the data
    directory's files, exports, join requests; ``ledger/datadir.py``). An error no command
    expected ends it as every other error does — one ``error:`` line (with ``--json``, the
    API's ``internal_error`` body), exit 1 — never a Python traceback, as no API answer is
    one: a tryout's ``doc receive`` beside its gateway printed SQLAlchemy's, SQL and all."""
    restrict_umask()
    try:
        sys.exit(app())
    except Exception as exc:  # Click ended every error it knows already
        sys.exit(unexpected_error(exc, json_wanted="--json" in sys.argv[1:]))


if __name__ == "__main__":
    main()
