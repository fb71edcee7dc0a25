"""One settings object for the gateway, read from the environment (prefix ``TRADELEDGER_``).

Build it through :func:`get_settings` (cached) — never at import time — so tests and the CLI can
override it. Every path the ledger writes lives under ``data_dir``::

    DATA_DIR/
      manifest.json          deployment: chain id, contract address, deployment block, hashes
      chain/chain.sqlite     the embedded chain (py-evm state, blocks, receipts)
      keystore/*.json        encrypted keystores (scrypt), one per participant
      secrets/               keystore passphrases and the gateway's lookup key (mode 0600)
      gateway.sqlite         participant-private gateway state: API keys (hashed), idempotency
                             records, facts of the files this gateway received
      index.sqlite           the event index (disposable, rebuildable from the chain)
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.errors import InvalidInput
from ledger.httppool import url_problem

#: every setting is read from the environment variable of its name with this prefix
ENV_PREFIX = "TRADELEDGER_"

#: the largest request body the API reads by default: a 20 MB document (the most a reader takes,
#: ``ledger.services.documents.MAX_FILE_BYTES``) with room for the multipart framing
DEFAULT_MAX_BODY_BYTES = 24 * 1024 * 1024


def default_data_dir() -> Path:
    """The per-user data directory: ``$XDG_DATA_HOME/tradeledger`` or ``~/.local/share/...``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tradeledger"


#: where a data directory keeps the evaluator URL its gateway was served with
EVALUATOR_FILE = "evaluator.json"


def _inside(path: Path, directory: Path) -> bool:
    """Whether ``path`` is ``directory`` or lies under it, symbolic links resolved."""
    return path.resolve().is_relative_to(directory.resolve())


def _check_passphrase(value: str) -> str:
    if value.lower() in {"changeme", "change-me", "password", "secret"}:
        raise ValueError("is a placeholder: set a real passphrase or leave it empty")
    return value


def _empty_or_url(value: str, empty: str) -> str:
    """``value`` when it is empty (``empty`` says what that means) or a URL
    :func:`ledger.httppool.url_problem` finds nothing wrong with; else ValueError saying both."""
    problem = url_problem(value) if value else None
    if problem is not None:
        raise ValueError(f"must be empty ({empty}) or {problem.removeprefix('must be ')}")
    return value


