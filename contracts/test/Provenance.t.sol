// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {LedgerTest} from "./utils/LedgerTest.sol";
import {ITradeLedger} from "../ITradeLedger.sol";

/// @notice What verifiers outside the consortium read (issue #17): the TradeTrust /
///         OpenAttestation document-store reads, and the reads a proof bundle is checked with
///         (`tradeledger doc verify-proof`), all answered to any caller, member or not.
contract ProvenanceTest is LedgerTest {
    /// @dev ERC-165 `supportsInterface(bytes4)`
    bytes4 internal constant ERC165_SUPPORTS = 0x01ffc9a7;
    /// @dev the id tt-verify asks for to choose the batchable document store's three-argument
    ///      reads, which break v2 documents in tt-verify 9.7.2: the ledger must not advertise it
    bytes4 internal constant BATCHABLE_DOCUMENT_STORE = 0xdcfd0745;

    /// @dev OpenAttestation's pair hash: keccak256 of the two hashes in ascending order.
    function pair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    function test_batchable_document_store_interface_is_not_advertised() public view {
        (bool ok, bytes memory answer) =
            address(ledger).staticcall(abi.encodeWithSelector(ERC165_SUPPORTS, BATCHABLE_DOCUMENT_STORE));
        // no ERC-165 at all (the call reverts), or an explicit false: either sends tt-verify down
        // the one-argument isIssued/isRevoked path
        assertTrue(!ok || (answer.length == 32 && !abi.decode(answer, (bool))), "0xdcfd0745 advertised");
    }

    function test_three_argument_document_store_reads_are_not_answered() public view {
        bytes32[] memory path = new bytes32[](0);
        (bool issued,) = address(ledger).staticcall(
            abi.encodeWithSignature("isIssued(bytes32,bytes32,bytes32[])", doc("r"), doc("t"), path)
        );
        (bool revoked,) = address(ledger).staticcall(
            abi.encodeWithSignature("isRevoked(bytes32,bytes32,bytes32[])", doc("r"), doc("t"), path)
        );
        assertTrue(!issued && !revoked, "three-argument reads answered");
    }

    /// @dev A wrapped batch of two documents: target and sibling under one Merkle root, which
    ///      the issuer registers. The verifier asks isIssued(root), then isRevoked of every node
    ///      of the target's path (target, root).
    function test_a_registered_merkle_root_reads_issued_and_not_revoked_along_the_path() public {
        bytes32 target = doc("bill of lading 1");
        bytes32 sibling = doc("bill of lading 2");
        bytes32 root = pair(target, sibling);
        vm.prank(enterprise);
        ledger.registerDocument(root, ITradeLedger.DocType.BILL_OF_LADING);

        vm.startPrank(stranger); // a verifier is nobody in the consortium
        assertTrue(ledger.isIssued(root), "root issued");
        assertTrue(!ledger.isIssued(target), "only the root is registered");
        assertTrue(!ledger.isRevoked(target), "target not revoked");
        assertTrue(!ledger.isRevoked(root), "root not revoked");
        vm.stopPrank();
    }

    function test_a_revoked_root_reads_revoked_and_still_issued() public {
        bytes32 root = pair(doc("a"), doc("b"));
        register(enterprise, root);
        vm.prank(enterprise);
        ledger.revokeDocument(root, 3);
        vm.startPrank(stranger);
        assertTrue(ledger.isIssued(root), "still issued");
        assertTrue(ledger.isRevoked(root), "revoked");
        assertTrue(!ledger.isRevoked(doc("a")), "a path node that was never registered");
        vm.stopPrank();
    }

    function test_a_superseded_root_reads_revoked_and_its_successor_valid() public {
        bytes32 root = doc("v1");
        bytes32 amended = doc("v2");
        register(enterprise, root);
        vm.prank(enterprise);
        ledger.supersedeDocument(root, amended);
        vm.startPrank(stranger);
        assertTrue(ledger.isRevoked(root), "a superseded document is no longer valid");
        assertTrue(ledger.isIssued(amended) && !ledger.isRevoked(amended), "the amendment is");
        vm.stopPrank();
    }

    /// @dev The reads `doc verify-proof` makes by eth_call with no sender: the document record,
    ///      the registrant's member record by id (its key may have rotated since), the successor
    ///      and the deployment block.
    function test_proof_reads_answer_any_caller_and_follow_a_key_rotation() public {
        bytes32 d = doc("invoice");
        vm.warp(T0 + 10);
        register(enterprise, d);
        address rotated = vm.addr(0xE1E1);
        vm.prank(enterprise);
        ledger.rotateMemberKey(enterprise, rotated);

        vm.startPrank(stranger);
        ITradeLedger.DocumentRecord memory r = ledger.getDocument(d);
        assertEq(r.registrantId, 5, "registrant id");
        assertEq(r.registrant, rotated, "the registrant's current key");
        assertEq(r.registeredAt, T0 + 10, "registration time is the block's");
        ITradeLedger.MemberRecord memory m = ledger.memberById(r.registrantId);
        assertEq(m.account, rotated, "member by id");
        assertEq(m.legalIdHash, keccak256("ent"), "legal-id hash");
        assertEq(ledger.successorOf(d), bytes32(0), "no successor");
        assertTrue(ledger.deploymentBlock() <= block.number, "deployment block");
        vm.stopPrank();
    }
}
