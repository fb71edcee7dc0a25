// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {LedgerTest} from "./utils/LedgerTest.sol";
import {ITradeLedger} from "../ITradeLedger.sol";

contract FinancingTest is LedgerTest {
    bytes32 internal A;
    bytes32 internal B;
    bytes32[] internal fpA;
    bytes32[] internal fpB;

    function setUp() public override {
        super.setUp();
        // two documents in ascending order
        bytes32 x = doc("invoice-x");
        bytes32 y = doc("invoice-y");
        (A, B) = x < y ? (x, y) : (y, x);
        register(enterprise, A);
        register(enterprise, B);
        fpA = fps("A", 3);
        fpB = fps("B", 2);
    }

    function _two(uint64 amountA, uint64 amountB) internal view returns (ITradeLedger.DocumentPledge[] memory p) {
        p = new ITradeLedger.DocumentPledge[](2);
        p[0] = ITradeLedger.DocumentPledge(A, amountA, 1000, fpA);
        p[1] = ITradeLedger.DocumentPledge(B, amountB, 500, fpB);
    }

    function _releaseTwo() internal view returns (ITradeLedger.DocumentRelease[] memory r) {
        r = new ITradeLedger.DocumentRelease[](2);
        r[0] = ITradeLedger.DocumentRelease(A, fpA);
        r[1] = ITradeLedger.DocumentRelease(B, fpB);
    }

    function _financeTwo() internal returns (uint256) {
        return finance(bank, _two(600, 400));
    }

    function _expectRefused(address who, bytes32 docHash, uint256 conflicting, ITradeLedger.RefusalReason reason, bytes32 fp)
        internal
    {
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.FinancingRefused(who, docHash, conflicting, reason, fp, REF);
    }

    // ---------------------------------------------------------------- register

    function test_finance_records_everything_and_emits() public {
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.FinancingRegistered(
            1, bank, ITradeLedger.FinancingKind.INVOICE_FINANCING, EUR, 1000, MATURITY, REF
        );
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.DocumentPledged(1, A, 600, 1000, fpA);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.DocumentPledged(1, B, 400, 500, fpB);
        uint256 id = _financeTwo();
        assertEq(id, 1, "id");
        assertEq(ledger.financingCount(), 1, "count");

        ITradeLedger.FinancingRecord memory f = ledger.getFinancing(id);
        assertEq(f.bank, bank, "bank");
        assertEq(f.bankId, 3, "bank id");
        assertEq(uint8(f.status), uint8(ITradeLedger.FinancingStatus.ACTIVE), "status");
        assertEq(uint8(f.kind), uint8(ITradeLedger.FinancingKind.INVOICE_FINANCING), "kind");
        assertEq(f.docCount, 2, "docs");
        assertEq(f.fingerprintCount, 5, "fps");
        assertEq(f.amount, 1000, "amount");
        assertEq(f.drawn, 0, "drawn");
        assertEq(f.repaid, 0, "repaid");

        ITradeLedger.DocumentRecord memory d = ledger.getDocument(A);
        assertEq(uint24(d.currency), uint24(EUR), "currency");
        assertEq(d.faceValue, 1000, "face");
        assertEq(d.financedAmount, 600, "financed");
        assertEq(ledger.getDocument(B).financedAmount, 400, "financed B");
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(ledger.fingerprintHolder(fpA[i]), 1, "holder");
        }
        (ITradeLedger.RefusalReason reason,,,) = ledger.checkFinancing(_two(1, 1), EUR);
        assertEq(uint8(reason), uint8(ITradeLedger.RefusalReason.FINGERPRINT_PLEDGED), "check after");
    }

    function test_second_bank_may_finance_remaining_face_value() public {
        finance(bank, pledge1(A, 600, 1000, fps("A1", 1)));
        uint256 id = finance(bank2, pledge1(A, 400, 1000, fps("A2", 1)));
        assertEq(id, 2, "second");
        assertEq(ledger.getDocument(A).financedAmount, 1000, "full");
    }

    // ---------------------------------------------------------------- refusals (one per reason)

    function _refusal(ITradeLedger.DocumentPledge[] memory p, bytes3 ccy) internal {
        uint256 countBefore = ledger.financingCount();
        vm.prank(bank2);
        uint256 id = ledger.registerFinancing(p, ccy, ITradeLedger.FinancingKind.FACTORING, MATURITY, REF);
        assertEq(id, 0, "refused returns 0");
        assertEq(ledger.financingCount(), countBefore, "nothing registered");
    }

    function test_refused_DOCUMENT_NOT_REGISTERED() public {
        bytes32 u = doc("unknown");
        _expectRefused(bank2, u, 0, ITradeLedger.RefusalReason.DOCUMENT_NOT_REGISTERED, 0);
        _refusal(pledge1(u, 1, 10, fpA), EUR);
    }

    function test_refused_DOCUMENT_REVOKED() public {
        vm.prank(enterprise);
        ledger.revokeDocument(A, 1);
        _expectRefused(bank2, A, 0, ITradeLedger.RefusalReason.DOCUMENT_REVOKED, 0);
        _refusal(pledge1(A, 1, 10, fpA), EUR);
    }

    function test_refused_DOCUMENT_SUPERSEDED() public {
        vm.prank(enterprise);
        ledger.supersedeDocument(A, doc("A-v2"));
        _expectRefused(bank2, A, 0, ITradeLedger.RefusalReason.DOCUMENT_SUPERSEDED, 0);
        _refusal(pledge1(A, 1, 10, fpA), EUR);
    }

    function test_refused_CURRENCY_MISMATCH() public {
        finance(bank, pledge1(A, 100, 1000, fps("A1", 1)));
        _expectRefused(bank2, A, 0, ITradeLedger.RefusalReason.CURRENCY_MISMATCH, 0);
        _refusal(pledge1(A, 100, 1000, fps("A2", 1)), USD);
    }

    function test_refused_FACE_VALUE_MISMATCH() public {
        finance(bank, pledge1(A, 100, 1000, fps("A1", 1)));
        _expectRefused(bank2, A, 0, ITradeLedger.RefusalReason.FACE_VALUE_MISMATCH, 0);
        _refusal(pledge1(A, 100, 2000, fps("A2", 1)), EUR);
    }

    function test_refused_EXCEEDS_FACE_VALUE_single() public {
        _expectRefused(bank2, A, 0, ITradeLedger.RefusalReason.EXCEEDS_FACE_VALUE, 0);
        _refusal(pledge1(A, 1001, 1000, fpA), EUR);
    }

    function test_refused_EXCEEDS_FACE_VALUE_cumulative() public {
        finance(bank, pledge1(A, 600, 1000, fps("A1", 1)));
        _expectRefused(bank2, A, 0, ITradeLedger.RefusalReason.EXCEEDS_FACE_VALUE, 0);
        _refusal(pledge1(A, 401, 1000, fps("A2", 1)), EUR);
        // exactly the rest is fine
        assertEq(finance(bank2, pledge1(A, 400, 1000, fps("A2", 1))), 2, "rest");
    }

    function test_refused_FINGERPRINT_PLEDGED_names_holder() public {
        finance(bank, pledge1(A, 100, 1000, fpA));
        // the same invoice re-registered in another format: another hash, same fingerprint
        bytes32 other = doc("A-as-xml");
        register(enterprise2, other);
        bytes32[] memory f = new bytes32[](2);
        f[0] = fpA[1];
        f[1] = bytes32(type(uint256).max);
        _expectRefused(bank2, other, 1, ITradeLedger.RefusalReason.FINGERPRINT_PLEDGED, fpA[1]);
        _refusal(pledge1(other, 100, 1000, f), EUR);
        (ITradeLedger.RefusalReason reason, bytes32 d, uint256 holder, bytes32 fp) =
            ledger.checkFinancing(pledge1(other, 100, 1000, f), EUR);
        assertEq(uint8(reason), uint8(ITradeLedger.RefusalReason.FINGERPRINT_PLEDGED), "reason");
        assertEq(d, other, "doc");
        assertEq(holder, 1, "holder");
        assertEq(fp, fpA[1], "fp");
    }

    function test_refusal_reports_first_failing_document_and_changes_nothing() public {
        vm.prank(enterprise);
        ledger.revokeDocument(B, 1);
        _expectRefused(bank2, B, 0, ITradeLedger.RefusalReason.DOCUMENT_REVOKED, 0);
        _refusal(_two(100, 100), EUR);
        assertEq(ledger.getDocument(A).financedAmount, 0, "A untouched");
        assertEq(uint24(ledger.getDocument(A).currency), 0, "A currency untouched");
        assertEq(ledger.fingerprintHolder(fpA[0]), 0, "no lock");
    }

    function test_refusal_order_revoked_before_exceeds() public {
        vm.prank(enterprise);
        ledger.revokeDocument(A, 1);
        (ITradeLedger.RefusalReason reason,,,) = ledger.checkFinancing(pledge1(A, 2000, 1000, fpA), EUR);
        assertEq(uint8(reason), uint8(ITradeLedger.RefusalReason.DOCUMENT_REVOKED), "order");
    }

    function test_refusal_still_reverts_on_later_malformed_document() public {
        ITradeLedger.DocumentPledge[] memory p = _two(100, 0);
        p[0].docHash = bytes32(uint256(1)); // unregistered (a refusal) and below B
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ZeroAmount.selector));
        vm.prank(bank);
        ledger.registerFinancing(p, EUR, ITradeLedger.FinancingKind.FACTORING, MATURITY, REF);
    }

    function test_checkFinancing_none_when_financeable() public view {
        (ITradeLedger.RefusalReason reason, bytes32 d, uint256 c, bytes32 fp) = ledger.checkFinancing(_two(1, 1), EUR);
        assertEq(uint8(reason), 0, "none");
        assertEq(d, 0, "doc");
        assertEq(c, 0, "conflict");
        assertEq(fp, 0, "fp");
    }

    // ---------------------------------------------------------------- malformed input reverts

    function _expectFinanceRevert(bytes memory err, ITradeLedger.DocumentPledge[] memory p, bytes3 ccy, uint8 kind, uint40 maturity)
        internal
    {
        vm.expectRevert(err);
        vm.prank(bank);
        ledger.registerFinancing(p, ccy, ITradeLedger.FinancingKind(kind), maturity, REF);
    }

    function test_reverts_on_malformed_input() public {
        ITradeLedger.DocumentPledge[] memory none = new ITradeLedger.DocumentPledge[](0);
        _expectFinanceRevert(abi.encodeWithSelector(ITradeLedger.EmptyBatch.selector), none, EUR, 1, MATURITY);

        ITradeLedger.DocumentPledge[] memory many = new ITradeLedger.DocumentPledge[](17);
        _expectFinanceRevert(abi.encodeWithSelector(ITradeLedger.BatchTooLarge.selector, 17, 16), many, EUR, 1, MATURITY);

        _expectFinanceRevert(
            abi.encodeWithSelector(ITradeLedger.InvalidCurrency.selector, bytes3("eur")), _two(1, 1), "eur", 1, MATURITY
        );
        _expectFinanceRevert(
            abi.encodeWithSelector(ITradeLedger.InvalidCurrency.selector, bytes3("EU")), _two(1, 1), "EU", 1, MATURITY
        );
        _expectFinanceRevert(
            abi.encodeWithSelector(ITradeLedger.InvalidCurrency.selector, bytes3("E@R")), _two(1, 1), "E@R", 1, MATURITY
        );
        _expectFinanceRevert(
            abi.encodeWithSelector(ITradeLedger.InvalidFinancingKind.selector, uint8(0)), _two(1, 1), EUR, 0, MATURITY
        );
        _expectFinanceRevert(abi.encodeWithSelector(ITradeLedger.InvalidMaturity.selector, T0), _two(1, 1), EUR, 1, T0);

        ITradeLedger.DocumentPledge[] memory p = _two(1, 1);
        (p[0], p[1]) = (p[1], p[0]);
        _expectFinanceRevert(abi.encodeWithSelector(ITradeLedger.DocumentsNotSorted.selector, 1), p, EUR, 1, MATURITY);

        p = _two(1, 1);
        p[1].docHash = A;
        _expectFinanceRevert(abi.encodeWithSelector(ITradeLedger.DocumentsNotSorted.selector, 1), p, EUR, 1, MATURITY);

        _expectFinanceRevert(
            abi.encodeWithSelector(ITradeLedger.ZeroDocumentHash.selector), pledge1(0, 1, 1, fpA), EUR, 1, MATURITY
        );
        _expectFinanceRevert(abi.encodeWithSelector(ITradeLedger.ZeroAmount.selector), _two(0, 1), EUR, 1, MATURITY);

        _expectFinanceRevert(
            abi.encodeWithSelector(ITradeLedger.InvalidFingerprintCount.selector, A, 0),
            pledge1(A, 1, 1, new bytes32[](0)),
            EUR,
            1,
            MATURITY
        );
        _expectFinanceRevert(
            abi.encodeWithSelector(ITradeLedger.InvalidFingerprintCount.selector, A, 9),
            pledge1(A, 1, 1, fps("nine", 9)),
            EUR,
            1,
            MATURITY
        );
        bytes32[] memory unsorted = fps("u", 3);
        (unsorted[1], unsorted[2]) = (unsorted[2], unsorted[1]);
        _expectFinanceRevert(
            abi.encodeWithSelector(ITradeLedger.FingerprintsNotSorted.selector, A, 2),
            pledge1(A, 1, 1, unsorted),
            EUR,
            1,
            MATURITY
        );
        bytes32[] memory twice = fps("t", 2);
        twice[1] = twice[0];
        _expectFinanceRevert(
            abi.encodeWithSelector(ITradeLedger.FingerprintsNotSorted.selector, A, 1),
            pledge1(A, 1, 1, twice),
            EUR,
            1,
            MATURITY
        );
    }

    function test_duplicate_fingerprint_across_documents_reverts() public {
        ITradeLedger.DocumentPledge[] memory p = _two(1, 1);
        bytes32[] memory f = new bytes32[](2);
        (f[0], f[1]) = (fpA[1], bytes32(type(uint256).max));
        p[1].fingerprints = f;
        _expectFinanceRevert(abi.encodeWithSelector(ITradeLedger.DuplicatePledge.selector, fpA[1]), p, EUR, 1, MATURITY);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.DuplicatePledge.selector, fpA[1]));
        ledger.checkFinancing(p, EUR);
    }

    function test_duplicate_reverts_even_when_fingerprint_is_held_elsewhere() public {
        finance(bank2, pledge1(A, 1, 1000, fps1(fpA[0])));
        ITradeLedger.DocumentPledge[] memory p = _two(1, 1);
        p[1].fingerprints = fps1(fpA[0]);
        _expectFinanceRevert(abi.encodeWithSelector(ITradeLedger.DuplicatePledge.selector, fpA[0]), p, EUR, 1, MATURITY);
    }

    function test_amount_overflow_reverts() public {
        ITradeLedger.DocumentPledge[] memory p = _two(type(uint64).max, 1);
        _expectFinanceRevert(abi.encodeWithSelector(ITradeLedger.AmountOverflow.selector), p, EUR, 1, MATURITY);
    }

    // ---------------------------------------------------------------- drawdown / repay

    function test_drawdown_and_repay_within_limits() public {
        uint256 id = _financeTwo();
        vm.startPrank(bank);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.DrawdownRecorded(id, 700, 700);
        ledger.drawdown(id, 700);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.DrawdownRecorded(id, 300, 1000);
        ledger.drawdown(id, 300);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.DrawdownExceedsFinancing.selector, id, 1, 0));
        ledger.drawdown(id, 1);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.RepaymentRecorded(id, 1000, 1000);
        ledger.repay(id, 1000);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.RepaymentExceedsOutstanding.selector, id, 1, 0));
        ledger.repay(id, 1);
        vm.stopPrank();
        ITradeLedger.FinancingRecord memory f = ledger.getFinancing(id);
        assertEq(f.drawn, 1000, "drawn");
        assertEq(f.repaid, 1000, "repaid");
    }

    function test_drawdown_limit_exact_boundary() public {
        uint256 id = _financeTwo();
        vm.startPrank(bank);
        ledger.drawdown(id, 400);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.DrawdownExceedsFinancing.selector, id, 601, 600));
        ledger.drawdown(id, 601);
        ledger.drawdown(id, 600);
        ledger.repay(id, 300);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.RepaymentExceedsOutstanding.selector, id, 701, 700));
        ledger.repay(id, 701);
        vm.stopPrank();
    }

    function test_drawdown_repay_errors() public {
        uint256 id = _financeTwo();
        vm.startPrank(bank);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ZeroAmount.selector));
        ledger.drawdown(id, 0);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ZeroAmount.selector));
        ledger.repay(id, 0);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.FinancingNotFound.selector, 99));
        ledger.drawdown(99, 1);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.FinancingNotFound.selector, 0));
        ledger.repay(0, 1);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.NotFinancingBank.selector, id, bank2));
        vm.prank(bank2);
        ledger.drawdown(id, 1);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.NotFinancingBank.selector, id, bank2));
        vm.prank(bank2);
        ledger.repay(id, 1);
    }

    // ---------------------------------------------------------------- close / cancel

    function test_close_releases_documents_and_fingerprints() public {
        uint256 id = _financeTwo();
        vm.startPrank(bank);
        ledger.drawdown(id, 500);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.FinancingNotRepaid.selector, id, 500));
        ledger.closeFinancing(id, _releaseTwo());
        ledger.repay(id, 500);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.FinancingClosed(id);
        ledger.closeFinancing(id, _releaseTwo());
        vm.stopPrank();

        assertEq(uint8(ledger.getFinancing(id).status), uint8(ITradeLedger.FinancingStatus.CLOSED), "closed");
        ITradeLedger.DocumentRecord memory d = ledger.getDocument(A);
        assertEq(d.financedAmount, 0, "released");
        assertEq(d.faceValue, 1000, "face value kept");
        assertEq(uint24(d.currency), uint24(EUR), "currency kept");
        assertEq(ledger.fingerprintHolder(fpA[0]), 0, "fp free");
        assertEq(ledger.fingerprintHolder(fpB[1]), 0, "fp free");
        // the documents can be financed again, by anyone, at the recorded face value
        assertEq(finance(bank2, _two(1000, 500)), 2, "refinanced");

        vm.expectRevert(
            abi.encodeWithSelector(ITradeLedger.FinancingNotActive.selector, id, ITradeLedger.FinancingStatus.CLOSED)
        );
        vm.prank(bank);
        ledger.drawdown(id, 1);
    }

    function test_close_without_drawdown() public {
        uint256 id = _financeTwo();
        vm.prank(bank);
        ledger.closeFinancing(id, _releaseTwo());
        assertEq(uint8(ledger.getFinancing(id).status), uint8(ITradeLedger.FinancingStatus.CLOSED), "closed");
    }

    function test_cancel_any_time_with_reason() public {
        uint256 id = _financeTwo();
        vm.startPrank(bank);
        ledger.drawdown(id, 500);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.FinancingCancelled(id, 9);
        ledger.cancelFinancing(id, 9, _releaseTwo());
        vm.expectRevert(
            abi.encodeWithSelector(ITradeLedger.FinancingNotActive.selector, id, ITradeLedger.FinancingStatus.CANCELLED)
        );
        ledger.cancelFinancing(id, 9, _releaseTwo());
        vm.stopPrank();
        assertEq(ledger.getDocument(B).financedAmount, 0, "released");
    }

    function test_release_only_decrements_this_financings_share() public {
        uint256 first = finance(bank, pledge1(A, 300, 1000, fps("A1", 2)));
        finance(bank2, pledge1(A, 500, 1000, fps("A2", 2)));
        vm.prank(bank);
        ledger.cancelFinancing(first, 1, release1(A, fps("A1", 2)));
        assertEq(ledger.getDocument(A).financedAmount, 500, "other financing stays");
    }

    function test_close_after_document_revoked_still_releases() public {
        uint256 id = _financeTwo();
        vm.prank(enterprise);
        ledger.revokeDocument(A, 1);
        vm.prank(bank);
        ledger.closeFinancing(id, _releaseTwo());
        assertEq(ledger.getDocument(A).financedAmount, 0, "released");
    }

    function test_release_errors() public {
        uint256 id = _financeTwo();
        uint256 other = finance(bank, pledge1(doc("zz"), 1, 1, fps("zz", 1)));
        other;
        ITradeLedger.DocumentRelease[] memory r;
        vm.startPrank(bank);

        // missing a whole document
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.IncompleteRelease.selector, id, 5, 3));
        ledger.closeFinancing(id, release1(A, fpA));

        // missing one fingerprint
        r = _releaseTwo();
        r[0].fingerprints = fps("A", 3);
        bytes32[] memory two = new bytes32[](2);
        (two[0], two[1]) = (r[0].fingerprints[0], r[0].fingerprints[1]);
        r[0].fingerprints = two;
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.IncompleteRelease.selector, id, 5, 4));
        ledger.cancelFinancing(id, 1, r);

        // a fingerprint of another document of the same financing
        r = _releaseTwo();
        r[1].fingerprints = fps1(fpA[0]);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ReleaseMismatch.selector, id, B, fpA[0]));
        ledger.closeFinancing(id, r);

        // a fingerprint not held by this financing
        r = _releaseTwo();
        r[1].fingerprints = fps1(fps("zz", 1)[0]);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ReleaseMismatch.selector, id, B, fps("zz", 1)[0]));
        ledger.closeFinancing(id, r);

        // the same fingerprint twice
        r = _releaseTwo();
        r[1].fingerprints = fps1(fpA[0]);
        r = release1(A, fpA);
        ITradeLedger.DocumentRelease[] memory dup = new ITradeLedger.DocumentRelease[](2);
        dup[0] = ITradeLedger.DocumentRelease(A, fpA);
        dup[1] = ITradeLedger.DocumentRelease(A, fpA);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.DocumentsNotSorted.selector, 1));
        ledger.closeFinancing(id, dup);

        // documents out of order
        r = _releaseTwo();
        (r[0], r[1]) = (r[1], r[0]);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.DocumentsNotSorted.selector, 1));
        ledger.closeFinancing(id, r);

        // an empty release entry
        r = _releaseTwo();
        r[1].fingerprints = new bytes32[](0);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.InvalidFingerprintCount.selector, B, 0));
        ledger.closeFinancing(id, r);

        // nothing at all
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.IncompleteRelease.selector, id, 5, 0));
        ledger.closeFinancing(id, new ITradeLedger.DocumentRelease[](0));
        vm.stopPrank();

        // still intact
        assertEq(ledger.getDocument(A).financedAmount, 600, "intact");
        assertEq(ledger.fingerprintHolder(fpA[0]), id, "still held");
    }

    function test_release_with_fingerprints_swapped_between_documents_reverts() public {
        uint256 id = _financeTwo();
        ITradeLedger.DocumentRelease[] memory r = new ITradeLedger.DocumentRelease[](2);
        r[0] = ITradeLedger.DocumentRelease(A, fpB);
        r[1] = ITradeLedger.DocumentRelease(B, fpA);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ReleaseMismatch.selector, id, A, fpB[0]));
        vm.prank(bank);
        ledger.cancelFinancing(id, 1, r);
    }

    function test_close_cancel_only_by_own_bank() public {
        uint256 id = _financeTwo();
        ITradeLedger.DocumentRelease[] memory r = _releaseTwo();
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.NotFinancingBank.selector, id, bank2));
        vm.prank(bank2);
        ledger.closeFinancing(id, r);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.NotFinancingBank.selector, id, bank2));
        vm.prank(bank2);
        ledger.cancelFinancing(id, 1, r);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.RoleNotAllowed.selector, admin, ITradeLedger.Role.ADMIN));
        vm.prank(admin);
        ledger.cancelFinancing(id, 1, r);
    }

    function test_suspended_bank_cannot_operate_its_financing() public {
        uint256 id = _financeTwo();
        vm.prank(admin);
        ledger.suspendMember(bank);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.MemberNotActive.selector, bank));
        vm.prank(bank);
        ledger.drawdown(id, 1);
    }

    function test_views_unknown_financing() public view {
        assertEq(ledger.getFinancing(42).bank, address(0), "none");
        assertEq(uint8(ledger.getFinancing(42).status), 0, "none");
        assertEq(ledger.fingerprintHolder(bytes32("x")), 0, "free");
    }
}
