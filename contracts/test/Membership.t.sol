// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {LedgerTest} from "./utils/LedgerTest.sol";
import {ITradeLedger} from "../ITradeLedger.sol";
import {TradeLedger} from "../TradeLedger.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

contract MembershipTest is LedgerTest {
    address internal newcomer = vm.addr(0xC0FFEE);
    address internal newKey = vm.addr(0xBEEF);
    bytes32 internal constant ENC_KEY = keccak256("x25519 public key");

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
        assertEq(ledger.MAX_FINANCING_FINGERPRINTS(), 128, "max fps per financing");
        assertEq(ledger.MAX_TERMS(), 8192, "max envelope");
    }

    function test_constructor_emits_MemberAdded() public {
        vm.expectEmit(true, true, true, true);
        emit ITradeLedger.MemberAdded(1, address(this), ITradeLedger.Role.ADMIN, bytes32("lid"), "Op");
        new TradeLedger("Op", bytes32("lid"), noCoAdmins(), 1, EVALUATOR_KEY);
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

    function test_rotate_own_key_keeps_id_documents_financings_and_encryption_key() public {
        register(bank, doc("inv"));
        bytes32[] memory f = fps("inv", 2);
        uint256 id = finance(bank, f);
        vm.prank(bank);
        ledger.setEncryptionKey(ENC_KEY);

        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.MemberKeyRotated(3, bank, newKey, bank);
        vm.prank(bank);
        ledger.rotateMemberKey(bank, newKey);

        assertEq(ledger.memberOf(newKey).id, 3, "same id");
        assertEq(ledger.memberOf(bank).id, 0, "old key forgotten");
        assertEq(ledger.memberById(3).account, newKey, "by id");
        assertEq(ledger.getDocument(doc("inv")).registrant, newKey, "doc attributed to id");
        assertEq(ledger.getFinancing(id).bank, newKey, "financing attributed to id");
        assertEq(ledger.encryptionKeyOf(newKey), ENC_KEY, "encryption key follows the id");
        assertEq(ledger.encryptionKeyOf(bank), bytes32(0), "old address has no key");
        (address[] memory accounts,) = ledger.encryptionRecipients(ITradeLedger.Role.BANK);
        assertEq(accounts.length, 1, "one bank recipient");
        assertEq(accounts[0], newKey, "listed under its new address");

        bytes memory e = hex"0102";
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.NotAMember.selector, bank));
        vm.prank(bank);
        ledger.recordEntry(id, keccak256(e), e);

        vm.startPrank(newKey);
        ledger.recordEntry(id, keccak256(e), e);
        ledger.revokeDocument(doc("inv"), 1);
        ledger.closeFinancing(id, f);
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

    // ---------------------------------------------------------------- encryption keys (issue #14)

    function test_setEncryptionKey_by_every_active_member_emits_and_stores() public {
        address[6] memory who = [owner, admin, bank, enterprise, regulator, attestor];
        uint32[6] memory ids = [uint32(1), 2, 3, 5, 7, 8];
        for (uint256 i = 0; i < who.length; ++i) {
            bytes32 key = keccak256(abi.encode("key", i));
            vm.expectEmit(true, true, true, true, address(ledger));
            emit ITradeLedger.EncryptionKeySet(ids[i], who[i], key);
            vm.prank(who[i]);
            ledger.setEncryptionKey(key);
            assertEq(ledger.encryptionKeyOf(who[i]), key, "stored");
        }
        // a new key replaces the old one
        vm.expectEmit(true, true, true, true, address(ledger));
        emit ITradeLedger.EncryptionKeySet(3, bank, ENC_KEY);
        vm.prank(bank);
        ledger.setEncryptionKey(ENC_KEY);
        assertEq(ledger.encryptionKeyOf(bank), ENC_KEY, "replaced");
        assertEq(ledger.encryptionKeyOf(bank2), bytes32(0), "none published");
        assertEq(ledger.encryptionKeyOf(newcomer), bytes32(0), "unknown address");
    }

    function test_setEncryptionKey_errors() public {
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.ZeroEncryptionKey.selector));
        vm.prank(bank);
        ledger.setEncryptionKey(0);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.NotAMember.selector, newcomer));
        vm.prank(newcomer);
        ledger.setEncryptionKey(ENC_KEY);
        vm.expectRevert(abi.encodeWithSelector(ITradeLedger.MemberNotActive.selector, suspendedBank));
        vm.prank(suspendedBank);
        ledger.setEncryptionKey(ENC_KEY);
        assertEq(ledger.encryptionKeyOf(suspendedBank), bytes32(0), "nothing stored");
    }

    function _setKey(address who, bytes32 key) internal {
        vm.prank(who);
        ledger.setEncryptionKey(key);
    }

    function _assertRecipients(ITradeLedger.Role role, address[] memory accounts, bytes32[] memory keys, string memory what)
        internal
        view
    {
        (address[] memory a, bytes32[] memory k) = ledger.encryptionRecipients(role);
        assertEq(a.length, accounts.length, string.concat(what, ": count"));
        assertEq(k.length, accounts.length, string.concat(what, ": keys count"));
        for (uint256 i = 0; i < accounts.length; ++i) {
            assertEq(a[i], accounts[i], string.concat(what, ": account"));
            assertEq(k[i], keys[i], string.concat(what, ": key"));
        }
    }

    /// @dev Only active members of the role that published a key, in member-id order; a
    ///      suspension takes a member out at once and a reinstatement puts it back.
    function test_encryptionRecipients_only_active_members_of_the_role_with_a_key() public {
        address regulator2 = vm.addr(0x4E2);
        address regulator3 = vm.addr(0x4E3);
        vm.startPrank(owner);
        ledger.addMember(regulator2, ITradeLedger.Role.REGULATOR, 0, "Regulator 2"); // id 14
        ledger.addMember(regulator3, ITradeLedger.Role.REGULATOR, 0, "Regulator 3"); // id 15, no key
        vm.stopPrank();
        _assertRecipients(ITradeLedger.Role.REGULATOR, new address[](0), new bytes32[](0), "none published yet");

        _setKey(regulator2, "k-reg2");
        _setKey(regulator, "k-reg");
        _setKey(bank, "k-bank");
        _setKey(enterprise, "k-ent");
        _setKey(attestor, "k-att");
        _setKey(admin, "k-adm");

        address[] memory regs = new address[](2);
        bytes32[] memory regKeys = new bytes32[](2);
        (regs[0], regs[1]) = (regulator, regulator2); // ids 7 and 14: id order, not key order
        (regKeys[0], regKeys[1]) = (bytes32("k-reg"), bytes32("k-reg2"));
        _assertRecipients(ITradeLedger.Role.REGULATOR, regs, regKeys, "regulators with a key");
        address[] memory one = new address[](1);
        bytes32[] memory oneKey = new bytes32[](1);
        (one[0], oneKey[0]) = (bank, bytes32("k-bank"));
        _assertRecipients(ITradeLedger.Role.BANK, one, oneKey, "banks (bank2 has no key)");
        (one[0], oneKey[0]) = (enterprise, bytes32("k-ent"));
        _assertRecipients(ITradeLedger.Role.ENTERPRISE, one, oneKey, "enterprises");
        (one[0], oneKey[0]) = (attestor, bytes32("k-att"));
        _assertRecipients(ITradeLedger.Role.ATTESTOR, one, oneKey, "attestors");
        (one[0], oneKey[0]) = (admin, bytes32("k-adm"));
        _assertRecipients(ITradeLedger.Role.ADMIN, one, oneKey, "admins");
        _assertRecipients(ITradeLedger.Role.NONE, new address[](0), new bytes32[](0), "role NONE");

        // a suspended member keeps its key but is no recipient until reinstated
        vm.prank(admin);
        ledger.suspendMember(regulator);
        (one[0], oneKey[0]) = (regulator2, bytes32("k-reg2"));
        _assertRecipients(ITradeLedger.Role.REGULATOR, one, oneKey, "suspended regulator left out");
        assertEq(ledger.encryptionKeyOf(regulator), bytes32("k-reg"), "key kept while suspended");
        vm.prank(admin);
        ledger.suspendMember(bank);
        _assertRecipients(ITradeLedger.Role.BANK, new address[](0), new bytes32[](0), "suspended bank left out");
        vm.prank(admin);
        ledger.reinstateMember(regulator);
        _assertRecipients(ITradeLedger.Role.REGULATOR, regs, regKeys, "reinstated");
        // a later key for regulator3 adds it at its id's place
        _setKey(regulator3, "k-reg3");
        (address[] memory all,) = ledger.encryptionRecipients(ITradeLedger.Role.REGULATOR);
        assertEq(all.length, 3, "three regulators");
        assertEq(all[2], regulator3, "id order");
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
