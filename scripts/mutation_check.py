#!/usr/bin/env python3
"""Check that the Foundry suite catches deliberately broken variants of the contracts.

    python scripts/mutation_check.py            # every mutant; exit 1 unless all are caught
    python scripts/mutation_check.py --list     # describe the mutants
    python scripts/mutation_check.py -m suspended-member-may-write
    python scripts/mutation_check.py --jobs 1 --invariant-runs 64   # one at a time, full campaign

Each mutant is one exact text replacement in one contract source, applied to a temporary copy
of the tree (contracts/, foundry.toml, scripts/solc, a symlink to node_modules); the working
tree is never touched. A mutant is caught when ``forge test`` fails on it; the failing tests are
reported, so we know which test guards which rule.

Mutants run ``--jobs`` at a time (default: one per CPU; each compiles with solc-js, one core)
and with a short invariant campaign (``--invariant-runs``, default 16 runs of the configured
depth: every mutant is also caught by a unit test, and the unmutated suite runs the whole
campaign in ``scripts/test_contracts.sh``): CI's mutation step took 16 minutes one at a time
with the full campaign.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FORGE = ROOT / "node_modules" / "@foundry-rs" / "forge-linux-amd64" / "bin" / "forge"
FIN = "contracts/modules/FinancingRegistry.sol"
MEM = "contracts/modules/Membership.sol"


@dataclass(frozen=True)
class Mutant:
    name: str
    rule: str
    path: str
    old: str
    new: str


MUTANTS = (
    Mutant(
        "governance-threshold-ignored",
        "a proposal takes effect only when M active ADMINs approved it",
        MEM,
        "if (m == 1 || _validApprovals(proposalId) >= m) {",
        "if (true) {",
    ),
    Mutant(
        "governance-double-approval",
        "an ADMIN approves a proposal once",
        MEM,
        "if (_approved[proposalId][msg.sender]) revert ProposalAlreadyApproved(",
        "if (false) revert ProposalAlreadyApproved(",
    ),
    Mutant(
        "governance-direct-change-above-M1",
        "above M = 1 no single key changes the consortium directly",
        MEM,
        "if (m > 1) revert ProposalRequired(m);",
        "",
    ),
    Mutant(
        "suspended-member-may-write",
        "a suspended member's writes revert",
        MEM,
        "if (packed & _ACTIVE_BIT == 0) revert MemberNotActive(account);",
        "",
    ),
    Mutant(
        "fingerprint-lock-not-checked",
        "a fingerprint held by an active financing cannot be locked again",
        FIN,
        "if (!held && _locks[fingerprints[i]] != 0) held = true;",
        "",
    ),
    Mutant(
        "refusal-locks-as-it-checks",
        "a refused attempt changes nothing (here: one pass locks while checking, so a "
        "refusal leaves the fingerprints before the held one locked)",
        FIN,
        "if (!held && _locks[fingerprints[i]] != 0) held = true;",
        "if (!held && _locks[fingerprints[i]] != 0) held = true;\n"
        "            if (!held) _locks[fingerprints[i]] = _financingCount + 1;",
    ),
    Mutant(
        "release-keeps-lock",
        "close/cancel free the financing's fingerprints",
        FIN,
        "delete _locks[fp];",
        "",
    ),
    Mutant(
        "release-count-not-checked",
        "close/cancel hand back every fingerprint of the financing",
        FIN,
        "if (n != expected) revert IncompleteRelease(financingId, expected, n);",
        "",
    ),
    Mutant(
        "release-accepts-any-held-fingerprint",
        "a release frees only this financing's fingerprints, never another's",
        FIN,
        "if (_locks[fp] != financingId) revert ReleaseMismatch(financingId, fp);",
        "if (_locks[fp] == 0) revert ReleaseMismatch(financingId, fp);",
    ),
    Mutant(
        "any-bank-writes-any-financing",
        "only the financing's bank records entries, closes or cancels it",
        FIN,
        "if (fin == 0) revert FinancingNotFound(financingId);\n"
        "        if (uint32(fin) != callerId) revert NotFinancingBank(financingId, msg.sender);",
        "if (fin == 0) revert FinancingNotFound(financingId);",
    ),
    Mutant(
        "entry-on-inactive-financing",
        "no entry, close or cancel on a closed or cancelled financing",
        FIN,
        "if (status != _F_ACTIVE) revert FinancingNotActive(financingId, FinancingStatus(status));",
        "",
    ),
    Mutant(
        "recipients-include-suspended",
        "terms are encrypted only to active members (a suspended regulator is no recipient)",
        MEM,
        "if (packed & _ACTIVE_BIT == 0 || Role(uint8(packed >> _ROLE_SHIFT)) != role) continue;",
        "if (Role(uint8(packed >> _ROLE_SHIFT)) != role) continue;",
    ),
    Mutant(
        "onboarding-key-ignored",
        "an ADD_MEMBER proposal's data publishes the new member's encryption key",
        MEM,
        "if (input.data != bytes32(0)) _setEncryptionKey(memberId, input.account, input.data);",
        "",
    ),
)

FAIL_LINE = re.compile(r"^\[FAIL.*\]\s+(\w+)\(\)")
# an invariant failure prints the test name on a later line: " invariant_x() (runs: 17, ..."
INVARIANT_NAME = re.compile(r"^\s+(\w+)\(\) \(runs:")
SUITE_LINE = re.compile(r"^Ran \d+ tests? for (\S+)")


def copy_tree(dest: Path) -> None:
    shutil.copytree(ROOT / "contracts", dest / "contracts")
    shutil.copy2(ROOT / "foundry.toml", dest / "foundry.toml")
    (dest / "scripts").mkdir()
    shutil.copy2(ROOT / "scripts" / "solc", dest / "scripts" / "solc")
    (dest / "node_modules").symlink_to(ROOT / "node_modules")


def apply(mutant: Mutant, tree: Path) -> None:
    path = tree / mutant.path
    text = path.read_text()
    count = text.count(mutant.old)
    if count != 1:
        raise SystemExit(f"{mutant.name}: pattern found {count} times in {mutant.path}, not once")
    path.write_text(text.replace(mutant.old, mutant.new))


def run_forge(forge: Path, tree: Path, invariant_runs: int | None = None) -> tuple[int, list[str]]:
    """Run the suite in `tree` (``invariant_runs``: the invariant campaign's runs; default:
    foundry.toml's); return (exit code, failing tests as Suite.test)."""
    env = dict(os.environ)
    if invariant_runs is not None:
        env["FOUNDRY_INVARIANT_RUNS"] = str(invariant_runs)
    proc = subprocess.run(
        [str(forge), "test", "--offline"],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    failing: list[str] = []
    suite = "?"
    pending = False
    for line in proc.stdout.splitlines():
        if line.startswith("Failing tests:"):
            break  # forge repeats the failures in a summary; the per-suite lines suffice
        name = None
        if m := SUITE_LINE.match(line):
            suite = m.group(1).rsplit(":", 1)[-1]
        elif m := FAIL_LINE.match(line):
            name = m.group(1)
        elif line.startswith("[FAIL"):
            pending = True
        elif pending and (m := INVARIANT_NAME.match(line)):
            name, pending = m.group(1), False
        if name and f"{suite}.{name}" not in failing:
            failing.append(f"{suite}.{name}")
    if proc.returncode != 0 and not failing:
        # a compile error or a crash: not a catch by a test
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
    return proc.returncode, failing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="describe the mutants and exit")
    parser.add_argument("-m", "--mutant", action="append", help="run only this mutant (repeatable)")
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="mutants run at once (default: CPUs)"
    )
    parser.add_argument(
        "--invariant-runs",
        type=int,
        default=16,
        help="invariant campaign runs per mutant (default 16; foundry.toml's: 64)",
    )
    args = parser.parse_args()
    mutants = [m for m in MUTANTS if not args.mutant or m.name in args.mutant]
    if args.list:
        for m in MUTANTS:
            print(f"{m.name}: breaks '{m.rule}' ({m.path})")
            print(f"  - {m.old}\n  + {m.new or '(deleted)'}")
        return 0
    forge = Path(os.environ.get("FORGE", DEFAULT_FORGE))

    def attempt(mutant: Mutant) -> tuple[int, list[str]]:
        with tempfile.TemporaryDirectory(prefix="tradeledger-mutant-") as tmp:
            tree = Path(tmp)
            copy_tree(tree)
            apply(mutant, tree)
            return run_forge(forge, tree, args.invariant_runs)

    survivors = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        # in the order of MUTANTS, each reported as soon as it and those before it are done
        for mutant, (code, failing) in zip(mutants, pool.map(attempt, mutants), strict=True):
            if code != 0 and failing:
                print(f"CAUGHT   {mutant.name}: {len(failing)} failing test(s)", flush=True)
                for name in failing:
                    print(f"           {name}", flush=True)
            else:
                survivors.append(mutant.name)
                why = "suite passed" if code == 0 else "forge failed without a failing test"
                print(f"SURVIVED {mutant.name}: {why}", flush=True)
    if survivors:
        print(f"{len(survivors)} mutant(s) not caught: {survivors}", file=sys.stderr)
        return 1
    print(f"all {len(mutants)} mutants caught")
    return 0


if __name__ == "__main__":
    sys.exit(main())
