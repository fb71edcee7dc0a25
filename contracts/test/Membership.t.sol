// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {LedgerTest} from "./utils/LedgerTest.sol";
import {ITradeLedger} from "../ITradeLedger.sol";
import {TradeLedger} from "../TradeLedger.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

contract MembershipTest is LedgerTest {
    address internal newcomer = vm.addr(0xC0FFEE);
    address internal newKey = vm.addr(0xBEEF);

    // ---------------------------------------------------------------- constructor

    function test_constructor_makes_deployer_owner_and_admin_1() public view {
        assertEq(ledger.owner(), owner, "owner");
        ITradeLedger.MemberRecord memory m = ledger.memberById(1);
        assertEq(m.id, 1, "id");
        assertEq(m.account, owner, "account");
        assertEq(uint8(m.role), uint8(ITradeLedger.Role.ADMIN), "role");
        assertTrue(m.active, "active");
        assertEq(m.legalIdHash, keccak256("owner-legal-id"), "legal id");
        assertEq(ledger.memberCount(), 13, "count");
        assertEq(ledger.MAX_BATCH(), 256, "max batch");
        assertEq(ledger.MAX_FINGERPRINTS(), 8, "max fps");
        assertEq(ledger.MAX_PLEDGES(), 16, "max pledges");
    }

    function test_constructor_emits_MemberAdded() public {
        vm.expectEmit(true, true, true, true);
        emit ITradeLedger.MemberAdded(1, address(this), ITradeLedger.Role.ADMIN, bytes32("lid"), "Op");
        new TradeLedger("Op", bytes32("lid"), noCoAdmins(), 1, FP_KEY_ID);
    }

    // ---------------------------------------------------------------- addMember

    function test_addMember_by_owner_emits_and_stores() public {
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.MemberAdded(14, newcomer, ITradeLedger.Role.BANK, bytes32("x"), "New Bank");
        vm.prank(owner);
        uint32 id = ledger.addMember(newcomer, ITradeLedger.Role.BANK, bytes32("x"), "New Bank");
        assertEq(id, 14, "id");
        ITradeLedger.MemberRecord memory m = ledger.memberOf(newcomer);
        assertEq(m.id, 14, "id");
        assertEq(m.account, newcomer, "account");
        assertEq(uint8(m.role), uint8(ITradeLedger.Role.BANK), "role");
        assertTrue(m.active, "active");
        assertEq(m.legalIdHash, bytes32("x"), "legal");
    }

    function test_addMember_owner_may_add_admin() public {
        vm.prank(owner);
        ledger.addMember(newcomer, ITradeLedger.Role.ADMIN, 0, "A2");
        assertEq(uint8(ledger.memberOf(newcomer).role), uint8(ITradeLedger.Role.ADMIN), "role");
    }

    function test_addMember_admin_may_add_non_admin() public {
        vm.prank(admin);
        ledger.addMember(newcomer, ITradeLedger.Role.REGULATOR, 0, "R2");
        assertEq(uint8(ledger.memberOf(newcomer).role), uint8(ITradeLedger.Role.REGULATOR), "role");
    }

    function test_addMember_admin_may_not_add_admin() public {
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.OnlyOwnerManagesAdmins.selector, newcomer));
        vm.prank(admin);
        ledger.addMember(newcomer, ITradeLedger.Role.ADMIN, 0, "A2");
    }

    function test_addMember_zero_address_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ZeroAddress.selector));
        vm.prank(owner);
        ledger.addMember(address(0), ITradeLedger.Role.BANK, 0, "z");
    }

    function test_addMember_role_none_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.InvalidRole.selector, uint8(0)));
        vm.prank(owner);
        ledger.addMember(newcomer, ITradeLedger.Role.NONE, 0, "z");
    }

    function test_addMember_out_of_range_role_reverts_in_decoder() public {
        vm.expectRevert(bytes(""));
        vm.prank(owner);
        (bool ok,) = address(ledger).call(
            abi.encodeWithSelector(ITradeLedger.addMember.selector, newcomer, uint8(6), bytes32(0), "z")
        );
        ok;
    }

    function test_addMember_existing_reverts_naming_member() public {
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.MemberAlreadyExists.selector, bank, uint32(3)));
        vm.prank(owner);
        ledger.addMember(bank, ITradeLedger.Role.BANK, 0, "dup");
    }

    // ---------------------------------------------------------------- suspend / reinstate

    function test_suspend_and_reinstate_emit_and_toggle() public {
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.MemberSuspended(3, bank, admin);
        vm.prank(admin);
        ledger.suspendMember(bank);
        assertTrue(!ledger.memberOf(bank).active, "suspended");

        bytes32 x = doc("x");
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.MemberNotActive.selector, bank));
        register(bank, x);

        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.MemberReinstated(3, bank, owner);
        vm.prank(owner);
        ledger.reinstateMember(bank);
        assertTrue(ledger.memberOf(bank).active, "active");
        register(bank, x);
    }

    function test_suspend_twice_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.MemberAlreadySuspended.selector, suspendedBank));
        vm.prank(admin);
        ledger.suspendMember(suspendedBank);
    }

    function test_reinstate_active_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.MemberNotSuspended.selector, bank));
        vm.prank(admin);
        ledger.reinstateMember(bank);
    }

    function test_suspend_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.NotAMember.selector, newcomer));
        vm.prank(admin);
        ledger.suspendMember(newcomer);
    }

    function test_admin_may_not_suspend_or_reinstate_admin() public {
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.OnlyOwnerManagesAdmins.selector, owner));
        vm.prank(admin);
        ledger.suspendMember(owner);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.OnlyOwnerManagesAdmins.selector, suspendedAdmin));
        vm.prank(admin);
        ledger.reinstateMember(suspendedAdmin);
    }

    function test_owner_may_suspend_admin_and_own_member_but_keeps_owner_powers() public {
        vm.startPrank(owner);
        ledger.suspendMember(admin);
        ledger.suspendMember(owner);
        ledger.addMember(newcomer, ITradeLedger.Role.BANK, 0, "still owner");
        ledger.reinstateMember(owner);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.MemberNotActive.selector, admin));
        vm.prank(admin);
        ledger.addMember(newKey, ITradeLedger.Role.BANK, 0, "no");
    }

    // ---------------------------------------------------------------- key rotation

    function test_rotate_own_key_keeps_id_documents_and_financings() public {
        register(bank, doc("inv"));
        uint256 id = finance(bank, pledge1(doc("inv"), 100, 1000, fps("inv", 2)));

        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.MemberKeyRotated(3, bank, newKey, bank);
        vm.prank(bank);
        ledger.rotateMemberKey(bank, newKey);

        assertEq(ledger.memberOf(newKey).id, 3, "same id");
        assertEq(ledger.memberOf(bank).id, 0, "old key forgotten");
        assertEq(ledger.memberById(3).account, newKey, "by id");
        assertEq(ledger.getDocument(doc("inv")).registrant, newKey, "doc attributed to id");
        assertEq(ledger.getFinancing(id).bank, newKey, "financing attributed to id");

        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.NotAMember.selector, bank));
        vm.prank(bank);
        ledger.drawdown(id, 10);

        vm.startPrank(newKey);
        ledger.drawdown(id, 10);
        ledger.repay(id, 10);
        ledger.revokeDocument(doc("inv"), 1);
        ledger.closeFinancing(id, release1(doc("inv"), fps("inv", 2)));
        vm.stopPrank();
    }

    function test_rotate_by_admin_and_owner() public {
        vm.prank(admin);
        ledger.rotateMemberKey(enterprise, newKey);
        vm.prank(owner);
        ledger.rotateMemberKey(admin, newcomer);
        assertEq(ledger.memberOf(newcomer).id, 2, "admin rotated by owner");
    }

    function test_admin_may_rotate_own_key_but_not_other_admins() public {
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.OnlyOwnerManagesAdmins.selector, owner));
        vm.prank(admin);
        ledger.rotateMemberKey(owner, newKey);
        vm.prank(admin);
        ledger.rotateMemberKey(admin, newKey);
        assertEq(ledger.memberOf(newKey).id, 2, "rotated");
    }

    function test_rotate_by_other_member_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(ITradeLedger.RoleNotAllowed.selector, bank2, ITradeLedger.Role.BANK)
        );
        vm.prank(bank2);
        ledger.rotateMemberKey(bank, newKey);
    }

    function test_regulator_may_not_rotate_own_key() public {
        vm.expectRevert(
            abi.encodeWithSelector(ITradeLedger.RoleNotAllowed.selector, regulator, ITradeLedger.Role.REGULATOR)
        );
        vm.prank(regulator);
        ledger.rotateMemberKey(regulator, newKey);
    }

    function test_suspended_member_may_not_rotate_own_key_but_admin_may_and_it_stays_suspended() public {
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.MemberNotActive.selector, suspendedBank));
        vm.prank(suspendedBank);
        ledger.rotateMemberKey(suspendedBank, newKey);
        vm.prank(admin);
        ledger.rotateMemberKey(suspendedBank, newKey);
        assertTrue(!ledger.memberOf(newKey).active, "still suspended");
    }

    function test_rotate_errors() public {
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ZeroAddress.selector));
        ledger.rotateMemberKey(bank, address(0));
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.MemberAlreadyExists.selector, bank2, uint32(4)));
        ledger.rotateMemberKey(bank, bank2);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.NotAMember.selector, newcomer));
        ledger.rotateMemberKey(newcomer, newKey);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- ownership

    function test_two_step_ownership_transfer() public {
        vm.prank(owner);
        ledger.transferOwnership(newcomer);
        assertEq(ledger.owner(), owner, "not yet");
        vm.prank(newcomer);
        ledger.acceptOwnership();
        assertEq(ledger.owner(), newcomer, "transferred");
        // the new owner manages ADMINs without being a member
        vm.prank(newcomer);
        ledger.suspendMember(admin);
        // the old owner is still ADMIN member 1 but has lost the owner's powers
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.OnlyOwnerManagesAdmins.selector, admin));
        vm.prank(owner);
        ledger.reinstateMember(admin);
    }

    function test_transferOwnership_only_owner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, admin));
        vm.prank(admin);
        ledger.transferOwnership(admin);
    }

    function test_renounceOwnership_disabled() public {
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.OwnershipRenounceDisabled.selector));
        vm.prank(owner);
        ledger.renounceOwnership();
    }

    function test_views_for_unknown() public view {
        assertEq(ledger.memberOf(newcomer).id, 0, "unknown");
        assertEq(ledger.memberById(0).account, address(0), "id 0");
        assertEq(ledger.memberById(99).account, address(0), "id 99");
    }
}
