"""The ``tradeledger`` command line.

Every command takes ``--data-dir`` (or ``TRADELEDGER_DATA_DIR``); ``--json`` prints one JSON
object for scripts. Errors print one line naming the problem and exit non-zero (2 for bad input,
1 otherwise), never a stack trace.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from ledger.cli_audit import audit_app, index_app
from ledger.config import Settings
from ledger.errors import InvalidInput, LedgerError
from ledger.network import Ledger, init_network, open_ledger
from ledger.services import documents as docs
from ledger.services import members as member_svc
from ledger.services.roles import DocType, Role

app = typer.Typer(
    name="tradeledger",
    help="A permissioned ledger for trade-finance records.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
member_app = typer.Typer(help="Consortium members.", no_args_is_help=True)
doc_app = typer.Typer(help="Trade documents.", no_args_is_help=True)
app.add_typer(member_app, name="member")
app.add_typer(doc_app, name="doc")
app.add_typer(index_app, name="index")
app.add_typer(audit_app, name="audit")

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="ledger data directory [env: TRADELEDGER_DATA_DIR]"),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON")]

DEMO_MEMBERS = (
    ("Demo Bank A", Role.BANK),
    ("Demo Exporter", Role.ENTERPRISE),
    ("Demo Regulator", Role.REGULATOR),
    ("Demo Customs", Role.ATTESTOR),
)

T = TypeVar("T")


def _settings(data_dir: Path | None) -> Settings:
    overrides: dict[str, Any] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    try:
        return Settings(**overrides)
    except ValueError as exc:
        _fail(InvalidInput("settings", str(exc)))
        raise  # unreachable


def _fail(error: LedgerError) -> None:
    typer.echo(f"error: {error.message}", err=True)
    raise typer.Exit(2 if isinstance(error, InvalidInput) else 1)


def _guard(action: Callable[[], T]) -> T:
    try:
        return action()
    except LedgerError as exc:
        _fail(exc)
        raise  # unreachable


@contextmanager
def _ledger(data_dir: Path | None) -> Iterator[Ledger]:
    ledger = _guard(lambda: open_ledger(_settings(data_dir)))
    try:
        yield ledger
    finally:
        ledger.close()


def _emit(as_json: bool, payload: dict[str, Any], text: str) -> None:
    typer.echo(json.dumps(payload, indent=2, default=str) if as_json else text)


@app.command()
def init(
    data_dir: DataDir = None,
    demo: Annotated[bool, typer.Option(help="also create one member of each role")] = False,
    admin_name: Annotated[str, typer.Option(help="the consortium admin's name")] = (
        "Consortium admin"
    ),
    as_json: JsonFlag = False,
) -> None:
    """Create a network: deploy the contract, create the admin, write the manifest."""
    settings = _settings(data_dir)
    ledger, api_key = _guard(lambda: init_network(settings, admin_name))
    try:
        created: list[dict[str, Any]] = []
        if demo:
            for name, role in DEMO_MEMBERS:
                new = _guard(
                    lambda n=name, r=role: member_svc.add_member(  # type: ignore[misc]
                        ledger, ledger.manifest.admin_address, n, r
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
        _emit(as_json, payload, "\n".join(lines))
    finally:
        ledger.close()


@member_app.command("add")
def member_add(
    name: Annotated[str, typer.Argument(help="the member's display name")],
    role: Annotated[str, typer.Option(help="bank, enterprise, regulator, attestor or admin")],
    legal_id: Annotated[str, typer.Option(help="legal id, e.g. an LEI (stored hashed)")] = "",
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Onboard a member: create its key and membership, print its address and API key once."""
    parsed = _guard(lambda: Role.parse(role))
    with _ledger(data_dir) as ledger:
        new = _guard(
            lambda: member_svc.add_member(
                ledger, ledger.manifest.admin_address, name, parsed, legal_id
            )
        )
    _emit(
        as_json,
        {"address": new.member.address, "api_key": new.api_key, "member_id": new.member.member_id},
        f"member {new.member.member_id} {name} ({parsed.name.lower()}) at {new.member.address}\n"
        f"API key (shown once): {new.api_key}",
    )


