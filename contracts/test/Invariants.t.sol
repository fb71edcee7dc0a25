// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {LedgerTest} from "./utils/LedgerTest.sol";
import {Vm} from "./utils/Vm.sol";
import {ITradeLedger} from "../ITradeLedger.sol";
import {TradeLedger} from "../TradeLedger.sol";

/// @notice Random operations by random members on a small pool of documents and fingerprints,
///         so that financings overlap. A ghost model predicts each outcome; any disagreement is
///         counted in `violations` (a handler revert would be discarded by the fuzzer).
contract LedgerHandler {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    TradeLedger internal immutable ledger;
    address internal immutable admin;
    address[2] internal banks;
    address[3] internal registrants; // enterprise, enterprise2, bank (banks register too)
    address[4] internal suspendable; // bank, bank2, enterprise, enterprise2

    uint256 internal constant DOCS = 16;
    uint256 internal constant FPS = 24;
    uint40 internal constant MATURITY = 4_000_000_000;

    /// @dev the current document of each pool slot; a revoked or superseded one is replaced by
    ///      a fresh hash (its successor, for supersession) so the pool never runs dry
    bytes32[DOCS] public docs;
    /// @dev every document hash the pool ever held (the invariants check all of them)
    bytes32[] public allDocs;
    uint256 internal generation;
    bytes32[FPS] public fingerprints;

    struct GhostDoc {
        address registrant;
        uint8 status; // 0 none, 1 active, 2 revoked, 3 superseded
        bytes3 currency;
        uint64 faceValue;
    }

    struct GhostFinancing {
        address bank;
        uint8 status; // 1 active, 2 closed, 3 cancelled
        uint64 amount;
        uint64 drawn;
        uint64 repaid;
        bytes32[] docs;
        uint64[] amounts;
        bytes32[][] fps;
    }

    mapping(bytes32 => GhostDoc) public ghostDoc;
    mapping(uint256 => GhostFinancing) internal ghostFin;
    mapping(bytes32 => uint256) public ghostHolder;
    mapping(address => bool) public ghostSuspended;
    uint256 public financings;
    uint256 public violations;
    string public lastViolation;
    mapping(bytes32 => uint256) public calls;
    mapping(bytes32 => uint256) public successes;
    mapping(uint8 => uint256) public refusals;

    constructor(TradeLedger ledger_, address admin_, address[2] memory banks_, address[2] memory enterprises) {
        ledger = ledger_;
        admin = admin_;
        banks = banks_;
        registrants = [enterprises[0], enterprises[1], banks_[0]];
        suspendable = [banks_[0], banks_[1], enterprises[0], enterprises[1]];
        for (uint256 i = 0; i < DOCS; ++i) {
            docs[i] = keccak256(abi.encode("inv-doc", i));
            allDocs.push(docs[i]);
            // most of the pool starts registered, so that short fuzz runs reach financing
            if (i < DOCS - 4) _registerNow(docs[i], registrants[i % 3]);
        }
        for (uint256 i = 0; i < FPS; ++i) {
            fingerprints[i] = keccak256(abi.encode("inv-fp", i));
        }
    }

    function allDocsLength() external view returns (uint256) {
        return allDocs.length;
    }

    function _replaceSlot(uint256 slot, bytes32 next) internal {
        docs[slot] = next;
        allDocs.push(next);
        // a fresh document is usually registered right away (by an active registrant)
        if (ghostDoc[next].status == 0 && uint256(next) % 4 != 0) {
            address who = registrants[uint256(next) % 3];
            if (!ghostSuspended[who]) _registerNow(next, who);
        }
    }

    function _registerNow(bytes32 d, address who) internal {
        vm.prank(who);
        ledger.registerDocument(d, ITradeLedger.DocType.INVOICE);
        ghostDoc[d].registrant = who;
        ghostDoc[d].status = 1;
    }

    function _violation(string memory what) internal {
        ++violations;
        lastViolation = what;
    }

    function _expect(bool ok, bool expected, string memory what) internal {
        if (ok != expected) _violation(string.concat(what, ok ? ": succeeded, model says revert" : ": reverted, model says ok"));
    }

    // ---------------------------------------------------------------- documents

    function registerDoc(uint256 actorSeed, uint256 docSeed) external {
        calls["registerDoc"]++;
        address who = registrants[actorSeed % 3];
        bytes32 d = docs[docSeed % DOCS];
        bool expected = !ghostSuspended[who] && ghostDoc[d].status == 0;
        vm.prank(who);
        try ledger.registerDocument(d, ITradeLedger.DocType.INVOICE) {
            ghostDoc[d].registrant = who;
            ghostDoc[d].status = 1;
            _expect(true, expected, "register");
        } catch {
            _expect(false, expected, "register");
        }
    }

    function revokeDoc(uint256 actorSeed, uint256 docSeed) external {
        calls["revokeDoc"]++;
        if (actorSeed % 3 != 0) return; // rarer than registration, or the pool runs dry
        bytes32 d = docs[docSeed % DOCS];
        // the registrant most of the time, sometimes the admin, sometimes someone else
        uint256 pick = (actorSeed / 3) % 4;
        address who = pick == 0 ? admin : (pick == 1 ? registrants[(actorSeed / 12) % 3] : ghostDoc[d].registrant);
        if (who == address(0)) who = registrants[0];
        GhostDoc storage g = ghostDoc[d];
        bool expected = !ghostSuspended[who] && g.status == 1 && (who == admin || who == g.registrant);
        vm.prank(who);
        try ledger.revokeDocument(d, 1) {
            g.status = 2;
            _replaceSlot(docSeed % DOCS, keccak256(abi.encode("inv-doc", docSeed % DOCS, ++generation)));
            successes["revoke"]++;
            _expect(true, expected, "revoke");
        } catch {
            _expect(false, expected, "revoke");
        }
    }

    function supersedeDoc(uint256 docSeed, uint256 newSeed) external {
        calls["supersedeDoc"]++;
        if (newSeed % 3 != 0) return;
        bytes32 d = docs[docSeed % DOCS];
        // mostly a fresh amendment; sometimes a pool document (already registered or not)
        bytes32 n = newSeed % 5 == 0 ? docs[(newSeed / 5) % DOCS] : keccak256(abi.encode("amend", d, newSeed));
        GhostDoc storage g = ghostDoc[d];
        address who = g.registrant == address(0) ? registrants[0] : g.registrant;
        bool expected = !ghostSuspended[who] && g.status == 1 && g.registrant == who && n != d && ghostDoc[n].status == 0;
        vm.prank(who);
        try ledger.supersedeDocument(d, n) {
            g.status = 3;
            successes["supersede"]++;
            ghostDoc[n].registrant = who;
            ghostDoc[n].status = 1;
            uint256 taken = newSeed / 5 % DOCS;
            if (docs[taken] == n) _replaceSlot(taken, keccak256(abi.encode("inv-doc", 99, ++generation)));
            _replaceSlot(docSeed % DOCS, n);
            _expect(true, expected, "supersede");
        } catch {
            _expect(false, expected, "supersede");
        }
    }

    // ---------------------------------------------------------------- financing

    struct Plan {
        ITradeLedger.DocumentPledge[] pledges;
        bytes3 currency;
        ITradeLedger.RefusalReason reason;
        uint256 total;
    }

    /// @dev Up to three ascending documents, each with 1..3 fingerprints drawn without
    ///      replacement from the shared pool (so different financings overlap).
    function _plan(uint256 seed) internal view returns (Plan memory plan) {
        uint256 nDocs = 1 + seed % 3;
        bool[DOCS] memory usedDoc;
        bool[FPS] memory usedFp;
        bytes32[] memory chosen = new bytes32[](nDocs);
        uint256 n = 0;
        for (uint256 i = 0; i < nDocs; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, "doc", i)));
            if (r % 6 == 0) {
                // a retired (revoked or superseded) document, or any document ever seen
                bytes32 old = allDocs[(r >> 8) % allDocs.length];
                bool dup = false;
                for (uint256 j = 0; j < n; ++j) {
                    dup = dup || chosen[j] == old;
                }
                if (!dup) chosen[n++] = old;
                continue;
            }
            uint256 k = r % DOCS;
            if (usedDoc[k]) continue;
            usedDoc[k] = true;
            bool dup2 = false;
            for (uint256 j = 0; j < n; ++j) {
                dup2 = dup2 || chosen[j] == docs[k];
            }
            if (!dup2) chosen[n++] = docs[k];
        }
        // sort ascending
        for (uint256 i = 1; i < n; ++i) {
            bytes32 key = chosen[i];
            uint256 j = i;
            while (j > 0 && chosen[j - 1] > key) {
                chosen[j] = chosen[j - 1];
                --j;
            }
            chosen[j] = key;
        }
        plan.currency = (seed >> 128) % 4 == 0 ? bytes3("USD") : bytes3("EUR");
        plan.pledges = new ITradeLedger.DocumentPledge[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, "pledge", i)));
            uint256 nf = 1 + r % 3;
            bytes32[] memory f = new bytes32[](nf);
            uint256 m = 0;
            for (uint256 j = 0; j < nf; ++j) {
                uint256 k = uint256(keccak256(abi.encode(r, j))) % FPS;
                if (usedFp[k]) continue;
                usedFp[k] = true;
                f[m++] = fingerprints[k];
            }
            assembly ("memory-safe") {
                mstore(f, m)
            }
            if (m == 0) {
                // every candidate was taken by an earlier document: use a fresh one
                f = new bytes32[](1);
                f[0] = keccak256(abi.encode(seed, "fresh", i));
            }
            _sort(f);
            GhostDoc storage g = ghostDoc[chosen[i]];
            uint64 face = g.faceValue != 0 && r % 11 != 0 ? g.faceValue : uint64(100 + (r >> 8) % 1000);
            uint64 amount = uint64(1 + (r >> 32) % (r % 5 == 0 ? uint256(face) * 3 / 2 : uint256(face) * 2 / 3));
            plan.pledges[i] = ITradeLedger.DocumentPledge(chosen[i], amount, face, f);
            plan.total += amount;
        }
        plan.reason = _modelReason(plan);
    }

    function _sort(bytes32[] memory a) internal pure {
        for (uint256 i = 1; i < a.length; ++i) {
            bytes32 key = a[i];
            uint256 j = i;
            while (j > 0 && a[j - 1] > key) {
                a[j] = a[j - 1];
                --j;
            }
            a[j] = key;
        }
    }

    function _modelReason(Plan memory plan) internal view returns (ITradeLedger.RefusalReason) {
        for (uint256 i = 0; i < plan.pledges.length; ++i) {
            ITradeLedger.DocumentPledge memory p = plan.pledges[i];
            GhostDoc storage g = ghostDoc[p.docHash];
            if (g.status == 0) return ITradeLedger.RefusalReason.DOCUMENT_NOT_REGISTERED;
            if (g.status == 2) return ITradeLedger.RefusalReason.DOCUMENT_REVOKED;
            if (g.status == 3) return ITradeLedger.RefusalReason.DOCUMENT_SUPERSEDED;
            if (g.currency != bytes3(0) && g.currency != plan.currency) return ITradeLedger.RefusalReason.CURRENCY_MISMATCH;
            if (g.faceValue != 0 && g.faceValue != p.faceValue) return ITradeLedger.RefusalReason.FACE_VALUE_MISMATCH;
            if (uint256(ghostFinanced(p.docHash)) + p.amount > p.faceValue) {
                return ITradeLedger.RefusalReason.EXCEEDS_FACE_VALUE;
            }
            for (uint256 j = 0; j < p.fingerprints.length; ++j) {
                if (ghostHolder[p.fingerprints[j]] != 0) return ITradeLedger.RefusalReason.FINGERPRINT_PLEDGED;
            }
        }
        return ITradeLedger.RefusalReason.NONE;
    }

    function finance(uint256 bankSeed, uint256 seed) external {
        calls["finance"]++;
        address who = banks[bankSeed % 2];
        Plan memory plan = _plan(seed);
        if (!ghostSuspended[who]) {
            (ITradeLedger.RefusalReason checked,,,) = ledger.checkFinancing(plan.pledges, plan.currency);
            if (checked != plan.reason) _violation("checkFinancing disagrees with the model");
        }
        vm.prank(who);
        try ledger.registerFinancing(plan.pledges, plan.currency, ITradeLedger.FinancingKind.FACTORING, MATURITY, "r")
        returns (uint256 id) {
            if (ghostSuspended[who]) _violation("suspended bank financed");
            if ((id != 0) != (plan.reason == ITradeLedger.RefusalReason.NONE)) {
                _violation(id != 0 ? "financed although the model refuses" : "refused although the model accepts");
            }
            if (id != 0) _record(id, who, plan);
            if (id != 0) successes["finance"]++;
            else refusals[uint8(plan.reason)]++;
        } catch {
            if (!ghostSuspended[who]) _violation("registerFinancing reverted");
        }
    }

    function _record(uint256 id, address who, Plan memory plan) internal {
        if (id != financings + 1) _violation("financing ids not sequential");
        financings = id;
        GhostFinancing storage f = ghostFin[id];
        f.bank = who;
        f.status = 1;
        f.amount = uint64(plan.total);
        for (uint256 i = 0; i < plan.pledges.length; ++i) {
            ITradeLedger.DocumentPledge memory p = plan.pledges[i];
            f.docs.push(p.docHash);
            f.amounts.push(p.amount);
            f.fps.push(p.fingerprints);
            GhostDoc storage g = ghostDoc[p.docHash];
            g.currency = plan.currency;
            g.faceValue = p.faceValue;
            for (uint256 j = 0; j < p.fingerprints.length; ++j) {
                ghostHolder[p.fingerprints[j]] = id;
            }
        }
    }

    function _pick(uint256 seed) internal view returns (uint256 id) {
        if (financings == 0) return 0;
        return 1 + seed % financings;
    }

    function drawdown(uint256 finSeed, uint64 amount) external {
        calls["drawdown"]++;
        uint256 id = _pick(finSeed);
        if (id == 0) return;
        GhostFinancing storage f = ghostFin[id];
        amount = uint64(amount % (uint256(f.amount - f.drawn) + 3)); // includes 0 and over-limit
        bool expected = f.status == 1 && !ghostSuspended[f.bank] && amount > 0 && amount <= f.amount - f.drawn;
        vm.prank(f.bank);
        try ledger.drawdown(id, amount) {
            f.drawn += amount;
            successes["drawdown"]++;
            _expect(true, expected, "drawdown");
        } catch {
            _expect(false, expected, "drawdown");
        }
    }

    function repay(uint256 finSeed, uint64 amount) external {
        calls["repay"]++;
        uint256 id = _pick(finSeed);
        if (id == 0) return;
        GhostFinancing storage f = ghostFin[id];
        amount = uint64(amount % (uint256(f.drawn - f.repaid) + 3));
        bool expected = f.status == 1 && !ghostSuspended[f.bank] && amount > 0 && amount <= f.drawn - f.repaid;
        vm.prank(f.bank);
        try ledger.repay(id, amount) {
            f.repaid += amount;
            successes["repay"]++;
            _expect(true, expected, "repay");
        } catch {
            _expect(false, expected, "repay");
        }
    }

    function _releases(GhostFinancing storage f) internal view returns (ITradeLedger.DocumentRelease[] memory r) {
        r = new ITradeLedger.DocumentRelease[](f.docs.length);
        for (uint256 i = 0; i < f.docs.length; ++i) {
            r[i] = ITradeLedger.DocumentRelease(f.docs[i], f.fps[i]);
        }
    }

    function _released(uint256 id, uint8 status) internal {
        GhostFinancing storage f = ghostFin[id];
        f.status = status;
        for (uint256 i = 0; i < f.docs.length; ++i) {
            for (uint256 j = 0; j < f.fps[i].length; ++j) {
                ghostHolder[f.fps[i][j]] = 0;
            }
        }
    }

    function close(uint256 finSeed, bool repayFirst) external {
        calls["close"]++;
        uint256 id = _pick(finSeed);
        if (id == 0) return;
        GhostFinancing storage f = ghostFin[id];
        if (repayFirst && f.status == 1 && !ghostSuspended[f.bank] && f.drawn > f.repaid) {
            vm.prank(f.bank);
            ledger.repay(id, f.drawn - f.repaid);
            f.repaid = f.drawn;
        }
        bool expected = f.status == 1 && !ghostSuspended[f.bank] && f.drawn == f.repaid;
        vm.prank(f.bank);
        try ledger.closeFinancing(id, _releases(f)) {
            _released(id, 2);
            successes["close"]++;
            _expect(true, expected, "close");
        } catch {
            _expect(false, expected, "close");
        }
    }

    function cancel(uint256 finSeed, bool dropOneFingerprint) external {
        calls["cancel"]++;
        uint256 id = _pick(finSeed);
        if (id == 0) return;
        GhostFinancing storage f = ghostFin[id];
        ITradeLedger.DocumentRelease[] memory r = _releases(f);
        bool incomplete = false;
        if (dropOneFingerprint && r[0].fingerprints.length > 1) {
            bytes32[] memory shorter = new bytes32[](r[0].fingerprints.length - 1);
            for (uint256 j = 0; j < shorter.length; ++j) {
                shorter[j] = r[0].fingerprints[j];
            }
            r[0].fingerprints = shorter;
            incomplete = true;
        }
        bool expected = f.status == 1 && !ghostSuspended[f.bank] && !incomplete;
        vm.prank(f.bank);
        try ledger.cancelFinancing(id, 4, r) {
            _released(id, 3);
            successes["cancel"]++;
            _expect(true, expected, "cancel");
        } catch {
            _expect(false, expected, "cancel");
        }
    }

    // ---------------------------------------------------------------- membership

    function toggleSuspension(uint256 seed) external {
        calls["toggleSuspension"]++;
        address who = suspendable[seed % 4];
        vm.prank(admin);
        if (ghostSuspended[who]) {
            ledger.reinstateMember(who);
        } else {
            ledger.suspendMember(who);
        }
        ghostSuspended[who] = !ghostSuspended[who];
    }

    // ---------------------------------------------------------------- ghost reads

    function ghostFinanced(bytes32 d) public view returns (uint256 sum) {
        for (uint256 id = 1; id <= financings; ++id) {
            GhostFinancing storage f = ghostFin[id];
            if (f.status != 1) continue;
            for (uint256 i = 0; i < f.docs.length; ++i) {
                if (f.docs[i] == d) sum += f.amounts[i];
            }
        }
    }

    function ghostFinancing(uint256 id) external view returns (address, uint8, uint64, uint64, uint64) {
        GhostFinancing storage f = ghostFin[id];
        return (f.bank, f.status, f.amount, f.drawn, f.repaid);
    }

    /// @dev How many active ghost financings pledge fingerprint `fp` (must be <= 1).
    function ghostHolders(bytes32 fp) external view returns (uint256 count) {
        for (uint256 id = 1; id <= financings; ++id) {
            GhostFinancing storage f = ghostFin[id];
            if (f.status != 1) continue;
            for (uint256 i = 0; i < f.docs.length; ++i) {
                for (uint256 j = 0; j < f.fps[i].length; ++j) {
                    if (f.fps[i][j] == fp) ++count;
                }
            }
        }
    }
}

