// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {LedgerTest} from "./utils/LedgerTest.sol";
import {Vm} from "./utils/Vm.sol";
import {ITradeLedger} from "../ITradeLedger.sol";
import {TradeLedger} from "../TradeLedger.sol";

/// @notice Random financing operations by random callers (the right bank most of the time) on a
///         small shared pool of fingerprints, so that financings overlap; random encryption keys
///         and suspensions. A ghost model predicts each outcome — success, refusal, or the exact
///         revert data — and any disagreement is counted in `violations` (a handler revert would
///         be discarded by the fuzzer).
contract LedgerHandler {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    TradeLedger internal immutable ledger;
    address internal immutable admin;
    /// @dev every member of the fixture, in member-id order, then one unknown address
    address[] public people;
    /// @dev who calls the financing functions (weighted towards the two banks)
    address[] internal actors;
    /// @dev whom `toggleSuspension` suspends and reinstates
    address[] internal suspendable;

    uint256 public constant FPS = 24;
    bytes32[FPS] public fingerprints;
    bytes32 internal constant COMMITMENT = keccak256("handler-commitment");
    bytes4 internal constant OK = 0x00000000;
    bytes4 internal constant REFUSED = 0xffffffff;

    struct GhostFinancing {
        address bank;
        uint8 status; // 0 none, 1 active, 2 closed, 3 cancelled
        uint40 registeredAt;
        bytes32[] fps;
    }

    mapping(uint256 => GhostFinancing) internal ghostFin;
    mapping(bytes32 => uint256) public ghostHolder;
    mapping(address => ITradeLedger.Role) public ghostRole;
    mapping(address => bool) public ghostActive;
    mapping(address => bytes32) public ghostKey;
    uint256 public financings;
    uint256 public violations;
    string public lastViolation;
    /// @dev how often each (operation, outcome) happened; the outcome is OK, REFUSED or the
    ///      error selector
    mapping(bytes32 => uint256) public outcomes;

    constructor(TradeLedger ledger_, address admin_, address[] memory people_, address[] memory actors_, address[] memory suspendable_) {
        ledger = ledger_;
        admin = admin_;
        people = people_;
        actors = actors_;
        suspendable = suspendable_;
        for (uint256 i = 0; i < people_.length; ++i) {
            ITradeLedger.MemberRecord memory m = ledger_.memberOf(people_[i]);
            ghostRole[people_[i]] = m.role;
            ghostActive[people_[i]] = m.active;
        }
        for (uint256 i = 0; i < FPS; ++i) {
            fingerprints[i] = keccak256(abi.encode("inv-fp", i));
        }
    }

    // ---------------------------------------------------------------- model helpers

    function seen(string memory op, bytes4 outcome) public view returns (uint256) {
        return outcomes[keccak256(abi.encode(op, outcome))];
    }

    function _violation(string memory what) internal {
        ++violations;
        lastViolation = what;
    }

    /// @dev Compares an outcome with the model's: `expected` empty = success. Returns whether
    ///      the call succeeded; counts the outcome.
    function _check(string memory op, bool ok, bytes memory ret, bytes memory expected) internal returns (bool) {
        bytes4 outcome = ok ? OK : bytes4(ret);
        outcomes[keccak256(abi.encode(op, outcome))]++;
        if (ok && expected.length != 0) _violation(string.concat(op, ": succeeded, model says revert"));
        if (!ok && expected.length == 0) _violation(string.concat(op, ": reverted, model says ok"));
        if (!ok && expected.length != 0 && keccak256(ret) != keccak256(expected)) {
            _violation(string.concat(op, ": wrong revert data"));
        }
        return ok;
    }

    /// @dev The error for `who` calling a BANK-only function ("" when allowed).
    function _bankError(address who) internal view returns (bytes memory) {
        ITradeLedger.Role role = ghostRole[who];
        if (role == ITradeLedger.Role.NONE) return abi.encodeWithSelector(ITradeLedger.NotAMember.selector, who);
        if (!ghostActive[who]) return abi.encodeWithSelector(ITradeLedger.MemberNotActive.selector, who);
        if (role != ITradeLedger.Role.BANK) return abi.encodeWithSelector(ITradeLedger.RoleNotAllowed.selector, who, role);
        return "";
    }

    /// @dev The error for `who` writing on financing `id` as its bank ("" when allowed).
    function _ownActiveError(uint256 id, address who) internal view returns (bytes memory err) {
        err = _bankError(who);
        if (err.length != 0) return err;
        GhostFinancing storage f = ghostFin[id];
        if (f.status == 0) return abi.encodeWithSelector(ITradeLedger.FinancingNotFound.selector, id);
        if (f.bank != who) return abi.encodeWithSelector(ITradeLedger.NotFinancingBank.selector, id, who);
        if (f.status != 1) {
            return abi.encodeWithSelector(ITradeLedger.FinancingNotActive.selector, id, ITradeLedger.FinancingStatus(f.status));
        }
    }

    /// @dev A release hands back strictly ascending fingerprints, each held by `id`, all of them.
    function _releaseError(uint256 id, bytes32[] memory list) internal view returns (bytes memory) {
        for (uint256 i = 0; i < list.length; ++i) {
            if (i > 0 && list[i] <= list[i - 1]) return abi.encodeWithSelector(ITradeLedger.FingerprintsNotSorted.selector, i);
            if (ghostHolder[list[i]] != id) return abi.encodeWithSelector(ITradeLedger.ReleaseMismatch.selector, id, list[i]);
        }
        uint256 n = ghostFin[id].fps.length;
        if (list.length != n) return abi.encodeWithSelector(ITradeLedger.IncompleteRelease.selector, id, n, list.length);
        return "";
    }

    /// @dev A digest of everything a financing write may change: the count and every lock of
    ///      the pool and of every financing.
    function _digest() internal view returns (bytes32 d) {
        d = keccak256(abi.encode(ledger.financingCount()));
        for (uint256 i = 0; i < FPS; ++i) {
            d = keccak256(abi.encode(d, ledger.fingerprintHolder(fingerprints[i])));
        }
        for (uint256 id = 1; id <= financings; ++id) {
            d = keccak256(abi.encode(d, ledger.getFinancing(id)));
            d = keccak256(abi.encode(d, ledger.fingerprintHolders(ghostFin[id].fps)));
        }
    }

    function _pick(uint256 seed) internal view returns (uint256) {
        // sometimes an unknown id (0 or the next one)
        if (seed % 13 == 0) return seed % 2 == 0 ? 0 : financings + 1;
        if (financings == 0) return 0;
        return 1 + seed % financings;
    }

    /// @dev The financing's bank five times in eight, the other bank once, else anyone.
    function _actorFor(uint256 id, uint256 seed) internal view returns (address) {
        address bank = ghostFin[id].bank;
        uint256 k = seed % 8;
        if (bank != address(0) && k < 5) return bank;
        if (k == 5) return bank == actors[0] ? actors[1] : actors[0];
        return actors[(seed / 8) % actors.length];
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

    /// @dev 1..4 distinct pool fingerprints, ascending; sometimes one outside the pool.
    function _request(uint256 seed) internal view returns (bytes32[] memory f) {
        uint256 want = 1 + seed % 4;
        bool[FPS] memory used;
        f = new bytes32[](want + 1);
        uint256 n = 0;
        for (uint256 j = 0; j < want; ++j) {
            uint256 k = uint256(keccak256(abi.encode(seed, j))) % FPS;
            if (used[k]) continue;
            used[k] = true;
            f[n++] = fingerprints[k];
        }
        if ((seed >> 64) % 8 == 0) f[n++] = keccak256(abi.encode("outside", seed));
        assembly ("memory-safe") {
            mstore(f, n)
        }
        _sort(f);
    }

    // ---------------------------------------------------------------- financing

    function finance(uint256 actorSeed, uint256 seed) external {
        address who = actorSeed % 3 != 0 ? actors[actorSeed % 2] : actors[(actorSeed / 3) % actors.length];
        bytes32[] memory f = _request(seed);
        bytes memory err = _bankError(who);
        if (f.length > 1 && (seed >> 96) % 12 == 0) {
            (f[0], f[1]) = (f[1], f[0]); // malformed
            if (err.length == 0) err = abi.encodeWithSelector(ITradeLedger.FingerprintsNotSorted.selector, 1);
        }
        bool held = false;
        for (uint256 i = 0; i < f.length; ++i) {
            held = held || ghostHolder[f[i]] != 0;
        }
        vm.warp(block.timestamp + (seed >> 128) % 1000);
        bytes memory t = abi.encodePacked(keccak256(abi.encode("terms", seed)));
        bytes32 before = _digest();
        vm.recordLogs();
        vm.prank(who);
        try ledger.registerFinancing(f, COMMITMENT, t) returns (uint256 id) {
            Vm.Log[] memory logs = vm.getRecordedLogs();
            if (err.length != 0) {
                _check("finance", true, "", err);
            } else if (held) {
                outcomes[keccak256(abi.encode("finance", REFUSED))]++;
                if (id != 0) _violation("financed although a fingerprint is held");
                if (_digest() != before) _violation("a refusal changed state");
                if (logs.length != 1 || logs[0].topics[0] != ITradeLedger.FinancingRefused.selector) {
                    _violation("a refusal without exactly one FinancingRefused");
                }
            } else {
                outcomes[keccak256(abi.encode("finance", OK))]++;
                if (id == 0) _violation("refused although every fingerprint is free");
                if (logs.length != 1 || logs[0].topics[0] != ITradeLedger.FinancingRegistered.selector) {
                    _violation("a financing without exactly one FinancingRegistered");
                }
                _record(id, who, f);
            }
        } catch (bytes memory ret) {
            vm.getRecordedLogs();
            _check("finance", false, ret, err);
        }
    }

    function _record(uint256 id, address who, bytes32[] memory f) internal {
        if (id != financings + 1) _violation("financing ids not sequential");
        financings = id;
        GhostFinancing storage g = ghostFin[id];
        g.bank = who;
        g.status = 1;
        g.registeredAt = uint40(block.timestamp);
        for (uint256 i = 0; i < f.length; ++i) {
            g.fps.push(f[i]);
            ghostHolder[f[i]] = id;
        }
    }

    function recordRefusal(uint256 actorSeed) external {
        address who = actorSeed % 2 == 0 ? actors[actorSeed % 4 / 2] : actors[(actorSeed / 2) % actors.length];
        bytes32 before = _digest();
        vm.prank(who);
        (bool ok, bytes memory ret) =
            address(ledger).call(abi.encodeCall(ledger.recordRefusal, (COMMITMENT, hex"0badc0de")));
        _check("recordRefusal", ok, ret, _bankError(who));
        if (_digest() != before) _violation("recordRefusal changed state");
    }

    function recordEntry(uint256 finSeed, uint256 actorSeed) external {
        uint256 id = _pick(finSeed);
        address who = _actorFor(id, actorSeed);
        bytes32 before = _digest();
        vm.prank(who);
        (bool ok, bytes memory ret) =
            address(ledger).call(abi.encodeCall(ledger.recordEntry, (id, COMMITMENT, hex"e0e0")));
        _check("recordEntry", ok, ret, _ownActiveError(id, who));
        if (_digest() != before) _violation("recordEntry changed state");
    }

    function shareTerms(uint256 finSeed, uint256 actorSeed) external {
        uint256 id = _pick(finSeed);
        address who = _actorFor(id, actorSeed);
        bytes memory err;
        ITradeLedger.Role role = ghostRole[who];
        if (role == ITradeLedger.Role.NONE) err = abi.encodeWithSelector(ITradeLedger.NotAMember.selector, who);
        else if (!ghostActive[who]) err = abi.encodeWithSelector(ITradeLedger.MemberNotActive.selector, who);
        else if (ghostFin[id].status == 0) err = abi.encodeWithSelector(ITradeLedger.FinancingNotFound.selector, id);
        else if (role == ITradeLedger.Role.BANK && ghostFin[id].bank != who) {
            err = abi.encodeWithSelector(ITradeLedger.NotFinancingBank.selector, id, who);
        } else if (role != ITradeLedger.Role.BANK && role != ITradeLedger.Role.REGULATOR) {
            err = abi.encodeWithSelector(ITradeLedger.RoleNotAllowed.selector, who, role);
        }
        bytes32 before = _digest();
        vm.prank(who);
        (bool ok, bytes memory ret) = address(ledger).call(abi.encodeCall(ledger.shareTerms, (id, hex"6b6579")));
        _check("shareTerms", ok, ret, err);
        if (_digest() != before) _violation("shareTerms changed state");
    }

    /// @dev The release list: exact most of the time, else one of the wrong ones.
    function _releaseList(uint256 id, uint256 variant) internal view returns (bytes32[] memory r) {
        bytes32[] storage own = ghostFin[id].fps;
        uint256 v = variant % 10;
        if (v < 6 || own.length == 0) return own;
        if (v == 6) {
            // one missing
            r = new bytes32[](own.length - 1);
            for (uint256 i = 0; i < r.length; ++i) {
                r[i] = own[i + 1];
            }
            return r;
        }
        if (v == 7 || v == 8) {
            // one more from the pool (another financing's, or free), or one replaced by it
            bytes32 extra = fingerprints[(variant / 10) % FPS];
            r = new bytes32[](own.length + (v == 7 ? 1 : 0));
            for (uint256 i = 0; i < own.length; ++i) {
                r[i] = own[i];
            }
            r[v == 7 ? own.length : 0] = extra;
            _sort(r);
            return r;
        }
        // out of order (or a repeat when there is one fingerprint only)
        r = new bytes32[](own.length < 2 ? 2 : own.length);
        for (uint256 i = 0; i < r.length; ++i) {
            r[i] = own[(r.length - 1 - i) % own.length];
        }
    }

    function _release(uint256 finSeed, uint256 actorSeed, uint256 variant, bool closing) internal {
        uint256 id = _pick(finSeed);
        address who = _actorFor(id, actorSeed);
        bytes32[] memory list = _releaseList(id, variant);
        bytes memory err = _ownActiveError(id, who);
        if (err.length == 0) err = _releaseError(id, list);
        vm.prank(who);
        (bool ok, bytes memory ret) = address(ledger).call(
            closing
                ? abi.encodeCall(ledger.closeFinancing, (id, list))
                : abi.encodeCall(ledger.cancelFinancing, (id, uint8(variant), list))
        );
        if (_check(closing ? "close" : "cancel", ok, ret, err)) {
            GhostFinancing storage f = ghostFin[id];
            f.status = closing ? 2 : 3;
            for (uint256 i = 0; i < f.fps.length; ++i) {
                ghostHolder[f.fps[i]] = 0;
            }
        }
    }

    function close(uint256 finSeed, uint256 actorSeed, uint256 variant) external {
        _release(finSeed, actorSeed, variant, true);
    }

    function cancel(uint256 finSeed, uint256 actorSeed, uint256 variant) external {
        _release(finSeed, actorSeed, variant, false);
    }

    // ---------------------------------------------------------------- membership

    function setEncryptionKey(uint256 whoSeed, uint256 keySeed) external {
        address who = people[whoSeed % people.length];
        bytes32 key = keySeed % 7 == 0 ? bytes32(0) : keccak256(abi.encode("x25519", keySeed));
        bytes memory err;
        if (ghostRole[who] == ITradeLedger.Role.NONE) err = abi.encodeWithSelector(ITradeLedger.NotAMember.selector, who);
        else if (!ghostActive[who]) err = abi.encodeWithSelector(ITradeLedger.MemberNotActive.selector, who);
        else if (key == 0) err = abi.encodeWithSelector(ITradeLedger.ZeroEncryptionKey.selector);
        vm.prank(who);
        (bool ok, bytes memory ret) = address(ledger).call(abi.encodeCall(ledger.setEncryptionKey, (key)));
        if (_check("setEncryptionKey", ok, ret, err)) ghostKey[who] = key;
    }

    function toggleSuspension(uint256 seed) external {
        address who = suspendable[seed % suspendable.length];
        // suspensions are rarer than reinstatements, so members are active most of the time
        if (ghostActive[who] && (seed >> 8) % 3 != 0) return;
        vm.prank(admin);
        if (ghostActive[who]) {
            ledger.suspendMember(who);
        } else {
            ledger.reinstateMember(who);
        }
        ghostActive[who] = !ghostActive[who];
        outcomes[keccak256(abi.encode("toggleSuspension", OK))]++;
    }

    // ---------------------------------------------------------------- ghost reads

    function peopleCount() external view returns (uint256) {
        return people.length;
    }

    function ghostFinancing(uint256 id)
        external
        view
        returns (address bank, uint8 status, uint40 registeredAt, bytes32[] memory fps)
    {
        GhostFinancing storage f = ghostFin[id];
        return (f.bank, f.status, f.registeredAt, f.fps);
    }

    /// @dev How many active ghost financings lock `fp` (the rule: at most one).
    function ghostHolders(bytes32 fp) external view returns (uint256 count) {
        for (uint256 id = 1; id <= financings; ++id) {
            GhostFinancing storage f = ghostFin[id];
            if (f.status != 1) continue;
            for (uint256 j = 0; j < f.fps.length; ++j) {
                if (f.fps[j] == fp) ++count;
            }
        }
    }

    /// @dev The model's encryption recipients of `role`: active members of the role with a key,
    ///      in member-id order.
    function ghostRecipients(ITradeLedger.Role role)
        external
        view
        returns (address[] memory accounts, bytes32[] memory keys)
    {
        accounts = new address[](people.length);
        keys = new bytes32[](people.length);
        uint256 n = 0;
        for (uint256 i = 0; i < people.length; ++i) {
            address p = people[i];
            if (ghostRole[p] != role || !ghostActive[p] || ghostKey[p] == 0) continue;
            (accounts[n], keys[n]) = (p, ghostKey[p]);
            ++n;
        }
        assembly ("memory-safe") {
            mstore(accounts, n)
            mstore(keys, n)
        }
    }
}

contract InvariantsTest is LedgerTest {
    LedgerHandler internal handler;

    function setUp() public override {
        super.setUp();
        address[] memory people = new address[](14);
        (people[0], people[1], people[2], people[3], people[4]) = (owner, admin, bank, bank2, enterprise);
        (people[5], people[6], people[7], people[8], people[9]) = (enterprise2, regulator, attestor, attestor2, suspendedAdmin);
        (people[10], people[11], people[12], people[13]) = (suspendedBank, suspendedEnterprise, suspendedAttestor, stranger);
        address[] memory actors = new address[](8);
        (actors[0], actors[1], actors[2], actors[3]) = (bank, bank2, suspendedBank, enterprise);
        (actors[4], actors[5], actors[6], actors[7]) = (regulator, admin, attestor, stranger);
        address[] memory suspendable = new address[](6);
        (suspendable[0], suspendable[1], suspendable[2]) = (bank, bank2, suspendedBank);
        (suspendable[3], suspendable[4], suspendable[5]) = (enterprise, regulator, attestor);
        handler = new LedgerHandler(ledger, admin, people, actors, suspendable);
    }

    /// @notice forge: fuzz only the handler's functions
    function targetContracts() public view returns (address[] memory t) {
        t = new address[](1);
        t[0] = address(handler);
    }

    function _step(uint256 r) internal {
        uint256 op = r % 20;
        if (op < 6) handler.finance(r >> 8, r >> 16);
        else if (op < 9) handler.recordEntry(r >> 8, r >> 24);
        else if (op < 12) handler.close(r >> 8, r >> 24, r >> 40);
        else if (op < 14) handler.cancel(r >> 8, r >> 24, r >> 40);
        else if (op == 14) handler.recordRefusal(r >> 8);
        else if (op == 15) handler.shareTerms(r >> 8, r >> 24);
        else if (op < 18) handler.setEncryptionKey(r >> 8, r >> 24);
        else if (r % 3 == 0) handler.toggleSuspension(r >> 8);
        else handler.finance(r >> 8, r >> 16);
    }

    /// @notice The handler reaches every path the invariants are about (a deterministic walk).
    function test_handler_exercises_every_path() public {
        for (uint256 i = 0; i < 800; ++i) {
            _step(uint256(keccak256(abi.encode(i))));
            if (i % 50 == 49) _checkAll();
        }
        assertEq(handler.violations(), 0, "violations");
        _seen("finance", 0x00000000);
        _seen("finance", 0xffffffff);
        _seen("finance", ITradeLedger.FingerprintsNotSorted.selector);
        _seen("finance", ITradeLedger.RoleNotAllowed.selector);
        _seen("finance", ITradeLedger.MemberNotActive.selector);
        _seen("finance", ITradeLedger.NotAMember.selector);
        _seen("recordRefusal", 0x00000000);
        _seen("recordEntry", 0x00000000);
        _seen("recordEntry", ITradeLedger.NotFinancingBank.selector);
        _seen("recordEntry", ITradeLedger.FinancingNotActive.selector);
        _seen("recordEntry", ITradeLedger.FinancingNotFound.selector);
        _seen("shareTerms", 0x00000000);
        _seen("shareTerms", ITradeLedger.RoleNotAllowed.selector);
        _seen("close", 0x00000000);
        _seen("cancel", 0x00000000);
        _seen("close", ITradeLedger.ReleaseMismatch.selector);
        _seen("close", ITradeLedger.IncompleteRelease.selector);
        _seen("close", ITradeLedger.FingerprintsNotSorted.selector);
        _seen("cancel", ITradeLedger.ReleaseMismatch.selector);
        _seen("close", ITradeLedger.FinancingNotActive.selector);
        _seen("setEncryptionKey", 0x00000000);
        _seen("setEncryptionKey", ITradeLedger.ZeroEncryptionKey.selector);
        _seen("setEncryptionKey", ITradeLedger.MemberNotActive.selector);
        _seen("toggleSuspension", 0x00000000);
    }

    function _seen(string memory op, bytes4 outcome) internal view {
        assertTrue(handler.seen(op, outcome) > 0, string.concat("never seen: ", op, " ", vm.toString(uint256(uint32(outcome)))));
    }

    function _checkAll() internal view {
        invariant_model_agrees_with_every_outcome();
        invariant_fingerprint_held_by_at_most_one_active_financing_which_holder_names();
        invariant_financings_match_the_model_and_hold_exactly_their_fingerprints();
        invariant_encryption_recipients_are_active_members_of_the_role_with_a_key();
    }

    function invariant_model_agrees_with_every_outcome() public view {
        if (handler.violations() != 0) revert AssertionFailed(handler.lastViolation());
    }

    function invariant_fingerprint_held_by_at_most_one_active_financing_which_holder_names() public view {
        uint256 n = handler.FPS();
        bytes32[] memory pool = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            pool[i] = handler.fingerprints(i);
        }
        uint256[] memory holders = ledger.fingerprintHolders(pool);
        for (uint256 i = 0; i < n; ++i) {
            bytes32 fp = pool[i];
            assertTrue(handler.ghostHolders(fp) <= 1, "fingerprint locked by two active financings");
            uint256 holder = ledger.fingerprintHolder(fp);
            assertEq(holder, handler.ghostHolder(fp), "fingerprintHolder");
            assertEq(holders[i], holder, "fingerprintHolders");
            if (holder == 0) continue;
            assertEq(uint8(ledger.getFinancing(holder).status), 1, "the holder is active");
            (,,, bytes32[] memory own) = handler.ghostFinancing(holder);
            bool found = false;
            for (uint256 j = 0; j < own.length; ++j) {
                found = found || own[j] == fp;
            }
            assertTrue(found, "the holder locked this fingerprint itself");
        }
    }

    function invariant_financings_match_the_model_and_hold_exactly_their_fingerprints() public view {
        uint256 n = ledger.financingCount();
        assertEq(n, handler.financings(), "financing count (refusals register nothing)");
        for (uint256 id = 1; id <= n; ++id) {
            ITradeLedger.FinancingRecord memory f = ledger.getFinancing(id);
            (address bankAddr, uint8 status, uint40 at, bytes32[] memory own) = handler.ghostFinancing(id);
            assertEq(f.bank, bankAddr, "bank");
            assertEq(f.bankId, ledger.memberOf(bankAddr).id, "bank id");
            assertEq(uint8(f.status), status, "status");
            assertEq(f.fingerprintCount, own.length, "fingerprint count");
            assertEq(f.registeredAt, at, "registered at");
            uint256[] memory holders = ledger.fingerprintHolders(own);
            for (uint256 j = 0; j < own.length; ++j) {
                if (status == 1) assertEq(holders[j], id, "an active financing holds all its fingerprints");
                else assertTrue(holders[j] != id, "a released financing holds none");
            }
        }
        assertEq(uint8(ledger.getFinancing(n + 1).status), 0, "no financing beyond the count");
    }

    function invariant_encryption_recipients_are_active_members_of_the_role_with_a_key() public view {
        for (uint8 r = 0; r <= uint8(ITradeLedger.Role.ATTESTOR); ++r) {
            ITradeLedger.Role role = ITradeLedger.Role(r);
            (address[] memory a, bytes32[] memory k) = ledger.encryptionRecipients(role);
            (address[] memory ga, bytes32[] memory gk) = handler.ghostRecipients(role);
            assertEq(a.length, ga.length, "recipients count");
            assertEq(k.length, ga.length, "keys count");
            for (uint256 i = 0; i < a.length; ++i) {
                assertEq(a[i], ga[i], "recipient");
                assertEq(k[i], gk[i], "recipient key");
            }
        }
        for (uint256 i = 0; i < handler.peopleCount(); ++i) {
            address p = handler.people(i);
            assertEq(ledger.encryptionKeyOf(p), handler.ghostKey(p), "encryptionKeyOf");
        }
    }
}
