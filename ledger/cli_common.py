"""What every ``tradeledger`` command shares: options, settings, error exit, output.

Errors name the input as the command names it — its option (``--type``) or its argument as its
help shows it (``DOC_HASH``) — never by the API's field for it (``doc_type``, ``doc_hash``):
:func:`fail` maps the field of every refusal to the running command's own parameter
(:func:`cli_field`), in the words and in ``--json``'s ``details.field``.

Errors print one line in words for people (:func:`ledger.messages.describe`: members by name,
amounts in major units with their currency, role and status names) and exit non-zero (2 for bad
input, 1 otherwise, 4 for a refused financing), never a stack trace. With ``--json`` a command
prints one JSON object for scripts, and on failure the API's error body
(``{"error", "message", "details"}``, :func:`ledger.messages.error_body`) on stdout.

Text for people is built from what members and files say (document facts, names, references,
file names, reasons). A terminal acts on control characters instead of showing them: a CR in a
document number would let the rest of the number overwrite the real one, a bidi override would
reorder the line. Every line printed for people passes through one place,
:func:`ledger.words.visible` (called by :func:`emit`, :func:`table`, :func:`lines_text`,
:func:`say` and :func:`fail`): C0, DEL, C1, line separators and bidi controls are shown as their
escapes (``\\r``, ``\\x1b``, ``\\u202e``). A line break inside one value (a name with an LF)
is escaped where the value becomes a line: :func:`lines_text` and :func:`table` escape each line
or cell whole. JSON (``--json``) stays exact: ``json.dumps`` escapes control characters itself.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO, TypeVar

import typer

from ledger.config import Settings, load_settings
from ledger.errors import InvalidInput, LedgerError, problems_message
from ledger.messages import error_body
from ledger.network import Ledger, open_ledger
from ledger.services import retired, roles, rotation, standing
from ledger.services.names import LedgerNames
from ledger.words import NO_NAMES, visible, visible_lines

if TYPE_CHECKING:  # imported when a command opens its index
    from ledger.indexer import EventIndex

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="ledger data directory [env: TRADELEDGER_DATA_DIR]"),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON")]

T = TypeVar("T")


#: the ledger the running command opened (names members and currencies in its errors)
_OPEN_LEDGER: ContextVar[Ledger | None] = ContextVar("tradeledger_cli_ledger", default=None)


def _current_context() -> Any:
    """The running command's Click context, or None (newer Typer carries its own copy of
    Click, older Typer uses Click)."""
    for module in ("typer._click.globals", "click"):
        try:
            context = importlib.import_module(module).get_current_context(silent=True)
        except ImportError:
            continue
        if context is not None:
            return context
    return None


def _wants_json() -> bool:
    """Did the running command get ``--json``? (Its ``as_json`` parameter.)"""
    context = _current_context()
    return context is not None and bool(context.params.get("as_json"))


def param_name(param: Any) -> str:
    """An option by its first spelling (``--amount``), an argument as help shows it
    (``AMOUNT``)."""
    if param.param_type_name == "option":
        return str(param.opts[0])
    return str(param.metavar or param.name).upper()


#: an input the API names: a snake_case field, maybe with its place in it (``doc_hash``,
#: ``documents[0].amount``) — not an option (``--doc``), a variable (``TRADELEDGER_PORT``) or
#: a header (``Idempotency-Key``), which are named as the user wrote them already
_API_FIELD = re.compile(r"([a-z][a-z0-9_]*)((?:\[\d+\]|\.[A-Za-z_][A-Za-z0-9_]*)*)")

#: API field names a command's parameter stands for, beyond its own names (its Python name,
#: its option spellings): ``finance create --doc HASH=AMOUNT`` is the API's ``documents``
_API_ALIASES: dict[str, tuple[str, ...]] = {
    "doc": ("documents", "doc_hash"),  # finance create --doc HASH=AMOUNT, finance list --doc
    "account": ("address",),  # member propose --account
    "evaluator_key": ("data",),  # member propose set-fingerprint-evaluator: the proposal's data
    "public_key": ("data", "TRADELEDGER_EVALUATOR_PUBLIC_KEY"),  # member rotate-evaluator-key
    "wrapped": ("file",),  # doc register-oa WRAPPED: the file of POST /v1/documents/oa
    "idempotency_key": ("Idempotency-Key",),  # every write's --idempotency-key: the header
}


#: the parameters whose one value holds several fields of the API's object: ``--doc
#: HASH=AMOUNT`` is ``documents[i]``'s ``doc_hash`` and ``amount`` (named ``--doc[i]``)
_WHOLE_VALUES = frozenset({"doc"})


def _api_names(param: Any) -> set[str]:
    """The API field names ``param`` stands for: its Python name (``doc_type``, ``doc_hash``),
    its long option spellings in snake_case (``--type``: ``type``, ``--reason-code``:
    ``reason_code``) and :data:`_API_ALIASES`. A flag stands for none: no flag is bad input,
    and ``--json`` is no document's ``json``."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return set()
    names = {str(param.name)}
    names |= {o[2:].replace("-", "_") for o in param.opts if o.startswith("--")}
    return names | set(_API_ALIASES.get(str(param.name), ()))


