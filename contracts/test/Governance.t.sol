// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {LedgerTest} from "./utils/LedgerTest.sol";
import {Vm} from "./utils/Vm.sol";
import {ITradeLedger} from "../ITradeLedger.sol";
import {TradeLedger} from "../TradeLedger.sol";

/// @notice Governance (issue #13): proposals with ids that take effect when M of N ADMINs approve.
///         The fixture has M = 1 and two active ADMINs (the owner and `admin`).
contract GovernanceTest is LedgerTest {
    address internal newcomer = vm.addr(0xC0FFEE);
    address internal newKey = vm.addr(0xBEEF);
    address internal admin3 = vm.addr(0xAD3);
    bytes32 internal constant ENC_KEY = keccak256("x25519 public key");

    // ---------------------------------------------------------------- builders

    function addInput(address account, ITradeLedger.Role role) internal pure returns (ITradeLedger.ProposalInput memory) {
        return ITradeLedger.ProposalInput(
            ITradeLedger.ProposalAction.ADD_MEMBER, account, address(0), role, keccak256("lei"), ENC_KEY, "Joiner"
        );
    }

    function targetInput(ITradeLedger.ProposalAction action, address account)
        internal
        pure
        returns (ITradeLedger.ProposalInput memory)
    {
        return ITradeLedger.ProposalInput(action, account, address(0), ITradeLedger.Role.NONE, 0, 0, "");
    }

    function thresholdInput(uint256 m) internal pure returns (ITradeLedger.ProposalInput memory) {
        return ITradeLedger.ProposalInput(
            ITradeLedger.ProposalAction.SET_THRESHOLD, address(0), address(0), ITradeLedger.Role.NONE, 0, bytes32(m), ""
        );
    }

    function propose(address who, ITradeLedger.ProposalInput memory input) internal returns (uint256 id) {
        vm.prank(who);
        id = ledger.propose(input);
    }

    function approve(address who, uint256 id) internal {
        vm.prank(who);
        ledger.approveProposal(id);
    }

    /// @dev M = 2 with the owner and `admin` as the two active ADMINs.
    function withTwoOfTwo() internal {
        propose(owner, thresholdInput(2));
        assertEq(ledger.threshold(), 2, "M");
    }

    function isMember(address account) internal view returns (bool) {
        return ledger.memberOf(account).id != 0;
    }

    // ---------------------------------------------------------------- deployment

    function test_deployment_sets_M_N_and_fingerprint_evaluator_key() public view {
        assertEq(ledger.threshold(), 1, "M");
        assertEq(ledger.adminCount(), 2, "N: owner and admin (suspendedAdmin does not count)");
        assertEq(ledger.fingerprintEvaluatorKey(), EVALUATOR_KEY, "evaluator key");
        assertEq(ledger.proposalCount(), 0, "no proposal yet");
        assertEq(ledger.deploymentBlock(), block.number, "deployment block");
    }

    function test_deployment_with_co_admins_and_M_2() public {
        address[] memory co = new address[](2);
        co[0] = admin;
        co[1] = admin3;
        vm.expectEmit(true, true, true, true);
        emit ITradeLedger.ThresholdChanged(0, 2);
        vm.expectEmit(true, true, true, true);
        emit ITradeLedger.FingerprintEvaluatorKeyChanged(0, EVALUATOR_KEY);
        TradeLedger l = new TradeLedger("Op", 0, co, 2, EVALUATOR_KEY);
        assertEq(l.threshold(), 2, "M");
        assertEq(l.adminCount(), 3, "N");
        assertEq(uint8(l.memberOf(admin3).role), uint8(ITradeLedger.Role.ADMIN), "co-admin");
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ProposalRequired.selector, uint8(2)));
        l.addMember(newcomer, ITradeLedger.Role.BANK, 0, "alone");
    }

    function test_deployment_refuses_M_above_N_zero_M_and_zero_evaluator_key() public {
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.InvalidThreshold.selector, 2, 1));
        new TradeLedger("Op", 0, noCoAdmins(), 2, EVALUATOR_KEY);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.InvalidThreshold.selector, 0, 1));
        new TradeLedger("Op", 0, noCoAdmins(), 0, EVALUATOR_KEY);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ZeroFingerprintEvaluatorKey.selector));
        new TradeLedger("Op", 0, noCoAdmins(), 1, 0);
    }

    // ---------------------------------------------------------------- M = 1: at once

    function test_M1_proposal_by_admin_executes_at_once_with_events() public {
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.ProposalCreated(
            1, ITradeLedger.ProposalAction.ADD_MEMBER, admin, newcomer, address(0), ITradeLedger.Role.BANK, ENC_KEY
        );
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.ProposalApproved(1, admin, 1, 1);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.MemberAdded(14, newcomer, ITradeLedger.Role.BANK, keccak256("lei"), "Joiner");
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.EncryptionKeySet(14, newcomer, ENC_KEY);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.ProposalExecuted(1, ITradeLedger.ProposalAction.ADD_MEMBER);
        uint256 id = propose(admin, addInput(newcomer, ITradeLedger.Role.BANK));
        assertEq(id, 1, "id");
        assertTrue(isMember(newcomer), "member at once");
        ITradeLedger.ProposalRecord memory p = ledger.getProposal(id);
        assertEq(uint8(p.status), uint8(ITradeLedger.ProposalStatus.EXECUTED), "executed");
        assertEq(p.proposer, admin, "proposer");
        assertEq(p.approvals, 1, "approvals");
        assertEq(p.input.data, ENC_KEY, "encryption key kept with the proposal");
        assertEq(ledger.encryptionKeyOf(newcomer), ENC_KEY, "encryption key published");
        assertTrue(ledger.hasApproved(id, admin), "approved");
    }

    // ---------------------------------------------------------------- encryption key at onboarding

    function test_add_member_without_key_publishes_none() public {
        ITradeLedger.ProposalInput memory input = addInput(newcomer, ITradeLedger.Role.REGULATOR);
        input.data = 0; // a custodial member: its gateway publishes the key later
        vm.recordLogs();
        propose(owner, input);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; ++i) {
            assertTrue(logs[i].topics[0] != ITradeLedger.EncryptionKeySet.selector, "no EncryptionKeySet");
        }
        assertTrue(isMember(newcomer), "member");
        assertEq(ledger.encryptionKeyOf(newcomer), bytes32(0), "no key");
        (address[] memory regs,) = ledger.encryptionRecipients(ITradeLedger.Role.REGULATOR);
        assertEq(regs.length, 0, "not a recipient without a key");
        // it publishes one itself
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.EncryptionKeySet(14, newcomer, ENC_KEY);
        vm.prank(newcomer);
        ledger.setEncryptionKey(ENC_KEY);
        (regs,) = ledger.encryptionRecipients(ITradeLedger.Role.REGULATOR);
        assertEq(regs.length, 1, "a recipient now");
    }

    function test_M2_key_published_when_the_proposal_executes() public {
        withTwoOfTwo();
        uint256 id = propose(admin, addInput(newcomer, ITradeLedger.Role.REGULATOR));
        assertEq(ledger.encryptionKeyOf(newcomer), bytes32(0), "nothing before execution");
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.MemberAdded(14, newcomer, ITradeLedger.Role.REGULATOR, keccak256("lei"), "Joiner");
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.EncryptionKeySet(14, newcomer, ENC_KEY);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.ProposalExecuted(id, ITradeLedger.ProposalAction.ADD_MEMBER);
        approve(owner, id);
        assertEq(ledger.encryptionKeyOf(newcomer), ENC_KEY, "published");
        (address[] memory regs, bytes32[] memory keys) = ledger.encryptionRecipients(ITradeLedger.Role.REGULATOR);
        assertEq(regs.length, 1, "one regulator with a key");
        assertEq(regs[0], newcomer, "the new regulator");
        assertEq(keys[0], ENC_KEY, "its key");
    }

    /// @dev The key rides only on ADD_MEMBER: another action's `data` is not a key.
    function test_other_actions_data_is_not_a_key() public {
        propose(owner, thresholdInput(2));
        assertEq(ledger.encryptionKeyOf(owner), bytes32(0), "the proposer got no key");
        assertEq(ledger.encryptionKeyOf(address(0)), bytes32(0), "nor the zero address");
    }

    function test_M1_owner_rules_still_hold_for_proposals() public {
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.OnlyOwnerManagesAdmins.selector, newcomer));
        ledger.propose(addInput(newcomer, ITradeLedger.Role.ADMIN));
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.OnlyOwnerManagesAdmins.selector, admin));
        ledger.propose(thresholdInput(2));
        // the owner may
        propose(owner, addInput(newcomer, ITradeLedger.Role.ADMIN));
        assertEq(ledger.adminCount(), 3, "N grew");
    }

    function test_M1_direct_calls_work_as_before() public {
        vm.prank(admin);
        ledger.addMember(newcomer, ITradeLedger.Role.BANK, 0, "Direct");
        vm.prank(admin);
        ledger.suspendMember(newcomer);
        assertTrue(!ledger.memberOf(newcomer).active, "suspended");
    }

    // ---------------------------------------------------------------- who may propose and approve

    function test_non_admins_may_not_propose_or_approve() public {
        withTwoOfTwo();
        uint256 id = propose(admin, addInput(newcomer, ITradeLedger.Role.BANK));
        vm.prank(bank);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.RoleNotAllowed.selector, bank, ITradeLedger.Role.BANK));
        ledger.approveProposal(id);
        vm.prank(regulator);
        vm.expectRevert(
            abi.encodeWithSelector(ITradeLedger.RoleNotAllowed.selector, regulator, ITradeLedger.Role.REGULATOR)
        );
        ledger.propose(addInput(newKey, ITradeLedger.Role.BANK));
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.NotAMember.selector, stranger));
        ledger.approveProposal(id);
        vm.prank(suspendedAdmin);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.MemberNotActive.selector, suspendedAdmin));
        ledger.approveProposal(id);
        assertTrue(!isMember(newcomer), "nothing changed");
    }

    // ---------------------------------------------------------------- M = 2

    function test_M2_one_admins_proposal_alone_changes_nothing() public {
        withTwoOfTwo();
        uint256 id = propose(admin, addInput(newcomer, ITradeLedger.Role.BANK));
        assertTrue(!isMember(newcomer), "not a member yet");
        ITradeLedger.ProposalRecord memory p = ledger.getProposal(id);
        assertEq(uint8(p.status), uint8(ITradeLedger.ProposalStatus.PENDING), "pending");
        assertEq(p.approvals, 1, "one approval");
        assertEq(ledger.memberCount(), 13, "count unchanged");
    }

    function test_M2_second_approval_executes() public {
        withTwoOfTwo();
        uint256 id = propose(admin, addInput(newcomer, ITradeLedger.Role.BANK));
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.ProposalApproved(id, owner, 2, 2);
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.ProposalExecuted(id, ITradeLedger.ProposalAction.ADD_MEMBER);
        approve(owner, id);
        assertTrue(isMember(newcomer), "member now");
        vm.prank(admin);
        vm.expectRevert(
            abi.encodeWithSelector(ITradeLedger.ProposalNotPending.selector, id, ITradeLedger.ProposalStatus.EXECUTED)
        );
        ledger.approveProposal(id);
    }

    function test_M2_double_approval_by_same_admin_refused() public {
        withTwoOfTwo();
        uint256 id = propose(admin, addInput(newcomer, ITradeLedger.Role.BANK));
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ProposalAlreadyApproved.selector, id, admin));
        ledger.approveProposal(id);
        assertTrue(!isMember(newcomer), "still nothing");
    }

    function test_M2_unknown_proposal() public {
        withTwoOfTwo();
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ProposalNotFound.selector, 99));
        ledger.approveProposal(99);
    }

    function test_M2_direct_changes_need_a_proposal() public {
        withTwoOfTwo();
        bytes memory err = abi.encodeWithSelector(ITradeLedger.ProposalRequired.selector, uint8(2));
        vm.startPrank(owner);
        vm.expectRevert(err);
        ledger.addMember(newcomer, ITradeLedger.Role.BANK, 0, "x");
        vm.expectRevert(err);
        ledger.suspendMember(bank);
        vm.expectRevert(err);
        ledger.reinstateMember(suspendedBank);
        vm.expectRevert(err);
        ledger.rotateMemberKey(bank, newKey);
        vm.stopPrank();
        // a member still rotates its own key alone
        vm.prank(bank);
        ledger.rotateMemberKey(bank, newKey);
        assertEq(ledger.memberById(3).account, newKey, "self rotation");
    }

    function test_M2_every_action_by_proposal() public {
        withTwoOfTwo();
        uint256 id = propose(admin, targetInput(ITradeLedger.ProposalAction.SUSPEND_MEMBER, bank));
        assertTrue(ledger.memberOf(bank).active, "not yet");
        approve(owner, id);
        assertTrue(!ledger.memberOf(bank).active, "suspended");
        id = propose(owner, targetInput(ITradeLedger.ProposalAction.REINSTATE_MEMBER, bank));
        approve(admin, id);
        assertTrue(ledger.memberOf(bank).active, "reinstated");
        ITradeLedger.ProposalInput memory rot = targetInput(ITradeLedger.ProposalAction.ROTATE_KEY, bank);
        rot.newAccount = newKey;
        id = propose(admin, rot);
        assertEq(ledger.memberById(3).account, bank, "not rotated yet");
        approve(owner, id);
        assertEq(ledger.memberById(3).account, newKey, "rotated");
        // adding an admin needs no owner once M > 1: two admins agree
        id = propose(admin, addInput(admin3, ITradeLedger.Role.ADMIN));
        approve(owner, id);
        assertEq(ledger.adminCount(), 3, "admin added");
        // removing (suspending) an admin
        id = propose(admin3, targetInput(ITradeLedger.ProposalAction.SUSPEND_MEMBER, owner));
        approve(admin, id);
        assertEq(ledger.adminCount(), 2, "admin removed");
        // the fingerprint evaluator's key
        ITradeLedger.ProposalInput memory fk = targetInput(ITradeLedger.ProposalAction.SET_FINGERPRINT_EVALUATOR, address(0));
        fk.data = keccak256("new key");
        id = propose(admin, fk);
        assertEq(ledger.fingerprintEvaluatorKey(), EVALUATOR_KEY, "old key until approved");
        approve(admin3, id);
        assertEq(ledger.fingerprintEvaluatorKey(), keccak256("new key"), "new evaluator key");
    }

    function test_M_changes_only_by_M_of_N() public {
        withTwoOfTwo();
        uint256 id = propose(admin, thresholdInput(1));
        assertEq(ledger.threshold(), 2, "one admin cannot lower M");
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.ThresholdChanged(2, 1);
        approve(owner, id);
        assertEq(ledger.threshold(), 1, "two of two lowered it");
    }

    function test_M_above_N_refused() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.InvalidThreshold.selector, 3, 2));
        ledger.propose(thresholdInput(3));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.InvalidThreshold.selector, 0, 2));
        ledger.propose(thresholdInput(0));
    }

    function test_M2_suspending_an_admin_below_M_refused() public {
        withTwoOfTwo();
        uint256 id = propose(admin, targetInput(ITradeLedger.ProposalAction.SUSPEND_MEMBER, owner));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.AdminsBelowThreshold.selector, 1, uint8(2)));
        ledger.approveProposal(id);
        assertTrue(ledger.memberOf(owner).active, "still active");
    }

    function test_approvals_of_removed_admins_do_not_count() public {
        // N = 3, M = 2
        propose(owner, addInput(admin3, ITradeLedger.Role.ADMIN));
        withTwoOfTwo();
        uint256 pending = propose(admin, addInput(newcomer, ITradeLedger.Role.BANK));
        uint256 removal = propose(owner, targetInput(ITradeLedger.ProposalAction.SUSPEND_MEMBER, admin));
        approve(admin3, removal);
        assertTrue(!ledger.memberOf(admin).active, "admin removed");
        approve(admin3, pending); // admin's earlier approval no longer counts: 1 of 2
        assertTrue(!isMember(newcomer), "not executed");
        approve(owner, pending);
        assertTrue(isMember(newcomer), "executed with two active approvals");
    }

    function test_proposals_refused_early() public {
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.MemberAlreadyExists.selector, bank, uint32(3)));
        ledger.propose(addInput(bank, ITradeLedger.Role.BANK));
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ZeroAddress.selector));
        ledger.propose(addInput(address(0), ITradeLedger.Role.BANK));
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.InvalidRole.selector, uint8(0)));
        ledger.propose(addInput(newcomer, ITradeLedger.Role.NONE));
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.NotAMember.selector, newcomer));
        ledger.propose(targetInput(ITradeLedger.ProposalAction.SUSPEND_MEMBER, newcomer));
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.InvalidProposalAction.selector, uint8(0)));
        ledger.propose(targetInput(ITradeLedger.ProposalAction.NONE, bank));
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ZeroFingerprintEvaluatorKey.selector));
        ledger.propose(targetInput(ITradeLedger.ProposalAction.SET_FINGERPRINT_EVALUATOR, address(0)));
        vm.stopPrank();
        assertEq(ledger.proposalCount(), 0, "none stored");
    }
}