@member_app.command("list")
def member_list(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """List the consortium's members."""
    with _ledger(data_dir) as ledger:
        members = _guard(lambda: member_svc.list_members(ledger))
    rows = [
        {
            "member_id": m.member_id,
            "address": m.address,
            "role": m.role.name.lower(),
            "active": m.active,
            "name": m.name,
        }
        for m in members
    ]
    text = "\n".join(
        f"{r['member_id']:>4}  {r['role']:<10} {'active' if r['active'] else 'suspended':<9} "
        f"{r['address']}  {r['name'] or ''}"
        for r in rows
    )
    _emit(as_json, {"members": rows}, text)


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput("file", f"cannot read {path}: {exc.strerror}") from None


@doc_app.command("register")
def doc_register(
    file: Annotated[Path, typer.Argument(help="the document file")],
    as_member: Annotated[str, typer.Option("--as", help="address of the registering member")],
    doc_type: Annotated[str, typer.Option("--type", help="document type")] = "other",
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Register a file by its SHA-256 hash, signed by a member whose key this gateway holds."""
    kind = _guard(lambda: DocType.parse(doc_type))
    doc_hash = _guard(lambda: docs.file_hash(_read_file(file)))
    with _ledger(data_dir) as ledger:
        receipt = _guard(lambda: docs.register(ledger, as_member, doc_hash, kind))
    _emit(
        as_json,
        {"doc_hash": "0x" + doc_hash.hex(), "tx_hash": receipt.tx_hash, "block": receipt.block},
        f"registered 0x{doc_hash.hex()} in block {receipt.block} (tx {receipt.tx_hash})",
    )


@doc_app.command("verify")
def doc_verify(
    file: Annotated[Path, typer.Argument(help="the file to verify")],
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Say whether this exact file was registered, by whom and when. Exit 1 if not."""
    doc_hash = _guard(lambda: docs.file_hash(_read_file(file)))
    with _ledger(data_dir) as ledger:
        found = _guard(lambda: docs.find_registration(ledger, doc_hash))
        name = None
        if found is not None:
            try:
                name = member_svc.get_member(ledger, found.registered_by).name
            except LedgerError:
                name = None
    if found is None:
        _emit(
            as_json,
            {"doc_hash": "0x" + doc_hash.hex(), "registered": False},
            f"NOT REGISTERED: 0x{doc_hash.hex()}",
        )
        raise typer.Exit(1)
    who = f"{name} ({found.registered_by})" if name else found.registered_by
    _emit(
        as_json,
        {
            "doc_hash": found.doc_hash,
            "registered": True,
            "registered_by": found.registered_by,
            "registered_by_name": name,
            "registered_at": found.registered_at.isoformat(),
            "doc_type": found.doc_type.name.lower(),
            "status": found.status.name.lower(),
        },
        f"REGISTERED: {found.doc_hash}\n  by {who}\n  at {found.registered_at.isoformat()}\n"
        f"  type {found.doc_type.name.lower()}, status {found.status.name.lower()}",
    )


@app.command()
def serve(
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(help="bind address [default: 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="port [default: 8000]")] = None,
) -> None:
    """Start the REST gateway (OpenAPI docs at /docs)."""
    import uvicorn

    from api.app import create_app

    settings = _settings(data_dir)
    if host is not None:
        settings.host = host
    if port is not None:
        settings.port = port
    ledger = _guard(lambda: open_ledger(settings))
    typer.echo(
        f"tradeledger serving {settings.data_dir} at http://{settings.host}:{settings.port}\n"
        f"  API docs: http://{settings.host}:{settings.port}/docs\n"
        "  authenticate with: Authorization: Bearer <api key>",
        err=True,
    )
    try:
        uvicorn.run(create_app(settings, ledger), host=settings.host, port=settings.port)
    finally:
        ledger.close()


def main() -> None:
    """Console entry point."""
    sys.exit(app())


if __name__ == "__main__":
    main()
