// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {LedgerTest} from "./utils/LedgerTest.sol";
import {Vm} from "./utils/Vm.sol";
import {ITradeLedger} from "../ITradeLedger.sol";

/// @notice Confidential financings (issue #14): on chain a financing is its bank, its status, the
///         fingerprints it locks, a commitment and an encrypted envelope. The contract enforces
///         the duplicate rule (a fingerprint is held by at most one active financing), who may
///         write, and the shape of the envelopes; the amount rules are the gateway's and the
///         audit's (Python tests).
contract FinancingTest is LedgerTest {
    bytes32 internal constant C_B = keccak256("commitment B");
    bytes32 internal constant ENTRY_C = keccak256("entry commitment");
    uint256 internal constant MAX_TERMS = 8192;

    bytes32[] internal fpA; // 3 fingerprints, financed by `bank` in most tests
    bytes32[] internal fpB; // 2 fingerprints
    bytes internal termsB;
    bytes internal entry;

    function setUp() public override {
        super.setUp();
        fpA = fps("A", 3);
        fpB = fps("B", 2);
        termsB = envelope("terms B", TERMS_ONE_DOC);
        entry = envelope("entry", 120);
    }

    // ---------------------------------------------------------------- helpers

    function _register(address who, bytes32[] memory f, bytes32 c, bytes memory t) internal returns (uint256 id) {
        vm.prank(who);
        id = ledger.registerFinancing(f, c, t);
    }

    function _assertHolders(bytes32[] memory f, uint256 expected, string memory what) internal view {
        uint256[] memory ids = ledger.fingerprintHolders(f);
        assertEq(ids.length, f.length, string.concat(what, ": holders length"));
        for (uint256 i = 0; i < f.length; ++i) {
            assertEq(ledger.fingerprintHolder(f[i]), expected, what);
            assertEq(ids[i], expected, string.concat(what, " (batch read)"));
        }
    }

    function _assertStatus(uint256 id, ITradeLedger.FinancingStatus status, string memory what) internal view {
        assertEq(uint8(ledger.getFinancing(id).status), uint8(status), what);
    }

    /// @dev The recorded logs are exactly one FinancingRefused(bank_, c, t) from the ledger.
    function _assertOnlyRefusalLogged(address bank_, bytes32 c, bytes memory t) internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "exactly one event");
        assertEq(logs[0].emitter, address(ledger), "emitter");
        assertEq(logs[0].topics.length, 2, "topics");
        assertEq(logs[0].topics[0], ITradeLedger.FinancingRefused.selector, "event");
        assertEq(logs[0].topics[1], bytes32(uint256(uint160(bank_))), "bank topic");
        assertEq(logs[0].data, abi.encode(c, t), "commitment and terms");
    }

    // ---------------------------------------------------------------- register

    function test_register_locks_fingerprints_records_and_emits() public {
        bytes memory t = terms();
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.FinancingRegistered(1, bank, COMMITMENT, fpA, t);
        uint256 id = finance(bank, fpA);
        assertEq(id, 1, "id");
        assertEq(ledger.financingCount(), 1, "count");

        ITradeLedger.FinancingRecord memory f = ledger.getFinancing(id);
        assertEq(f.bank, bank, "bank");
        assertEq(f.bankId, 3, "bank id");
        assertEq(uint8(f.status), uint8(ITradeLedger.FinancingStatus.ACTIVE), "status");
        assertEq(f.fingerprintCount, 3, "fingerprint count");
        assertEq(f.registeredAt, T0, "registered at");
        _assertHolders(fpA, id, "locked");
        _assertHolders(fpB, 0, "others free");
    }

    /// @dev The only event is FinancingRegistered: no document, amount or pledge in clear.
    function test_register_emits_one_event_with_every_argument() public {
        bytes memory t = terms();
        vm.recordLogs();
        finance(bank, fpA);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "one event");
        assertEq(logs[0].topics.length, 3, "topics");
        assertEq(logs[0].topics[0], ITradeLedger.FinancingRegistered.selector, "event");
        assertEq(logs[0].topics[1], bytes32(uint256(1)), "id topic");
        assertEq(logs[0].topics[2], bytes32(uint256(uint160(bank))), "bank topic");
        assertEq(logs[0].data, abi.encode(COMMITMENT, fpA, t), "data");
    }

    function test_ids_are_sequential_and_record_their_bank_and_time() public {
        finance(bank, fpA);
        vm.warp(T0 + 100);
        uint256 id = _register(bank2, fpB, C_B, termsB);
        assertEq(id, 2, "second id");
        ITradeLedger.FinancingRecord memory f = ledger.getFinancing(id);
        assertEq(f.bank, bank2, "bank");
        assertEq(f.bankId, 4, "bank id");
        assertEq(f.fingerprintCount, 2, "count");
        assertEq(f.registeredAt, T0 + 100, "time");
        assertEq(ledger.financingCount(), 2, "count");
        _assertHolders(fpA, 1, "first");
        _assertHolders(fpB, 2, "second");
    }

    /// @dev The contract does not know which document is financed (confidential): "a revoked,
    ///      superseded or unregistered document cannot be financed" is the gateway's rule and
    ///      the audit's (docs/rules.md), not the contract's.
    function test_contract_does_not_check_documents() public {
        bytes32 d = doc("revoked");
        register(enterprise, d);
        vm.prank(enterprise);
        ledger.revokeDocument(d, 1);
        vm.record();
        assertEq(finance(bank, fpA), 1, "financed: the contract sees fingerprints only");
        (, bytes32[] memory writes) = vm.accesses(address(ledger));
        // the counters slot, the financing slot and one lock per fingerprint
        assertEq(writes.length, 2 + fpA.length, "writes");
    }

    function test_register_max_fingerprints_and_terms() public {
        bytes32[] memory f = fps("max", 128);
        uint256 id = _register(bank, f, COMMITMENT, envelope("max", MAX_TERMS));
        assertEq(ledger.getFinancing(id).fingerprintCount, 128, "128 fit the count");
        _assertHolders(f, id, "all locked");
        vm.prank(bank);
        ledger.closeFinancing(id, f);
        _assertHolders(f, 0, "all released");
    }

    // ---------------------------------------------------------------- refusals

    /// @dev A request with one held fingerprint (first, middle or last) is refused: one
    ///      FinancingRefused event, id 0, no storage written, its free fingerprints stay free.
    function test_refused_when_any_fingerprint_is_held() public {
        uint256 held = finance(bank, fpA);
        bytes32[] memory fresh = fps("fresh", 4);
        for (uint256 k = 0; k < fpA.length; ++k) {
            bytes32[] memory f = merge(fresh, fps1(fpA[k]));
            vm.recordLogs();
            vm.record();
            uint256 id = _register(bank2, f, C_B, termsB);
            assertNoLedgerWrites("refusal");
            _assertOnlyRefusalLogged(bank2, C_B, termsB);
            assertEq(id, 0, "refused returns 0");
            assertEq(ledger.financingCount(), 1, "nothing registered");
            _assertHolders(fresh, 0, "free fingerprints stay free");
            _assertHolders(fpA, held, "held stays held");
        }
        // every fingerprint of the request held
        assertEq(_register(bank2, fpA, C_B, termsB), 0, "all held");
    }

    function test_refused_for_the_same_bank_too() public {
        finance(bank, fpA);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.FinancingRefused(bank, C_B, termsB);
        assertEq(_register(bank, fps1(fpA[2]), C_B, termsB), 0, "refused");
        assertEq(ledger.financingCount(), 1, "count");
    }

    function test_released_fingerprints_can_be_financed_again_by_anyone() public {
        uint256 id = finance(bank, fpA);
        closeAs(bank, id, fpA);
        assertEq(_register(bank2, fpA, C_B, termsB), 2, "refinanced");
        _assertHolders(fpA, 2, "new holder");
        _assertStatus(id, ITradeLedger.FinancingStatus.CLOSED, "old one stays closed");
    }

    function test_recordRefusal_emits_and_changes_nothing() public {
        finance(bank, fpA);
        vm.recordLogs();
        vm.record();
        vm.prank(bank2);
        ledger.recordRefusal(C_B, termsB);
        assertNoLedgerWrites("recordRefusal");
        _assertOnlyRefusalLogged(bank2, C_B, termsB);
        assertEq(ledger.financingCount(), 1, "count");
        _assertHolders(fpA, 1, "locks");
    }

    function test_recordRefusal_errors() public {
        vm.startPrank(bank);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ZeroCommitment.selector));
        ledger.recordRefusal(0, termsB);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.InvalidTermsLength.selector, 0, MAX_TERMS));
        ledger.recordRefusal(C_B, "");
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.InvalidTermsLength.selector, MAX_TERMS + 1, MAX_TERMS));
        ledger.recordRefusal(C_B, new bytes(MAX_TERMS + 1));
        ledger.recordRefusal(C_B, new bytes(MAX_TERMS));
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- malformed requests revert

    function _expectRegisterRevert(bytes memory err, bytes32[] memory f, bytes32 c, bytes memory t) internal {
        vm.expectRevert(err);
        vm.prank(bank);
        ledger.registerFinancing(f, c, t);
    }

    function test_register_malformed_reverts() public {
        bytes memory t = terms();
        _expectRegisterRevert(
            abi.encodeWithSelector(ITradeLedger.FingerprintCountOutOfRange.selector, 0, 128), new bytes32[](0), COMMITMENT, t
        );
        _expectRegisterRevert(
            abi.encodeWithSelector(ITradeLedger.FingerprintCountOutOfRange.selector, 129, 128), fps("many", 129), COMMITMENT, t
        );
        bytes32[] memory unsorted = fps("u", 4);
        (unsorted[2], unsorted[3]) = (unsorted[3], unsorted[2]);
        _expectRegisterRevert(abi.encodeWithSelector(ITradeLedger.FingerprintsNotSorted.selector, 3), unsorted, COMMITMENT, t);
        bytes32[] memory twice = fps("t", 3);
        twice[1] = twice[0];
        _expectRegisterRevert(abi.encodeWithSelector(ITradeLedger.FingerprintsNotSorted.selector, 1), twice, COMMITMENT, t);
        _expectRegisterRevert(abi.encodeWithSelector(ITradeLedger.ZeroCommitment.selector), fpA, 0, t);
        _expectRegisterRevert(abi.encodeWithSelector(ITradeLedger.InvalidTermsLength.selector, 0, MAX_TERMS), fpA, COMMITMENT, "");
        _expectRegisterRevert(
            abi.encodeWithSelector(ITradeLedger.InvalidTermsLength.selector, MAX_TERMS + 1, MAX_TERMS),
            fpA,
            COMMITMENT,
            new bytes(MAX_TERMS + 1)
        );
        assertEq(ledger.financingCount(), 0, "nothing registered");
        _assertHolders(fpA, 0, "nothing locked");
    }

    /// @dev A malformed request reverts even when one of its fingerprints is held: it is never
    ///      recorded as a refusal (the list is checked to its end).
    function test_malformed_request_reverts_even_when_a_fingerprint_is_held() public {
        finance(bank, fpA);
        // the held fingerprint first, the order broken after it
        bytes32[] memory f = new bytes32[](3);
        (f[0], f[1], f[2]) = (fpA[0], bytes32(type(uint256).max), bytes32(uint256(fpA[0]) + 1));
        vm.recordLogs();
        _expectRegisterRevert(abi.encodeWithSelector(ITradeLedger.FingerprintsNotSorted.selector, 2), f, C_B, termsB);
        assertEq(vm.getRecordedLogs().length, 0, "no refusal recorded");
        f[2] = f[1]; // a repeated fingerprint after the held one
        _expectRegisterRevert(abi.encodeWithSelector(ITradeLedger.FingerprintsNotSorted.selector, 2), f, C_B, termsB);
        _expectRegisterRevert(abi.encodeWithSelector(ITradeLedger.ZeroCommitment.selector), fpA, 0, termsB);
        _expectRegisterRevert(abi.encodeWithSelector(ITradeLedger.InvalidTermsLength.selector, 0, MAX_TERMS), fpA, C_B, "");
    }

    // ---------------------------------------------------------------- entries

    function test_recordEntry_by_its_bank_emits_and_writes_nothing() public {
        uint256 id = finance(bank, fpA);
        for (uint256 i = 0; i < 3; ++i) {
            bytes memory e = envelope(string.concat("entry-", vm.toString(i)), 100 + i);
            bytes32 c = keccak256(e);
            vm.expectEmit(true, true, true, true, address(ledger));
            emit ITradeLedger.FinancingEntryRecorded(id, c, e);
            vm.record();
            vm.prank(bank);
            ledger.recordEntry(id, c, e);
            assertNoLedgerWrites("recordEntry");
        }
        _assertStatus(id, ITradeLedger.FinancingStatus.ACTIVE, "still active");
        _assertHolders(fpA, id, "still locked");
    }

    function test_recordEntry_errors() public {
        uint256 id = finance(bank, fpA);
        vm.startPrank(bank);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.FinancingNotFound.selector, 99));
        ledger.recordEntry(99, ENTRY_C, entry);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.FinancingNotFound.selector, 0));
        ledger.recordEntry(0, ENTRY_C, entry);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ZeroCommitment.selector));
        ledger.recordEntry(id, 0, entry);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.InvalidTermsLength.selector, 0, MAX_TERMS));
        ledger.recordEntry(id, ENTRY_C, "");
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.InvalidTermsLength.selector, MAX_TERMS + 1, MAX_TERMS));
        ledger.recordEntry(id, ENTRY_C, new bytes(MAX_TERMS + 1));
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.NotFinancingBank.selector, id, bank2));
        vm.prank(bank2);
        ledger.recordEntry(id, ENTRY_C, entry);
        vm.expectRevert(
            abi.encodeWithSelector(ITradeLedger.RoleNotAllowed.selector, enterprise, ITradeLedger.Role.ENTERPRISE)
        );
        vm.prank(enterprise);
        ledger.recordEntry(id, ENTRY_C, entry);
    }

    function test_no_entry_on_a_closed_or_cancelled_financing() public {
        uint256 closed = finance(bank, fpA);
        uint256 cancelled = _register(bank, fpB, C_B, termsB);
        closeAs(bank, closed, fpA);
        vm.prank(bank);
        ledger.cancelFinancing(cancelled, 4, fpB);
        vm.startPrank(bank);
        vm.expectRevert(
            abi.encodeWithSelector(ITradeLedger.FinancingNotActive.selector, closed, ITradeLedger.FinancingStatus.CLOSED)
        );
        ledger.recordEntry(closed, ENTRY_C, entry);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITradeLedger.FinancingNotActive.selector, cancelled, ITradeLedger.FinancingStatus.CANCELLED
            )
        );
        ledger.recordEntry(cancelled, ENTRY_C, entry);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- shareTerms

    function test_shareTerms_by_bank_or_regulator_on_any_status() public {
        uint256 id = finance(bank, fpA);
        bytes memory keys = envelope("keys", 160);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.TermsShared(id, bank, keys);
        vm.record();
        vm.prank(bank);
        ledger.shareTerms(id, keys);
        assertNoLedgerWrites("shareTerms");
        closeAs(bank, id, fpA);
        // a regulator that joined later is given the key of a closed financing
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.TermsShared(id, regulator, keys);
        vm.prank(regulator);
        ledger.shareTerms(id, keys);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.TermsShared(id, bank, keys);
        vm.prank(bank);
        ledger.shareTerms(id, keys);
    }

    function test_shareTerms_errors() public {
        uint256 id = finance(bank, fpA);
        bytes memory keys = envelope("keys", 80);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.NotFinancingBank.selector, id, bank2));
        vm.prank(bank2);
        ledger.shareTerms(id, keys);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.FinancingNotFound.selector, 7));
        vm.prank(regulator);
        ledger.shareTerms(7, keys);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.InvalidTermsLength.selector, 0, MAX_TERMS));
        vm.prank(regulator);
        ledger.shareTerms(id, "");
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.InvalidTermsLength.selector, MAX_TERMS + 1, MAX_TERMS));
        vm.prank(bank);
        ledger.shareTerms(id, new bytes(MAX_TERMS + 1));
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.RoleNotAllowed.selector, admin, ITradeLedger.Role.ADMIN));
        vm.prank(admin);
        ledger.shareTerms(id, keys);
        vm.prank(bank);
        ledger.shareTerms(id, new bytes(MAX_TERMS));
    }

    // ---------------------------------------------------------------- close / cancel

    function test_close_releases_exactly_its_fingerprints_and_emits() public {
        uint256 id = finance(bank, fpA);
        uint256 other = _register(bank2, fpB, C_B, termsB);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.FinancingClosed(id);
        closeAs(bank, id, fpA);
        ITradeLedger.FinancingRecord memory f = ledger.getFinancing(id);
        assertEq(uint8(f.status), uint8(ITradeLedger.FinancingStatus.CLOSED), "closed");
        assertEq(f.fingerprintCount, 3, "count kept");
        assertEq(f.bank, bank, "bank kept");
        assertEq(f.registeredAt, T0, "time kept");
        _assertHolders(fpA, 0, "released");
        _assertHolders(fpB, other, "the other financing keeps its locks");

        vm.expectRevert(
            abi.encodeWithSelector(ITradeLedger.FinancingNotActive.selector, id, ITradeLedger.FinancingStatus.CLOSED)
        );
        closeAs(bank, id, fpA);
        vm.expectRevert(
            abi.encodeWithSelector(ITradeLedger.FinancingNotActive.selector, id, ITradeLedger.FinancingStatus.CLOSED)
        );
        vm.prank(bank);
        ledger.cancelFinancing(id, 1, fpA);
    }

    function test_cancel_releases_with_reason_and_only_once() public {
        uint256 id = finance(bank, fpA);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.FinancingCancelled(id, 9);
        vm.prank(bank);
        ledger.cancelFinancing(id, 9, fpA);
        _assertStatus(id, ITradeLedger.FinancingStatus.CANCELLED, "cancelled");
        _assertHolders(fpA, 0, "released");
        vm.expectRevert(
            abi.encodeWithSelector(ITradeLedger.FinancingNotActive.selector, id, ITradeLedger.FinancingStatus.CANCELLED)
        );
        vm.prank(bank);
        ledger.cancelFinancing(id, 9, fpA);
        vm.expectRevert(
            abi.encodeWithSelector(ITradeLedger.FinancingNotActive.selector, id, ITradeLedger.FinancingStatus.CANCELLED)
        );
        closeAs(bank, id, fpA);
    }

    function test_close_and_cancel_errors_for_unknown_financing() public {
        vm.startPrank(bank);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.FinancingNotFound.selector, 5));
        ledger.closeFinancing(5, fpA);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.FinancingNotFound.selector, 0));
        ledger.cancelFinancing(0, 1, fpA);
        vm.stopPrank();
    }

    /// @dev Every wrong release, through close and through cancel, reverts with its exact
    ///      error and leaves every lock in place.
    function test_release_must_hand_back_exactly_the_financings_fingerprints() public {
        uint256 id = finance(bank, fpA);
        uint256 other = _register(bank2, fpB, C_B, termsB);
        bytes32 free = keccak256("free fingerprint");

        bytes32[][] memory lists = new bytes32[][](9);
        bytes[] memory errs = new bytes[](9);
        // nothing
        lists[0] = new bytes32[](0);
        errs[0] = abi.encodeWithSelector(ITradeLedger.IncompleteRelease.selector, id, 3, 0);
        // one missing
        lists[1] = new bytes32[](2);
        (lists[1][0], lists[1][1]) = (fpA[0], fpA[2]);
        errs[1] = abi.encodeWithSelector(ITradeLedger.IncompleteRelease.selector, id, 3, 2);
        // one replaced by another financing's fingerprint
        lists[2] = merge(fps1(fpA[0]), merge(fps1(fpA[1]), fps1(fpB[0])));
        errs[2] = abi.encodeWithSelector(ITradeLedger.ReleaseMismatch.selector, id, fpB[0]);
        // one replaced by a free fingerprint
        lists[3] = merge(fps1(fpA[1]), merge(fps1(fpA[2]), fps1(free)));
        errs[3] = abi.encodeWithSelector(ITradeLedger.ReleaseMismatch.selector, id, free);
        // all of them plus another financing's
        lists[4] = merge(fpA, fps1(fpB[1]));
        errs[4] = abi.encodeWithSelector(ITradeLedger.ReleaseMismatch.selector, id, fpB[1]);
        // all of them plus a free one
        lists[5] = merge(fpA, fps1(free));
        errs[5] = abi.encodeWithSelector(ITradeLedger.ReleaseMismatch.selector, id, free);
        // the other financing's list
        lists[6] = fpB;
        errs[6] = abi.encodeWithSelector(ITradeLedger.ReleaseMismatch.selector, id, fpB[0]);
        // out of order
        lists[7] = new bytes32[](3);
        (lists[7][0], lists[7][1], lists[7][2]) = (fpA[1], fpA[0], fpA[2]);
        errs[7] = abi.encodeWithSelector(ITradeLedger.FingerprintsNotSorted.selector, 1);
        // one twice, so the count matches
        lists[8] = new bytes32[](3);
        (lists[8][0], lists[8][1], lists[8][2]) = (fpA[0], fpA[1], fpA[1]);
        errs[8] = abi.encodeWithSelector(ITradeLedger.FingerprintsNotSorted.selector, 2);

        for (uint256 i = 0; i < lists.length; ++i) {
            vm.expectRevert(errs[i]);
            closeAs(bank, id, lists[i]);
            vm.expectRevert(errs[i]);
            vm.prank(bank);
            ledger.cancelFinancing(id, 1, lists[i]);
        }
        _assertStatus(id, ITradeLedger.FinancingStatus.ACTIVE, "still active");
        _assertHolders(fpA, id, "still locked");
        _assertHolders(fpB, other, "other still locked");
        _assertHolders(fps1(free), 0, "free stays free");
    }

    function test_close_cancel_entry_only_by_its_own_bank() public {
        uint256 id = finance(bank, fpA);
        address[4] memory others = [bank2, admin, owner, regulator];
        for (uint256 i = 0; i < others.length; ++i) {
            address who = others[i];
            bytes memory err = who == bank2
                ? abi.encodeWithSelector(ITradeLedger.NotFinancingBank.selector, id, who)
                : abi.encodeWithSelector(ITradeLedger.RoleNotAllowed.selector, who, ledger.memberOf(who).role);
            vm.expectRevert(err);
            closeAs(who, id, fpA);
            vm.expectRevert(err);
            vm.prank(who);
            ledger.cancelFinancing(id, 1, fpA);
            vm.expectRevert(err);
            vm.prank(who);
            ledger.recordEntry(id, ENTRY_C, entry);
        }
        _assertHolders(fpA, id, "still locked");
    }

    function test_suspended_bank_cannot_operate_its_financing_until_reinstated() public {
        uint256 id = finance(bank, fpA);
        vm.prank(admin);
        ledger.suspendMember(bank);
        bytes memory err = abi.encodeWithSelector(ITradeLedger.MemberNotActive.selector, bank);
        vm.startPrank(bank);
        vm.expectRevert(err);
        ledger.recordEntry(id, ENTRY_C, entry);
        vm.expectRevert(err);
        ledger.closeFinancing(id, fpA);
        vm.expectRevert(err);
        ledger.cancelFinancing(id, 1, fpA);
        vm.expectRevert(err);
        ledger.shareTerms(id, entry);
        vm.expectRevert(err);
        ledger.registerFinancing(fpB, C_B, termsB);
        vm.expectRevert(err);
        ledger.recordRefusal(C_B, termsB);
        vm.stopPrank();
        // its locks stay; a regulator may still share the terms
        _assertHolders(fpA, id, "locks stay");
        vm.prank(regulator);
        ledger.shareTerms(id, entry);
        vm.prank(admin);
        ledger.reinstateMember(bank);
        closeAs(bank, id, fpA);
        _assertHolders(fpA, 0, "released after reinstatement");
    }

    // ---------------------------------------------------------------- views and limits

    function test_views_unknown_financing_and_free_fingerprints() public {
        ITradeLedger.FinancingRecord memory f = ledger.getFinancing(42);
        assertEq(f.bank, address(0), "bank");
        assertEq(f.bankId, 0, "bank id");
        assertEq(uint8(f.status), 0, "status NONE");
        assertEq(f.fingerprintCount, 0, "count");
        assertEq(f.registeredAt, 0, "time");
        assertEq(ledger.getFinancing(0).bank, address(0), "id 0");
        assertEq(ledger.fingerprintHolder(bytes32("x")), 0, "free");
        assertEq(ledger.fingerprintHolders(new bytes32[](0)).length, 0, "empty batch read");
        uint256 id = finance(bank, fpA);
        bytes32[] memory mixed = new bytes32[](4);
        (mixed[0], mixed[1], mixed[2], mixed[3]) = (fpB[0], fpA[2], fpA[2], fpA[0]);
        uint256[] memory ids = ledger.fingerprintHolders(mixed); // any order, repeats allowed
        assertEq(ids[0], 0, "free");
        assertEq(ids[1], id, "held");
        assertEq(ids[2], id, "held, repeated");
        assertEq(ids[3], id, "held");
    }

    // ---------------------------------------------------------------- marks

    function _registerMarked(address who, bytes32[] memory f, bytes32[] memory m) internal returns (uint256 id) {
        bytes memory t = terms();
        vm.prank(who);
        id = ledger.registerMarkedFinancing(f, m, COMMITMENT, t);
    }

    function _assertMarked(bytes32[] memory m, uint256 expected, string memory what) internal view {
        uint256[] memory ids = ledger.markedFinancings(m);
        assertEq(ids.length, m.length, string.concat(what, ": length"));
        for (uint256 i = 0; i < m.length; ++i) {
            assertEq(ids[i], expected, what);
        }
    }

    /// @dev A marked financing locks its fingerprints as registerFinancing does, emits
    ///      FinancingRegistered then FinancingMarked, and names itself for its marks.
    function test_marked_financing_locks_marks_and_emits_both_events() public {
        bytes32[] memory m = fps("marks A", 2);
        bytes memory t = terms();
        vm.recordLogs();
        uint256 id = _registerMarked(bank, fpA, m);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(id, 1, "id");
        assertEq(logs.length, 2, "two events");
        assertEq(logs[0].topics[0], ITradeLedger.FinancingRegistered.selector, "registered first");
        assertEq(logs[0].data, abi.encode(COMMITMENT, fpA, t), "registered data");
        assertEq(logs[1].topics[0], ITradeLedger.FinancingMarked.selector, "then marked");
        assertEq(logs[1].topics[1], bytes32(uint256(1)), "id topic");
        assertEq(logs[1].data, abi.encode(m), "the marks");
        _assertHolders(fpA, id, "locked");
        _assertMarked(m, id, "marked");
        _assertMarked(fps("marks B", 2), 0, "other marks name nothing");
    }

    /// @dev Marks lock nothing: a second bank marks the same marks and is registered; the
    ///      marks name the oldest active carrier, and the next one once it is closed.
    function test_marks_lock_nothing_and_name_the_oldest_active_financing() public {
        bytes32[] memory m = fps("shared marks", 3);
        uint256 first = _registerMarked(bank, fpA, m);
        uint256 second = _registerMarked(bank2, fpB, m);
        assertEq(second, first + 1, "the same marks do not refuse");
        _assertMarked(m, first, "the oldest");
        closeAs(bank, first, fpA);
        _assertMarked(m, second, "the first closed: the second");
        closeAs(bank2, second, fpB);
        _assertMarked(m, 0, "both closed: none");
    }

    function _assertCarriers(bytes32[] memory m, uint256[] memory expected, string memory what) internal view {
        uint256[][] memory carriers = ledger.markCarriers(m);
        assertEq(carriers.length, m.length, string.concat(what, ": length"));
        for (uint256 i = 0; i < m.length; ++i) {
            assertEq(carriers[i].length, expected.length, string.concat(what, ": count"));
            for (uint256 j = 0; j < expected.length; ++j) {
                assertEq(carriers[i][j], expected[j], what);
            }
        }
    }

    /// @dev markCarriers names every active carrier of each mark, oldest first, and drops
    ///      those closed or cancelled.
    function test_mark_carriers_lists_every_active_carrier_oldest_first() public {
        bytes32[] memory m = fps("carried", 2);
        _assertCarriers(m, new uint256[](0), "none yet");
        uint256 first = _registerMarked(bank, fpA, m);
        uint256 second = _registerMarked(bank2, fpB, m);
        uint256[] memory both = new uint256[](2);
        (both[0], both[1]) = (first, second);
        _assertCarriers(m, both, "both, oldest first");
        closeAs(bank, first, fpA);
        uint256[] memory left = new uint256[](1);
        left[0] = second;
        _assertCarriers(m, left, "the first closed");
        _assertCarriers(fps("other", 1), new uint256[](0), "another mark: none");
    }

    /// @dev A carrier closed in the middle or at the head is passed over: a new carrier links
    ///      to the latest one still active, and every active one stays listed.
    function test_carriers_closed_in_the_middle_or_at_the_head_are_passed_over() public {
        bytes32[] memory m = fps("chain", 1);
        bytes32[] memory fpC = fps("third", 2);
        bytes32[] memory fpD = fps("fourth", 2);
        uint256 a = _registerMarked(bank, fpA, m);
        uint256 b = _registerMarked(bank2, fpB, m);
        uint256 c = _registerMarked(bank, fpC, m);
        closeAs(bank2, b, fpB);
        uint256[] memory ac = new uint256[](2);
        (ac[0], ac[1]) = (a, c);
        _assertCarriers(m, ac, "the middle closed");
        closeAs(bank, c, fpC);
        uint256 d = _registerMarked(bank2, fpD, m);
        uint256[] memory ad = new uint256[](2);
        (ad[0], ad[1]) = (a, d);
        _assertCarriers(m, ad, "the head closed, then a new one");
        _assertMarked(m, a, "the oldest active");
        closeAs(bank, a, fpA);
        uint256[] memory onlyD = new uint256[](1);
        onlyD[0] = d;
        _assertCarriers(m, onlyD, "the oldest closed");
        _assertMarked(m, d, "the one left");
    }

    /// @dev Closing or cancelling a later carrier leaves the mark naming an earlier one still
    ///      active (tryout 36: a cancelled re-issue hid the original financing).
    function test_a_later_carrier_released_leaves_the_earlier_one_named() public {
        bytes32[] memory m = fps("kept marks", 2);
        uint256 first = _registerMarked(bank, fpA, m);
        uint256 second = _registerMarked(bank2, fpB, m);
        vm.prank(bank2);
        ledger.cancelFinancing(second, 1, fpB);
        _assertMarked(m, first, "the later cancelled: the first");
        assertEq(ledger.fingerprintHolder(fpA[0]), first, "the first still holds its locks");
    }

    /// @dev Each write drops the carriers closed or cancelled since: a mark re-used by many
    ///      financings one after another keeps naming only the active one.
    function test_a_mark_reused_after_each_close_names_the_active_carrier() public {
        bytes32[] memory m = fps("re-used", 1);
        uint256 last;
        for (uint256 round = 0; round < 5; ++round) {
            bytes32[] memory f = fps(string.concat("round ", vm.toString(round)), 2);
            last = _registerMarked(bank, f, m);
            _assertMarked(m, last, "the round's financing");
            closeAs(bank, last, f);
        }
        _assertMarked(m, 0, "all closed");
        uint256 again = _registerMarked(bank2, fpB, m);
        _assertMarked(m, again, "a new carrier");
    }

    /// @dev No marks: just a financing, one event. A refused attempt marks nothing.
    function test_no_marks_or_refused_marks_nothing() public {
        vm.recordLogs();
        uint256 id = _registerMarked(bank, fpA, new bytes32[](0));
        assertEq(vm.getRecordedLogs().length, 1, "no FinancingMarked without marks");
        bytes32[] memory m = fps("refused marks", 2);
        vm.recordLogs();
        uint256 refused = _registerMarked(bank2, fpA, m);
        assertEq(refused, 0, "refused: a fingerprint is held");
        _assertOnlyRefusalLogged(bank2, COMMITMENT, terms());
        _assertMarked(m, 0, "refused: not marked");
        assertEq(id, 1, "id");
    }

    function test_marked_financing_malformed_marks_revert() public {
        bytes32[] memory m = fps("bad", 2);
        bytes32[] memory unsorted = new bytes32[](2);
        (unsorted[0], unsorted[1]) = (m[1], m[0]);
        vm.prank(bank);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.MarksNotSorted.selector, 1));
        ledger.registerMarkedFinancing(fpA, unsorted, COMMITMENT, terms());
        bytes32[] memory zero = new bytes32[](1);
        vm.prank(bank);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.MarksNotSorted.selector, 0));
        ledger.registerMarkedFinancing(fpA, zero, COMMITMENT, terms());
        bytes32[] memory many = fps("many", 65);
        vm.prank(bank);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.MarkCountOutOfRange.selector, 65, 64));
        ledger.registerMarkedFinancing(fpA, many, COMMITMENT, terms());
        // only an active bank: the same errors as registerFinancing
        vm.prank(enterprise);
        vm.expectRevert(
            abi.encodeWithSelector(ITradeLedger.RoleNotAllowed.selector, enterprise, ITradeLedger.Role.ENTERPRISE)
        );
        ledger.registerMarkedFinancing(fpA, m, COMMITMENT, terms());
        assertEq(ledger.financingCount(), 0, "nothing registered");
        _assertMarked(m, 0, "nothing marked");
    }

    function test_limits() public view {
        assertEq(ledger.MAX_FINANCING_MARKS(), 64, "marks per financing");
        assertEq(ledger.MAX_FINGERPRINTS(), 8, "per document");
        assertEq(ledger.MAX_PLEDGES(), 16, "documents per financing");
        assertEq(ledger.MAX_FINANCING_FINGERPRINTS(), 128, "per financing");
        assertEq(ledger.MAX_TERMS(), MAX_TERMS, "envelope bytes");
    }

    /// @dev Random split of a pool between two financings: each fingerprint is held by at most
    ///      one, a refusal changes nothing, and a release frees exactly the releasing one's.
    function testFuzz_two_financings_share_nothing(uint256 maskA, uint256 maskB) public {
        bytes32[] memory pool = fps("pool", 12);
        bytes32[] memory a = _subset(pool, maskA | 1);
        bytes32[] memory b = _subset(pool, maskB | 2);
        uint256 idA = finance(bank, a);
        uint256 idB = _register(bank2, b, C_B, termsB);
        bool overlap = (maskA | 1) & (maskB | 2) & 0xfff != 0;
        assertEq(idB, overlap ? 0 : 2, "refused exactly when they overlap");
        for (uint256 i = 0; i < pool.length; ++i) {
            uint256 expected = (maskA | 1) & (1 << i) != 0 ? idA : ((!overlap && (maskB | 2) & (1 << i) != 0) ? 2 : 0);
            assertEq(ledger.fingerprintHolder(pool[i]), expected, "holder");
        }
        closeAs(bank, idA, a);
        for (uint256 i = 0; i < pool.length; ++i) {
            uint256 expected = (!overlap && (maskB | 2) & (1 << i) != 0) ? 2 : 0;
            assertEq(ledger.fingerprintHolder(pool[i]), expected, "after release");
        }
    }

    function _subset(bytes32[] memory pool, uint256 mask) internal pure returns (bytes32[] memory out) {
        uint256 n = 0;
        for (uint256 i = 0; i < pool.length; ++i) {
            if (mask & (1 << i) != 0) ++n;
        }
        out = new bytes32[](n);
        n = 0;
        for (uint256 i = 0; i < pool.length; ++i) {
            if (mask & (1 << i) != 0) out[n++] = pool[i];
        }
    }
}