def cli_field(field: str, params: Iterable[Any]) -> str | None:
    """The running command's own name for the input the API names ``field``: its option or
    argument as its help shows it (``DOC_HASH``, ``--type``, ``--doc[0].amount``), or None when
    ``field`` is no API field or none of ``params`` stands for it."""
    params = list(params)
    for param in params:  # a name only an alias gives (an environment variable's)
        if field in _API_ALIASES.get(str(param.name), ()):
            return param_name(param)
    match = _API_FIELD.fullmatch(field)
    if match is None:
        return None
    head, rest = match.groups()
    for param in params:
        if head in _api_names(param):
            if param.name in _WHOLE_VALUES:  # --doc[0], not --doc[0].amount
                rest = re.sub(r"\..*", "", rest)
            return param_name(param) + rest
    return None


def _in_cli_words(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` (:func:`ledger.messages.error_body`) naming the input by the running command's
    own option or argument instead of the API's field (``doc_hash: …`` said to a user who
    typed ``doc show HASH``): ``details.field``, the message's leading ``field:`` and the
    fields of ``details.problems``."""
    details = body.get("details")
    context = _current_context()
    if not isinstance(details, dict) or context is None:
        return body
    field = details.get("field")
    if field is None and body.get("error") == "NotAMember":
        return _as_option_named(body, details, context)
    if not isinstance(field, str):
        return body
    params = context.command.get_params(context)
    own = cli_field(field, params) or field
    message = str(body["message"])
    renamed = {**details, "field": own}
    problems = details.get("problems")
    if isinstance(problems, list):  # each problem of the same input, named the same way
        renamed["problems"] = [
            {**p, "field": cli_field(p["field"], params) or p["field"]}
            if isinstance(p, dict) and isinstance(p.get("field"), str)
            else p
            for p in problems
        ]
        if len(problems) > 1 and message == problems_message(problems):
            message = problems_message(renamed["problems"])  # every field by its option
    if renamed == details:
        return body
    if message.startswith(f"{field}:"):
        message = own + message[len(field) :]
    return {**body, "message": message, "details": renamed}


def _as_option_named(body: dict[str, Any], details: dict[str, Any], context: Any) -> dict[str, Any]:
    """A ``NotAMember`` refusal of the account the command was given as ``--as``, named by the
    option (``--as: 0x… is not a member of the consortium``), as every other bad option is (a
    tryout: the README promises errors name the option)."""
    acting = next(
        (context.params.get(p.name) for p in context.command.params if "--as" in p.opts), None
    )
    account = details.get("account")
    if not isinstance(acting, str) or not isinstance(account, str):
        return body
    if acting.strip().lower() != account.lower():
        return body
    return {
        **body,
        "message": f"--as: {body['message']}",
        "details": {**details, "field": "--as"},
    }


#: a terminal's carriage return and erase-line: what draws a progress line over the last, and
#: clears it
_CLEAR_LINE = "\r\x1b[2K"


def on_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal someone watches (not a pipe, a file, a capture)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


class _Progress:
    """The progress line being shown (:func:`progress`): on stderr, drawn over itself."""

    def __init__(self, stream: TextIO, label: str, total: int) -> None:
        self.stream, self.label, self.total = stream, label, total
        self.shown = False

    def draw(self, done: int) -> None:
        self.stream.write(f"{_CLEAR_LINE}{self.label} {done}/{self.total}")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write(_CLEAR_LINE)
            self.stream.flush()
            self.shown = False


#: the progress line on the terminal now, cleared before anything else is printed
_SHOWN: ContextVar[_Progress | None] = ContextVar("tradeledger_cli_progress", default=None)


def clear_progress() -> None:
    """Clear the progress line on the terminal, if one is shown: what is printed next (the
    answer, an error, a note) starts a clean line, nothing of the progress left beside it."""
    shown = _SHOWN.get()
    if shown is not None:
        shown.clear()


@contextmanager
def progress(items: Sequence[T], label: str, *, hidden: bool = False) -> Iterator[Iterator[T]]:
    """Iterate ``items`` showing ``label done/total`` for people: on stderr, only when stderr
    is a terminal and not ``hidden`` (``--json``) — never on stdout, never in a pipe or a log —
    and cleared when the block ends, however it ends, and before :func:`fail`, :func:`emit` or
    :func:`say` print. stdout holds the answer only."""
    stream = sys.stderr
    if hidden or not on_terminal(stream):
        yield iter(items)
        return
    shown = _Progress(stream, label, len(items))
    token = _SHOWN.set(shown)

    def stepping() -> Iterator[T]:
        for done, item in enumerate(items):
            shown.draw(done)
            yield item
        shown.draw(len(items))

    try:
        yield stepping()
    finally:
        shown.clear()
        _SHOWN.reset(token)


def error_words(error: LedgerError) -> dict[str, Any]:
    """The API's error body for ``error`` (``{"error", "message", "details"}``), naming the
    input by the running command's options and members by the open ledger's names."""
    ledger = _OPEN_LEDGER.get()
    return _in_cli_words(error_body(error, LedgerNames(ledger) if ledger is not None else NO_NAMES))


def fail(error: LedgerError, code: int | None = None) -> None:
    """Print the error in words and exit: ``code``, else 2 for bad input and 1 otherwise.
    With ``--json``, print the API's error body on stdout instead."""
    clear_progress()
    body = error_words(error)
    if _wants_json():
        typer.echo(json.dumps(body, indent=2))
    else:
        typer.echo(f"error: {visible(body['message'])}", err=True)
    raise typer.Exit(code if code is not None else 2 if isinstance(error, InvalidInput) else 1)


#: the user and password of a URL in an error's words (``http://user:secret@host``)
_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/\s@]+@")


def unexpected_error(exc: BaseException, *, json_wanted: bool) -> int:
    """Say an error no command expected (a fault of tradeledger or of its surroundings, never
    of the input: a file that is no database where the index should be) and give the exit
    code, 1: ``error: unexpected DatabaseError: file is not a database …`` on stderr — its
    type and the first line of its words, at most 300 characters (SQLAlchemy's further lines
    quote the SQL and its parameters) —, or with ``json_wanted`` the API's body for the same,
    ``{"error": "internal_error", …, "details": {"exception": TYPE}}`` on stdout."""
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    first = _USERINFO.sub(r"\1", first)  # a URL's user and password are never shown
    kind = type(exc).__name__
    message = (
        f"unexpected {kind}{': ' + first if first else ''} — a fault of tradeledger or of its "
        "data directory, not of your input; the command stopped here, and what it wrote before "
        "stays: read it back before you run a write again"
    )
    if json_wanted:
        body = {"error": "internal_error", "message": message, "details": {"exception": kind}}
        typer.echo(json.dumps(body, indent=2))
    else:
        typer.echo(f"error: {visible(message)}", err=True)
    return 1


def guard(action: Callable[[], T]) -> T:
    """Run ``action``; a gateway error ends the command through :func:`fail`."""
    try:
        return action()
    except LedgerError as exc:
        fail(exc)
        raise  # unreachable


def acting(ledger: Ledger, address: str) -> str:
    """The address ``--as`` ``address`` acts as now: itself, or — the member's key was rotated
    on chain and this gateway adopted its new key (``ledger.services.rotation``) — the new
    address, said on stderr ("" stays ""). ``address`` may be the name of a participant of
    this gateway instead (exit 2 naming ``--as`` when none, or several, has it)."""
    if not address:
        return address
    given = address
    if not looks_like_address(address):
        address = _named_participant(ledger, address)
    now = guard(lambda: rotation.current(ledger, address))
    if now != address:
        say(
            f"note: the key of {address} was rotated on chain: acting as its member's new "
            f"address {now}",
            err=True,
        )
    elif now != given:
        say(f"note: --as {given!r} is {now}", err=True)
    return now


def resolved(
    ledger: Ledger, value: str | None, option: str
) -> tuple[str | None, list[retired.Retired]]:
    """``value`` of ``option`` (a filter, a reader naming a member's address), or — it is an
    address the member rotated its key away from on chain (``ledger.services.retired``) — the
    member's current address, said on stderr as ``--as`` says it (:func:`acting`)."""
    now, rotated = guard(lambda: retired.resolve(ledger, value, option))
    for r in rotated:
        say(r.note(), err=True)
    return now, rotated


def resolved_in(
    index: EventIndex, value: str | None, option: str
) -> tuple[str | None, list[retired.Retired]]:
    """As :func:`resolved`, by the event index (the audit reads)."""
    now, rotated = guard(lambda: retired.resolve_in(index, value, option))
    for r in rotated:
        say(r.note(), err=True)
    return now, rotated


def looks_like_address(value: str) -> bool:
    """Whether ``value`` is written as an address (``0x…``, or 40 hex digits), not a name."""
    return value.lower().startswith("0x") or re.fullmatch(r"[0-9a-fA-F]{40}", value) is not None


def _named_participant(ledger: Ledger, name: str) -> str:
    """The address of the participant of this gateway named ``name`` (case and surrounding
    spaces aside); exit 2 naming ``--as`` when no participant, or more than one, has it."""
    wanted = name.strip().casefold()
    found = [p.address for p in ledger.db.participants() if p.name.strip().casefold() == wanted]
    if len(found) != 1:
        fail(
            InvalidInput(
                "--as",
                "must be a 20-byte hex address or the name of one participant of this gateway"
                + (f" ({len(found)} have that name: {', '.join(found)})" if found else ""),
                value=name,
            )
        )
    return found[0]


def refuse_inactive_reader(
    ledger: Ledger, reader: str | None, what: str, owner: str | None = None
) -> None:
    """Read ``--as`` a member the way the API serves it: one not active on chain (suspended,
    or not yet approved) reads its own history only — ``what`` of ``owner`` when ``owner`` is
    itself, nothing of anyone else's (exit 1, ``member_suspended``); an address that is no
    member at all is refused as the contract refuses it (exit 1, ``NotAMember``). No
    ``reader``: the gateway's operator, who reads everything."""
    if not reader:
        return
    found = guard(lambda: standing.standing(ledger, reader))
    if not found.active:  # an address that names nobody is said so, never "suspended"
        guard(lambda: standing.refuse_stranger(ledger, reader))
    if not found.active and (owner or "").lower() != reader.lower():
        name = standing.member_name(ledger, reader)
        fail(
            standing.refuse_inactive(reader, f"read {what}", found.reason, name=name, ledger=ledger)
        )


def require_writer(ledger: Ledger, actor: str, write: str, action: str) -> None:
    """Refuse ``--as`` ``actor`` a write the way the API refuses its key, before anything is
    signed: an address that names nobody as the contract does (``NotAMember``); one not active
    on chain as suspended (``member_suspended``) or pending — joined, not yet approved, told
    who approves it and how (``member_pending``); a role that may not perform ``write`` (a key
    of :data:`ledger.services.roles.WRITE_ROLES`) naming the ``action`` and the roles that may
    (``role enterprise may not finance documents (allowed: bank)``, 403 ``forbidden``'s
    words). Exit 1."""
    found = guard(lambda: standing.standing(ledger, actor))
    if not found.active:
        guard(lambda: standing.refuse_stranger(ledger, actor))
        name = standing.member_name(ledger, actor)
        fail(standing.refuse_inactive(actor, action, found.reason, name=name, ledger=ledger))
    record = guard(lambda: ledger.calls.functions.memberOf(actor).call())
    role = roles.Role(int(record[2])).name.lower()
    guard(lambda: roles.require_writer(role, write, action))


def settings_for(data_dir: Path | None, **options: Any) -> Settings:
    """The settings, with ``--data-dir`` and the other given options over the environment."""
    overrides: dict[str, Any] = {k: v for k, v in options.items() if v is not None}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    # an error names the option that set a value, else its TRADELEDGER_… variable
    given = {name: "--" + name.replace("_", "-") for name in overrides}
    try:
        return load_settings(given, **overrides)
    except InvalidInput as exc:
        fail(exc)
        raise  # unreachable
    except ValueError as exc:
        fail(InvalidInput("settings", str(exc)))
        raise  # unreachable


@contextmanager
def opened_ledger(data_dir: Path | None) -> Iterator[Ledger]:
    """The ledger of ``data_dir``, closed when the command ends, with its event index to read
    from as a served gateway reads it (:func:`reading_index`)."""
    ledger = guard(lambda: open_ledger(settings_for(data_dir)))
    try:
        with naming(ledger), reading_index(ledger):
            yield ledger
    finally:
        ledger.close()


@contextmanager
def reading_index(ledger: Ledger) -> Iterator[None]:
    """While open, ``ledger`` reads from its data directory's event index where a served
    gateway does (which financings pledge a document to a reader, a document's logs, block
    times), as it stands — never caught up here: the services read what the index has not
    folded in yet from the chain (``indexed_up_to``). A tryout's bank waited 10–18 s for ``doc
    check`` and ``doc show`` where the API answered in 0.1 s: without the index each read every
    financing on chain, and every financing's logs, over the node's JSON-RPC. Without an index
    (none can be opened), the chain is read as before."""
    from ledger.indexer import EventIndex  # only the commands that open a ledger pay for it

    index: EventIndex | None = None
    try:
        index = EventIndex.for_ledger(ledger)
        index.indexed()  # a database that does not answer is no index to read
    except Exception:  # no index to read: the chain answers, as before
        if index is not None:
            index.close()
        index = None
    ledger.event_index = index
    try:
        yield
    finally:
        ledger.event_index = None
        if index is not None:
            index.close()


@contextmanager
def ledger_index(ledger: Ledger) -> Iterator[EventIndex]:
    """The event index an :func:`opened_ledger` reads from (:func:`reading_index`), else one
    opened now — a failure to open it ends the command (:func:`guard`) — and closed after: one
    index per command, never a second beside it."""
    from ledger.indexer import EventIndex

    if ledger.event_index is not None:
        yield ledger.event_index
        return
    index = guard(lambda: EventIndex.for_ledger(ledger))
    try:
        yield index
    finally:
        index.close()


@contextmanager
def naming(ledger: Ledger) -> Iterator[None]:
    """While open, errors the command prints name members and currencies from ``ledger``."""
    token = _OPEN_LEDGER.set(ledger)
    try:
        yield
    finally:
        _OPEN_LEDGER.reset(token)


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A plain aligned table for people (no colour, so it pipes and logs cleanly); each cell
    :func:`ledger.words.visible` (one line, control characters escaped)."""
    cells = [headers, *[["" if c is None else visible(str(c)) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def lines_text(lines: Iterable[str]) -> str:
    """``lines`` for people, joined: each one line, :func:`ledger.words.visible` whole, so a
    line break inside a value it holds is shown as ``\\n`` instead of starting a line of its
    own (an item holding an intended line break must be given as two items)."""
    return "\n".join(visible(line) for line in lines)


def emit(as_json: bool, payload: Any, text: str) -> None:
    """Print ``payload`` as JSON, or ``text`` for people with every control character but its
    line breaks escaped (:func:`ledger.words.visible_lines`)."""
    clear_progress()
    typer.echo(json.dumps(payload, indent=2, default=str) if as_json else visible_lines(text))


def say(line: str, err: bool = False) -> None:
    """Print one ``line`` for people (stderr with ``err``), :func:`ledger.words.visible` whole:
    the way a command prints a line that is not :func:`emit`'s."""
    clear_progress()
    typer.echo(visible(line), err=err)