contract InvariantsTest is LedgerTest {
    LedgerHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new LedgerHandler(ledger, admin, [bank, bank2], [enterprise, enterprise2]);
    }

    /// @notice forge: fuzz only the handler's functions
    function targetContracts() public view returns (address[] memory t) {
        t = new address[](1);
        t[0] = address(handler);
    }

    /// @notice The handler reaches every path the invariants are about (a deterministic walk).
    function test_handler_exercises_every_path() public {
        for (uint256 i = 0; i < 600; ++i) {
            uint256 r = uint256(keccak256(abi.encode(i)));
            uint256 op = r % 10;
            if (op < 2) handler.registerDoc(r >> 8, r >> 16);
            else if (op == 2) handler.revokeDoc(r >> 8, r >> 16);
            else if (op == 3) handler.supersedeDoc(r >> 8, r >> 16);
            else if (op < 6) handler.finance(r >> 8, r >> 16);
            else if (op == 6) handler.drawdown(r >> 8, uint64(r >> 16));
            else if (op == 7) handler.repay(r >> 8, uint64(r >> 16));
            else if (op == 8) handler.close(r >> 8, (r >> 16) % 2 == 0);
            else if (r % 31 == 0) handler.toggleSuspension(r >> 8);
            else handler.cancel(r >> 8, (r >> 16) % 3 == 0);
        }
        assertEq(handler.violations(), 0, "violations");
        string[6] memory ops = ["finance", "drawdown", "repay", "close", "cancel", "revoke"];
        for (uint256 i = 0; i < ops.length; ++i) {
            assertTrue(handler.successes(bytes32(bytes(ops[i]))) > 0, string.concat("never succeeded: ", ops[i]));
        }
        for (uint8 reason = 1; reason <= 7; ++reason) {
            assertTrue(handler.refusals(reason) > 0, string.concat("refusal reason never seen: ", vm.toString(reason)));
        }
    }

    function invariant_model_agrees_with_every_outcome() public view {
        if (handler.violations() != 0) revert AssertionFailed(handler.lastViolation());
    }

    function invariant_document_financed_amount_is_sum_of_active_pledges_and_within_face_value() public view {
        uint256 n = handler.allDocsLength();
        for (uint256 i = 0; i < n; ++i) {
            bytes32 d = handler.allDocs(i);
            ITradeLedger.DocumentRecord memory r = ledger.getDocument(d);
            assertEq(r.financedAmount, handler.ghostFinanced(d), "financedAmount == sum of active pledges");
            assertTrue(r.financedAmount <= r.faceValue, "financedAmount <= faceValue");
            (, uint8 status,,) = handler.ghostDoc(d);
            assertEq(uint8(r.status), status, "document status");
        }
    }

    function invariant_fingerprint_held_by_at_most_one_active_financing() public view {
        for (uint256 i = 0; i < 24; ++i) {
            bytes32 fp = handler.fingerprints(i);
            uint256 holders = handler.ghostHolders(fp);
            assertTrue(holders <= 1, "fingerprint pledged twice");
            uint256 holder = ledger.fingerprintHolder(fp);
            assertEq(holder, handler.ghostHolder(fp), "fingerprintHolder");
            if (holder != 0) {
                assertEq(uint8(ledger.getFinancing(holder).status), 1, "holder is active");
            }
        }
    }

    function invariant_financing_drawn_and_repaid_within_limits() public view {
        uint256 n = ledger.financingCount();
        assertEq(n, handler.financings(), "financing count");
        for (uint256 id = 1; id <= n; ++id) {
            ITradeLedger.FinancingRecord memory f = ledger.getFinancing(id);
            (address bankAddr, uint8 status, uint64 amount, uint64 drawn, uint64 repaid) = handler.ghostFinancing(id);
            assertTrue(f.drawn <= f.amount, "drawn <= amount");
            assertTrue(f.repaid <= f.drawn, "repaid <= drawn");
            assertEq(f.bank, bankAddr, "bank");
            assertEq(uint8(f.status), status, "status");
            assertEq(f.amount, amount, "amount");
            assertEq(f.drawn, drawn, "drawn");
            assertEq(f.repaid, repaid, "repaid");
        }
    }
}
