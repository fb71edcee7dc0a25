"""``tradeledger audit … --as MEMBER`` refuses exactly where ``GET /v1/audit/…`` refuses that
member's API key (docs/api.md: the CLI's ``--json`` is the API's answer). A fresh-user tryout
found ``audit refusals --as <enterprise>`` printing "no refusals" and ``audit duplicates``
printing "0" where the API answered 403: the CLI picked its viewer without the API's role rule.
Both now read one table (``ledger.services.audit.READERS``).

Table-driven: every audit command × every role, the CLI's exit code and error against the API's
status and error, on one small ledger (:func:`tests.cli.cli_helpers.build_story`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from typer.main import get_command

from api.routers.audit import router
from ledger.cli import app
from ledger.services import audit
from tests.cli.cli_helpers import Story, build_story

#: each role, by the story's member of it
ROLES = {
    "admin": "admin",
    "bank": "Demo Bank A",
    "enterprise": "Demo Exporter",
    "attestor": "Demo Customs",
    "regulator": "Demo Regulator",
}
#: the CLI's exit code for a refusal (forbidden, member_suspended)
REFUSED_EXIT = 1
#: ``GET /v1/audit/…`` routes without a ``tradeledger audit`` twin, and why
NO_AUDIT_COMMAND = {
    "/v1/audit/financeable": "no CLI twin (a bank reads it through the API)",
    "/v1/audit/fingerprint-evaluations": "`tradeledger evaluator log` (needs the evaluator)",
}


@dataclass(frozen=True)
class Read:
    """One audit read: ``tradeledger audit COMMAND ARGS`` and ``GET ROUTE?PARAMS``, where
    ``{me}`` is the reader, ``{other}`` Bank B and ``{doc}`` the story's invoice; ``view`` its
    row of ``audit.READERS``."""

    command: str
    route: str
    view: str
    args: tuple[str, ...] = ()
    address: str = ""
    params: tuple[tuple[str, str], ...] = ()
    #: the command prints --json (``audit export`` streams its lines instead)
    json: bool = True


TIMELINE = "/v1/audit/documents/{doc_hash}/timeline"
ACTIVITY = "/v1/audit/members/{address}/activity"
READS: dict[str, Read] = {
    "timeline": Read("timeline", TIMELINE, "timeline", ("{doc}",)),
    "activity (own)": Read("activity", ACTIVITY, "activity", ("{me}",), "{me}"),
    "activity (another's)": Read("activity", ACTIVITY, "activity", ("{other}",), "{other}"),
    "refusals": Read("refusals", "/v1/audit/refusals", "refusals"),
    "duplicates": Read("duplicates", "/v1/audit/duplicates", "duplicates"),
    "exposure by bank": Read(
        "exposure", "/v1/audit/exposure", "exposure", ("--by", "bank"), params=(("by", "bank"),)
    ),
    "exposure by enterprise": Read(
        "exposure",
        "/v1/audit/exposure",
        "exposure",
        ("--by", "enterprise"),
        params=(("by", "enterprise"),),
    ),
    "exposure of another bank": Read(
        "exposure",
        "/v1/audit/exposure",
        "exposure",
        ("--by", "bank", "--member", "{other}"),
        params=(("by", "bank"), ("member", "{other}")),
    ),
    "export": Read("export", "/v1/audit/export", "export", ("--out", "-"), json=False),
    "verify": Read("verify", "/v1/audit/verify", "verify"),
    "fingerprint-checks": Read(
        "fingerprint-checks", "/v1/audit/fingerprint-checks", "fingerprint-checks"
    ),
}


def _fill(story: Story, me: str, text: str) -> str:
    other = story.address("Bank B")
    return text.replace("{me}", me).replace("{other}", other).replace("{doc}", story.ubl_hash)


@dataclass(frozen=True)
class Outcome:
    status: int
    error: str | None
    message: str | None


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    return build_story(tmp_path_factory.mktemp("audit-roles"))


@pytest.fixture(scope="module")
def api_outcomes(story: Story) -> dict[tuple[str, str], Outcome]:
    """The API's answer to each read, for each role (the CLI does not run meanwhile)."""
    found: dict[tuple[str, str], Outcome] = {}
    with story.api() as client:
        for name, read in READS.items():
            for role, who in ROLES.items():
                me = story.address(who)
                path = read.route.format(
                    doc_hash=story.ubl_hash, address=_fill(story, me, read.address)
                )
                params = {k: _fill(story, me, v) for k, v in read.params}
                answer = client.get(path, params=params, headers=story.headers(who))
                assert answer.status_code in (200, 403), (name, role, answer.text)
                body = answer.json() if answer.status_code != 200 else {}
                found[name, role] = Outcome(
                    answer.status_code, body.get("error"), body.get("message")
                )
    return found


@pytest.mark.parametrize("name", list(READS))
def test_the_cli_refuses_each_role_where_the_api_does(
    story: Story, api_outcomes: dict[tuple[str, str], Outcome], name: str
) -> None:
    read = READS[name]
    for role, who in ROLES.items():
        me = story.address(who)
        api = api_outcomes[name, role]
        # the one table both read says the same (a role allowed a view may still be refused
        # another member's records: activity, exposure)
        if role not in audit.READERS[read.view]:
            assert (api.status, api.error) == (403, "forbidden"), (name, role, api)
        args = ["audit", read.command, *(_fill(story, me, a) for a in read.args), "--as", me]
        code = 0 if api.status == 200 else REFUSED_EXIT
        if read.json:
            got = story.cli.run(*args, "--json", code=code).stdout
            if api.status != 200:
                body = json.loads(got)
                assert (body["error"], body["message"]) == (api.error, api.message), (name, role)
        else:
            got = story.cli.run(*args, code=code).stderr
            if api.status != 200:
                assert f"error: {api.message}" in got, (name, role, got)


def test_every_audit_command_route_and_view_is_compared() -> None:
    """A new ``tradeledger audit`` command, ``/v1/audit`` route or row of ``audit.READERS``
    fails here until it joins the comparison above (or says why it has no twin)."""
    audit_group: Any = getattr(get_command(app), "commands", {})["audit"]
    assert set(audit_group.commands) == {read.command for read in READS.values()}
    routes = {getattr(r, "path", "") for r in router.routes}
    assert routes == {read.route for read in READS.values()} | set(NO_AUDIT_COMMAND)
    assert set(audit.READERS) == {read.view for read in READS.values()} | {
        "financeable",
        "fingerprint-evaluations",
    }


def test_counts_say_whose_they_are(story: Story) -> None:
    """A bank reads its own refusals only: its count says so ("none you may read"), never a
    bare 0 that reads as "none exist"; the regulator's counts all it reads."""
    cli = story.cli
    bank_a, bank_b = story.address("Demo Bank A"), story.address("Bank B")
    regulator = story.address("Demo Regulator")
    text = cli.run("audit", "duplicates", "--as", bank_a).stdout
    assert "refusals of a document already financed: none you may read (your own)" in text
    text = cli.run("audit", "duplicates", "--as", bank_b).stdout
    assert "refusals of a document already financed: 2 you may read (your own)" in text
    text = cli.run("audit", "duplicates", "--as", regulator).stdout
    assert "refusals of a document already financed: 2\n" in text
    assert cli.run("audit", "refusals", "--as", bank_a).stdout.strip() == (
        "no refusals you may read (your own)"
    )
    refused = cli.run("audit", "refusals", "--as", story.address("Demo Exporter"), code=1)
    assert (
        "error: role enterprise may not read refused financing attempts "
        "(allowed: regulator, admin, bank)"
    ) in refused.stderr
