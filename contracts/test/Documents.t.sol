// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {LedgerTest} from "./utils/LedgerTest.sol";
import {ITradeLedger} from "../ITradeLedger.sol";

contract DocumentsTest is LedgerTest {
    // ---------------------------------------------------------------- register

    function test_register_stores_one_record_and_emits() public {
        bytes32 d = doc("inv");
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.DocumentRegistered(d, enterprise, ITradeLedger.DocType.BILL_OF_LADING);
        vm.prank(enterprise);
        ledger.registerDocument(d, ITradeLedger.DocType.BILL_OF_LADING);

        ITradeLedger.DocumentRecord memory r = ledger.getDocument(d);
        assertEq(r.registrant, enterprise, "registrant");
        assertEq(r.registrantId, 5, "registrant id");
        assertEq(r.registeredAt, T0, "time");
        assertEq(uint8(r.docType), uint8(ITradeLedger.DocType.BILL_OF_LADING), "type");
        assertEq(uint8(r.status), uint8(ITradeLedger.DocStatus.ACTIVE), "status");
        assertTrue(ledger.isIssued(d), "issued");
        assertTrue(!ledger.isRevoked(d), "not revoked");
    }

    /// @dev Whether and for how much a document is financed is confidential (issue #14): the
    ///      record is exactly registrant, registrant id, time, type and status, and a financing
    ///      of the document's fingerprints leaves it as it was.
    function test_record_says_nothing_about_financing() public {
        bytes32 d = doc("inv");
        register(enterprise, d);
        (bool ok, bytes memory before) = address(ledger).staticcall(abi.encodeCall(ledger.getDocument, (d)));
        assertTrue(ok, "getDocument");
        assertEq(before.length, 5 * 32, "five fields, no currency, face value or financed amount");
        assertEq(
            before,
            abi.encode(enterprise, uint32(5), T0, ITradeLedger.DocType.INVOICE, ITradeLedger.DocStatus.ACTIVE),
            "encoded record"
        );
        finance(bank, fps("inv", 3));
        (, bytes memory afterwards) = address(ledger).staticcall(abi.encodeCall(ledger.getDocument, (d)));
        assertEq(afterwards, before, "a financing does not touch the document record");
    }

    function test_register_twice_names_first_registration() public {
        bytes32 d = doc("inv");
        register(enterprise, d);
        vm.warp(T0 + 100);
        vm.expectRevert(
            abi.encodeWithSelector(ITradeLedger.DocumentAlreadyRegistered.selector, d, enterprise, T0)
        );
        register(bank, d);
    }

    function test_register_zero_hash_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ZeroDocumentHash.selector));
        register(enterprise, bytes32(0));
    }

    function test_register_type_none_reverts() public {
        bytes32 d = doc("inv");
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.InvalidDocumentType.selector, uint8(0)));
        vm.prank(enterprise);
        ledger.registerDocument(d, ITradeLedger.DocType.NONE);
    }

    function test_unknown_and_views() public view {
        bytes32 d = doc("nothing");
        assertTrue(!ledger.isIssued(d), "not issued");
        assertTrue(!ledger.isRevoked(d), "unknown is not revoked");
        assertEq(ledger.getDocument(d).registrant, address(0), "empty");
        assertEq(ledger.successorOf(d), bytes32(0), "no successor");
        assertEq(ledger.attestedAt(d, attestor), 0, "no attestation");
        assertEq(ledger.attestedAt(d, stranger), 0, "stranger");
    }

    /// @dev `documentStatuses` answers, in order, what `getDocument` answers of each hash's
    ///      status: unknown, active, revoked and superseded side by side, a hash asked twice.
    function test_document_statuses_agree_with_get_document() public {
        bytes32 active = doc("active");
        bytes32 revoked = doc("revoked");
        bytes32 old = doc("old");
        bytes32 amended = doc("amended");
        register(enterprise, active);
        register(enterprise, revoked);
        register(enterprise, old);
        vm.startPrank(enterprise);
        ledger.revokeDocument(revoked, 1);
        ledger.supersedeDocument(old, amended);
        vm.stopPrank();
        bytes32[] memory asked = new bytes32[](6);
        asked[0] = doc("never");
        asked[1] = active;
        asked[2] = revoked;
        asked[3] = old;
        asked[4] = amended;
        asked[5] = active;
        ITradeLedger.DocStatus[] memory statuses = ledger.documentStatuses(asked);
        assertEq(statuses.length, asked.length, "one status per hash");
        for (uint256 i = 0; i < asked.length; ++i) {
            assertEq(uint8(statuses[i]), uint8(ledger.getDocument(asked[i]).status), "as getDocument");
        }
        assertEq(uint8(statuses[0]), uint8(ITradeLedger.DocStatus.NONE), "unknown");
        assertEq(uint8(statuses[2]), uint8(ITradeLedger.DocStatus.REVOKED), "revoked");
        assertEq(uint8(statuses[3]), uint8(ITradeLedger.DocStatus.SUPERSEDED), "superseded");
        assertEq(ledger.documentStatuses(new bytes32[](0)).length, 0, "none asked");
    }

    // ---------------------------------------------------------------- batch

    function _batch(uint256 n) internal pure returns (bytes32[] memory h, ITradeLedger.DocType[] memory t) {
        h = new bytes32[](n);
        t = new ITradeLedger.DocType[](n);
        for (uint256 i = 0; i < n; ++i) {
            h[i] = keccak256(abi.encode("batch", i));
            t[i] = ITradeLedger.DocType(1 + (i % 8));
        }
    }

    function test_batch_registers_all_and_emits_each() public {
        (bytes32[] memory h, ITradeLedger.DocType[] memory t) = _batch(3);
        for (uint256 i = 0; i < 3; ++i) {
            vm.expectEmit(true, true, true, true, address(ledger));
            emit ITradeLedger.DocumentRegistered(h[i], bank, t[i]);
        }
        vm.prank(bank);
        ledger.registerDocuments(h, t);
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(uint8(ledger.getDocument(h[i]).docType), uint8(t[i]), "type");
        }
    }

    function test_batch_of_max_size() public {
        (bytes32[] memory h, ITradeLedger.DocType[] memory t) = _batch(256);
        vm.prank(attestor);
        ledger.registerDocuments(h, t);
        assertTrue(ledger.isIssued(h[255]), "last");
    }

    function test_batch_too_large_reverts() public {
        (bytes32[] memory h, ITradeLedger.DocType[] memory t) = _batch(257);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.BatchTooLarge.selector, 257, 256));
        vm.prank(enterprise);
        ledger.registerDocuments(h, t);
    }

    function test_batch_empty_reverts() public {
        (bytes32[] memory h, ITradeLedger.DocType[] memory t) = _batch(0);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.EmptyBatch.selector));
        vm.prank(enterprise);
        ledger.registerDocuments(h, t);
    }

    function test_batch_length_mismatch_reverts() public {
        (bytes32[] memory h,) = _batch(3);
        (, ITradeLedger.DocType[] memory t) = _batch(2);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.LengthMismatch.selector, 3, 2));
        vm.prank(enterprise);
        ledger.registerDocuments(h, t);
    }

    function test_batch_is_all_or_nothing() public {
        (bytes32[] memory h, ITradeLedger.DocType[] memory t) = _batch(3);
        register(enterprise2, h[2]);
        vm.expectRevert(
            abi.encodeWithSelector(ITradeLedger.DocumentAlreadyRegistered.selector, h[2], enterprise2, T0)
        );
        vm.prank(enterprise);
        ledger.registerDocuments(h, t);
        assertTrue(!ledger.isIssued(h[0]), "nothing half-written");
        assertTrue(!ledger.isIssued(h[1]), "nothing half-written");
    }

    function test_batch_duplicate_inside_reverts() public {
        (bytes32[] memory h, ITradeLedger.DocType[] memory t) = _batch(3);
        h[2] = h[0];
        vm.expectRevert(
            abi.encodeWithSelector(ITradeLedger.DocumentAlreadyRegistered.selector, h[0], enterprise, T0)
        );
        vm.prank(enterprise);
        ledger.registerDocuments(h, t);
    }

    function test_batch_zero_hash_and_type_none_revert() public {
        (bytes32[] memory h, ITradeLedger.DocType[] memory t) = _batch(3);
        h[1] = 0;
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ZeroDocumentHash.selector));
        vm.prank(enterprise);
        ledger.registerDocuments(h, t);
        (h, t) = _batch(3);
        t[1] = ITradeLedger.DocType.NONE;
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.InvalidDocumentType.selector, uint8(0)));
        vm.prank(enterprise);
        ledger.registerDocuments(h, t);
    }

    // ---------------------------------------------------------------- revoke

    function test_revoke_by_registrant_emits_and_marks() public {
        bytes32 d = doc("inv");
        register(enterprise, d);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.DocumentRevoked(d, enterprise, 7);
        vm.prank(enterprise);
        ledger.revokeDocument(d, 7);
        assertEq(uint8(ledger.getDocument(d).status), uint8(ITradeLedger.DocStatus.REVOKED), "status");
        assertTrue(ledger.isRevoked(d), "revoked");
        assertTrue(ledger.isIssued(d), "still issued");
    }

    function test_revoke_by_admin_and_owner() public {
        bytes32 a = doc("a");
        bytes32 b = doc("b");
        register(enterprise, a);
        register(enterprise, b);
        vm.prank(admin);
        ledger.revokeDocument(a, 1);
        vm.prank(owner);
        ledger.revokeDocument(b, 1);
        assertTrue(ledger.isRevoked(a) && ledger.isRevoked(b), "revoked");
    }

    function test_revoke_by_other_member_reverts() public {
        bytes32 d = doc("inv");
        register(enterprise, d);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.NotDocumentRegistrant.selector, d, bank));
        vm.prank(bank);
        ledger.revokeDocument(d, 1);
    }

    function test_revoke_twice_and_unknown_revert() public {
        bytes32 d = doc("inv");
        register(enterprise, d);
        vm.prank(enterprise);
        ledger.revokeDocument(d, 1);
        vm.expectRevert(
            abi.encodeWithSelector(ITradeLedger.DocumentNotActive.selector, d, ITradeLedger.DocStatus.REVOKED)
        );
        vm.prank(enterprise);
        ledger.revokeDocument(d, 1);
        bytes32 u = doc("unknown");
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.DocumentNotRegistered.selector, u));
        vm.prank(owner);
        ledger.revokeDocument(u, 1);
    }

    // ---------------------------------------------------------------- supersede

    function test_supersede_registers_successor_with_same_type() public {
        bytes32 d = doc("v1");
        bytes32 n = doc("v2");
        vm.prank(enterprise);
        ledger.registerDocument(d, ITradeLedger.DocType.WAREHOUSE_RECEIPT);
        vm.warp(T0 + 50);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.DocumentRegistered(n, enterprise, ITradeLedger.DocType.WAREHOUSE_RECEIPT);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.DocumentSuperseded(d, n, enterprise);
        vm.prank(enterprise);
        ledger.supersedeDocument(d, n);
        assertEq(ledger.successorOf(d), n, "successor");
        assertEq(uint8(ledger.getDocument(d).status), uint8(ITradeLedger.DocStatus.SUPERSEDED), "old");
        ITradeLedger.DocumentRecord memory r = ledger.getDocument(n);
        assertEq(uint8(r.status), uint8(ITradeLedger.DocStatus.ACTIVE), "new active");
        assertEq(uint8(r.docType), uint8(ITradeLedger.DocType.WAREHOUSE_RECEIPT), "same type");
        assertEq(r.registeredAt, T0 + 50, "new time");
        assertTrue(ledger.isRevoked(d), "superseded counts as revoked");
    }

    function test_supersede_errors() public {
        bytes32 d = doc("v1");
        bytes32 n = doc("v2");
        register(enterprise, d);
        register(enterprise, n);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.NotDocumentRegistrant.selector, d, bank));
        vm.prank(bank);
        ledger.supersedeDocument(d, doc("v3"));
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.SelfSupersession.selector, d));
        vm.prank(enterprise);
        ledger.supersedeDocument(d, d);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.DocumentAlreadyRegistered.selector, n, enterprise, T0));
        vm.prank(enterprise);
        ledger.supersedeDocument(d, n);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ZeroDocumentHash.selector));
        vm.prank(enterprise);
        ledger.supersedeDocument(d, 0);
        bytes32 u = doc("unknown");
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.DocumentNotRegistered.selector, u));
        vm.prank(enterprise);
        ledger.supersedeDocument(u, doc("v9"));
    }

    function test_superseded_cannot_be_superseded_or_revoked_again() public {
        bytes32 d = doc("v1");
        register(enterprise, d);
        vm.prank(enterprise);
        ledger.supersedeDocument(d, doc("v2"));
        bytes32 v3 = doc("v3");
        bytes memory err =
            abi.encodeWithSelector(ITradeLedger.DocumentNotActive.selector, d, ITradeLedger.DocStatus.SUPERSEDED);
        vm.expectRevert(err);
        vm.prank(enterprise);
        ledger.supersedeDocument(d, v3);
        vm.expectRevert(err);
        vm.prank(admin);
        ledger.revokeDocument(d, 1);
    }

    function test_admin_may_not_supersede() public {
        bytes32 d = doc("v1");
        register(enterprise, d);
        bytes32 v2 = doc("v2");
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.RoleNotAllowed.selector, admin, ITradeLedger.Role.ADMIN));
        vm.prank(admin);
        ledger.supersedeDocument(d, v2);
    }

    // ---------------------------------------------------------------- attest

    function test_attest_once_per_attestor() public {
        bytes32 d = doc("bl");
        register(enterprise, d);
        vm.warp(T0 + 10);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.DocumentAttested(d, attestor, bytes32("manifest"));
        vm.prank(attestor);
        ledger.attestDocument(d, bytes32("manifest"));
        assertEq(ledger.attestedAt(d, attestor), T0 + 10, "at");
        vm.prank(attestor2);
        ledger.attestDocument(d, bytes32("other"));
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.AlreadyAttested.selector, d, attestor));
        vm.prank(attestor);
        ledger.attestDocument(d, bytes32("again"));
    }

    function test_attest_survives_rotation_and_cannot_repeat_with_new_key() public {
        bytes32 d = doc("bl");
        register(enterprise, d);
        vm.prank(attestor);
        ledger.attestDocument(d, bytes32("m"));
        address newKey = vm.addr(0x1234);
        vm.prank(attestor);
        ledger.rotateMemberKey(attestor, newKey);
        assertEq(ledger.attestedAt(d, newKey), T0, "by id");
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.AlreadyAttested.selector, d, newKey));
        vm.prank(newKey);
        ledger.attestDocument(d, bytes32("m2"));
    }

    function test_attest_unknown_or_revoked_reverts() public {
        bytes32 u = doc("unknown");
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.DocumentNotRegistered.selector, u));
        vm.prank(attestor);
        ledger.attestDocument(u, 0);
        bytes32 d = doc("bl");
        register(enterprise, d);
        vm.prank(enterprise);
        ledger.revokeDocument(d, 1);
        vm.expectRevert(
            abi.encodeWithSelector(ITradeLedger.DocumentNotActive.selector, d, ITradeLedger.DocStatus.REVOKED)
        );
        vm.prank(attestor);
        ledger.attestDocument(d, 0);
    }
}