class Settings(BaseSettings):
    """Gateway configuration. Each field can be set as ``TRADELEDGER_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    #: empty: the embedded chain in ``data_dir/chain``; else a JSON-RPC URL (http/https)
    chain_url: str = ""
    #: the chain id of a new embedded network
    chain_id: int = Field(default=1_515_200, ge=1)
    #: "full" survives power loss, "normal" survives a process crash and is faster
    chain_sync: Literal["full", "normal"] = "full"
    #: SQLAlchemy URL of the event index; empty: SQLite in the data directory
    index_url: str = ""
    #: SQLAlchemy URL of the gateway's own state; empty: SQLite in the data directory
    gateway_db_url: str = ""
    #: gas price policy for JSON-RPC networks: "auto" (EIP-1559 from the node), "legacy", "zero"
    #: (Besu / GoQuorum QBFT networks with free gas: ``zero``)
    gas_pricing: Literal["auto", "legacy", "zero"] = "auto"
    #: JSON-RPC: the chain id the node must report (empty: accept the node's, then the
    #: manifest's on every later start)
    rpc_chain_id: int | None = Field(default=None, ge=1)
    #: JSON-RPC: accept PoA/QBFT block headers (extraData longer than 32 bytes)
    rpc_poa: bool = True
    #: JSON-RPC: HTTP timeout of one request (seconds)
    rpc_timeout: float = Field(default=30.0, gt=0)
    #: JSON-RPC: most calls in one batch request (0 or 1: no batches, for nodes that refuse them)
    rpc_batch_size: int = Field(default=200, ge=0)
    #: JSON-RPC ``init`` on a network with priced gas: a file holding the hex private key of a
    #: funded account that pays for the admin (e.g. a dev chain's first account)
    funding_key_file: Path | None = None
    #: how long to wait for a receipt before reporting the chain unavailable (seconds)
    receipt_timeout: float = Field(default=120.0, gt=0)
    #: which environment this is. "production" refuses to start without a keystore passphrase
    #: from outside the data directory (``keystore_passphrase`` or ``keystore_passphrase_file``
    #: elsewhere): development's per-key passphrase files sit beside the keys
    environment: Literal["development", "production"] = "development"
    #: passphrase for keystores; empty: per-key random passphrases in ``data_dir/secrets``
    #: (development only)
    keystore_passphrase: str = Field(default="", repr=False)
    #: a file holding the keystore passphrase (a Docker/Kubernetes secret, a systemd credential,
    #: a file a KMS agent renders); used when ``keystore_passphrase`` is empty. In production it
    #: must lie outside the data directory
    keystore_passphrase_file: Path | None = None
    #: scrypt cost of new keystores (2**18 is geth's default; tests lower it)
    keystore_scrypt_n: int = Field(default=2**18, ge=2**10)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    #: most file checks (``/v1/documents/check`` and ``/receive``, ``doc check`` and ``doc
    #: receive --as``; a bank's evaluate the fingerprints of files with facts) one participant
    #: may make per ``fingerprint_check_window`` seconds; 0: no limit (docs/privacy.md)
    fingerprint_check_limit: int = Field(default=30, ge=0)
    #: the window of ``fingerprint_check_limit``, in seconds
    fingerprint_check_window: int = Field(default=60, ge=1)
    #: the consortium's fingerprint evaluator (``tradeledger evaluator serve``), e.g.
    #: ``http://127.0.0.1:8600``: a bank's gateway has the fingerprints a financing locks
    #: evaluated there (docs/fingerprints.md); empty: this gateway cannot finance
    evaluator_url: str = ""
    #: the evaluator's public key (64 hex) ``init`` puts on chain; empty: read from
    #: ``evaluator_url``
    evaluator_public_key: str = ""
    #: seconds to wait for the evaluator
    evaluator_timeout: float = Field(default=10.0, gt=0)
    #: how long a participant's on-chain standing (active or suspended) is trusted once read,
    #: in seconds; a suspension made through this gateway applies at once (docs/privacy.md)
    member_status_cache_seconds: float = Field(default=2.0, ge=0)

    # -- request handling (issue #15; docs/security.md) ------------------------------------------
    #: the largest request body the API reads, whatever its content type (bytes); larger ones
    #: are answered 413 while streaming, before more is read
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=1024)
    #: ``/metrics`` answers requests carrying ``Authorization: Bearer <this token>`` (empty: only
    #: an admin's or a regulator's API key)
    metrics_token: str = Field(default="", repr=False)
    #: most connections served at once; more are answered 503 (uvicorn ``limit_concurrency``)
    max_connections: int = Field(default=200, ge=1)
    #: an idle keep-alive connection is closed after this many seconds
    keep_alive_timeout: int = Field(default=5, ge=1)
    #: a connection whose request head (request line and headers) is not complete this many
    #: seconds after it opened, or after its last response, is closed
    header_timeout: float = Field(default=10.0, gt=0)
    #: the most bytes of request headers uvicorn's HTTP parser (h11) buffers before it refuses
    max_header_bytes: int = Field(default=16 * 1024, ge=1024)
    #: seconds a stopping server lets requests in flight finish
    shutdown_timeout: int = Field(default=30, ge=1)
    #: most registrations answered 202 (``Prefer: respond-async``) that run on at once, each
    #: waiting for its block in a worker thread; more wait for a worker before they are sent
    #: (docs/api.md). On a network with block time T seconds, at most this many / T such
    #: registrations per second.
    async_writes: int = Field(default=64, ge=1, le=1024)

    # -- the embedded chain's JSON-RPC bridge (a loopback listener of its own) ----------------
    #: its port on 127.0.0.1 (0: a free port chosen at start, advertised in DATA_DIR/node.json)
    bridge_port: int = Field(default=0, ge=0, le=65535)
    #: most calls in one JSON-RPC batch
    bridge_max_batch: int = Field(default=200, ge=1)
    #: most blocks the eth_getLogs calls of one request scan together
    bridge_max_log_blocks: int = Field(default=5_000, ge=1)
    #: largest JSON-RPC answer (bytes)
    bridge_max_response: int = Field(default=10 * 1024 * 1024, ge=1024)
    #: JSON-RPC client: most blocks one eth_getLogs call asks a node for; longer ranges are sent
    #: in parts (nodes cap ranges: Besu's --rpc-max-logs-range, the bridge's max_log_blocks)
    rpc_log_range: int = Field(default=2_000, ge=1)

    @field_validator("chain_url")
    @classmethod
    def _chain_url_scheme(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be empty (embedded chain) or an http(s):// JSON-RPC URL")
        # a port beyond 65535 or no host: a traceback at the first call
        return _empty_or_url(value, "embedded chain")

    @field_validator("evaluator_url")
    @classmethod
    def _evaluator_url(cls, value: str) -> str:
        return _empty_or_url(value, "no evaluator")

    @field_validator("keystore_passphrase")
    @classmethod
    def _no_placeholder(cls, value: str) -> str:
        return _check_passphrase(value)

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token(cls, value: str) -> str:
        if value and len(value) < 16:
            raise ValueError("must be empty (API keys only) or at least 16 characters")
        return _check_passphrase(value)

    @model_validator(mode="after")
    def _passphrase_from_file(self) -> Settings:
        if self.keystore_passphrase_file is not None and not self.keystore_passphrase:
            if self.environment == "production" and _inside(
                self.keystore_passphrase_file, self.data_dir
            ):
                raise ValueError(
                    f"keystore_passphrase_file: {self.keystore_passphrase_file} lies inside the "
                    f"data directory {self.data_dir}; in production the passphrase must come "
                    "from outside it (a secret mounted elsewhere, or "
                    "TRADELEDGER_KEYSTORE_PASSPHRASE), or a copy of the directory is a copy of "
                    "every key"
                )
            try:
                text = self.keystore_passphrase_file.read_text().rstrip("\r\n")
            except OSError as exc:
                raise ValueError(
                    f"keystore_passphrase_file: cannot read it ({exc.strerror})"
                ) from None
            if not text:
                raise ValueError("keystore_passphrase_file: the file is empty")
            self.keystore_passphrase = _check_passphrase(text)
        if self.environment == "production" and not self.keystore_passphrase:
            raise ValueError(
                "keystore_passphrase: environment is production but no keystore passphrase "
                "source is set: set TRADELEDGER_KEYSTORE_PASSPHRASE_FILE (a file outside the "
                "data directory: a Docker/Kubernetes secret, a systemd credential, a file a KMS "
                "agent renders) or TRADELEDGER_KEYSTORE_PASSPHRASE. Without one each key's "
                f"passphrase is written beside it in {self.data_dir / 'secrets'}, so a copy of "
                "the directory is a copy of every key (docs/security.md)"
            )
        return self

    @model_validator(mode="after")
    def _evaluator_url_from_data_dir(self) -> Settings:
        """Without TRADELEDGER_EVALUATOR_URL, the URL the gateway of this data directory was
        last served with (:func:`record_evaluator_url`): the CLI in a second terminal reaches
        the same evaluator as the server beside it."""
        if not self.evaluator_url:
            path = self.data_dir / EVALUATOR_FILE
            try:
                found = json.loads(path.read_text()).get("url", "")
            except (OSError, ValueError, AttributeError):
                found = ""
            if isinstance(found, str) and found.startswith(("http://", "https://")):
                self.evaluator_url = found
        return self

    # -- paths -------------------------------------------------------------------------------

    @property
    def manifest_path(self) -> Path:
        return self.data_dir / "manifest.json"

    @property
    def chain_dir(self) -> Path:
        return self.data_dir / "chain"

    @property
    def keystore_dir(self) -> Path:
        return self.data_dir / "keystore"

    @property
    def secrets_dir(self) -> Path:
        return self.data_dir / "secrets"

    @property
    def embedded(self) -> bool:
        return not self.chain_url

    def index_db_url(self) -> str:
        return self.index_url or f"sqlite:///{self.data_dir / 'index.sqlite'}"

    def gateway_db(self) -> str:
        return self.gateway_db_url or f"sqlite:///{self.data_dir / 'gateway.sqlite'}"


def env_name(field: str) -> str:
    """The environment variable of a setting: ``chain_url`` → ``TRADELEDGER_CHAIN_URL``."""
    return ENV_PREFIX + field.upper()


def _quoted(value: object) -> str:
    return "an empty value" if value == "" else repr(str(value))


def _setting_rule(error: Mapping[str, Any], field: str) -> str:
    """One pydantic error of a setting as the rule it broke, in the gateway's words (a tryout
    read ``TRADELEDGER_PORT: Input should be less than or equal to 65535``), quoting the value
    only for numbers, flags and choices (never a passphrase's or a URL's text), and saying the
    default when the value was left empty."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    given = error.get("input")
    default = Settings.model_fields[field].default if field in Settings.model_fields else None
    unset = (
        f"; unset it to take the default {default}"
        if given == "" and default is not None and not callable(default)
        else ""
    )
    bounds = {
        "less_than_equal": ("at most", "le"),
        "greater_than_equal": ("at least", "ge"),
        "less_than": ("less than", "lt"),
        "greater_than": ("greater than", "gt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        bound = ctx.get(key)
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)
        return f"must be {words} {bound}, not {given}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number written in digits, not {_quoted(given)}{unset}"
    if kind in ("float_parsing", "float_type"):
        return f"must be a number written in digits (such as 2.5), not {_quoted(given)}{unset}"
    if kind in ("bool_parsing", "bool_type"):
        return f"must be true or false (or 1/0, yes/no, on/off), not {_quoted(given)}{unset}"
    if kind in ("literal_error", "enum"):
        choices = re.findall(r"'((?:[^'\\]|\\.)*)'", str(ctx.get("expected") or ""))
        return f"must be one of {', '.join(choices)}, not {_quoted(given)}{unset}"
    if kind == "missing":
        return "is required"
    text = str(error.get("msg", "")).removeprefix("Value error, ")
    return re.sub(r"^Input should be ", "must be ", text)


def settings_problems(
    exc: ValidationError, given: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """What is wrong with the settings, as (name, rule) pairs a person reads: the name is what
    the operator set — the environment variable (``TRADELEDGER_PORT``), or the option in
    ``given`` (``{"chain_url": "--chain-url"}``) that set the field — never the Python field
    (a check across settings names its field first, ``"field: rule"``), without pydantic's
    error type, input dump and documentation link."""
    given = given or {}
    problems: list[tuple[str, str]] = []
    for error in exc.errors(include_url=False):
        parts = [str(part) for part in error.get("loc", ())]
        text = _setting_rule(error, parts[0] if parts else "")
        field = parts[0] if parts else ""
        if not field:
            head, sep, rest = text.partition(": ")
            field, text = (head, rest) if sep and head.isidentifier() else ("", text)
        if field in Settings.model_fields:
            name = given.get(field) or env_name(field)
        else:
            name = field or "settings"
        problems.append((".".join([name, *parts[1:]]), text))
    return problems


def load_settings(given: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """The settings from the environment, ``overrides`` over it (``given`` names the option
    that set each override, for errors). Raises InvalidInput naming the environment variable
    (or option) whose value is refused and why (:func:`settings_problems`), the others after
    it in the rule."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = settings_problems(exc, given)
        field, rule = problems[0]
        others = "".join(f"; {f}: {r}" for f, r in problems[1:])
        raise InvalidInput(field, rule + others) from None


def record_evaluator_url(settings: Settings) -> None:
    """Keep ``settings.evaluator_url`` in DATA_DIR/evaluator.json (when set and not kept yet),
    where the settings of later processes on this data directory find it."""
    if not settings.evaluator_url or not settings.data_dir.is_dir():
        return
    path = settings.data_dir / EVALUATOR_FILE
    text = json.dumps({"url": settings.evaluator_url}) + "\n"
    try:
        if path.exists() and path.read_text() == text:
            return
    except OSError:
        pass
    from ledger.datadir import write_private

    write_private(path, text)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, built once from the environment. Raises InvalidInput naming
    the environment variable whose value is refused (:func:`load_settings`)."""
    return load_settings()
