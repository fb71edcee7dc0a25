// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {LedgerTest} from "./utils/LedgerTest.sol";
import {ITradeLedger} from "../ITradeLedger.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @notice Every state-changing function called by every kind of caller: the owner, an ADMIN,
///         BANK, ENTERPRISE, REGULATOR and ATTESTOR member, an unknown address and a suspended
///         member (of the role that would otherwise be allowed). Each call either succeeds or
///         reverts with the exact expected error and arguments.
contract RoleMatrixTest is LedgerTest {
    enum Caller {
        OWNER,
        ADMIN,
        BANK,
        ENTERPRISE,
        REGULATOR,
        ATTESTOR,
        UNKNOWN,
        SUSPENDED
    }

    uint256 internal constant CALLERS = 8;
    address internal newcomer = vm.addr(0xC0FFEE);
    address internal newKey = vm.addr(0xBEEF);
    address internal suspendedRegulator = vm.addr(0x54E);
    bytes32 internal docE; // registered by `enterprise`
    bytes32[] internal fpF; // locked by `bank`'s financing
    uint256 internal financingId;
    bytes internal entry = hex"a1b2c3d4e5f6";

    function setUp() public override {
        super.setUp();
        docE = doc("enterprise-doc");
        register(enterprise, docE);
        fpF = fps("F", 2);
        financingId = finance(bank, fpF);
        vm.prank(bank);
        ledger.recordEntry(financingId, keccak256(entry), entry);
        vm.startPrank(owner);
        ledger.addMember(suspendedRegulator, ITradeLedger.Role.REGULATOR, 0, "S Reg");
        ledger.suspendMember(suspendedRegulator);
        vm.stopPrank();
    }

    function _who(Caller c, address suspended) internal view returns (address) {
        if (c == Caller.OWNER) return owner;
        if (c == Caller.ADMIN) return admin;
        if (c == Caller.BANK) return bank;
        if (c == Caller.ENTERPRISE) return enterprise;
        if (c == Caller.REGULATOR) return regulator;
        if (c == Caller.ATTESTOR) return attestor;
        if (c == Caller.UNKNOWN) return stranger;
        return suspended;
    }

    function _role(Caller c) internal pure returns (ITradeLedger.Role) {
        if (c == Caller.OWNER || c == Caller.ADMIN) return ITradeLedger.Role.ADMIN;
        if (c == Caller.BANK) return ITradeLedger.Role.BANK;
        if (c == Caller.ENTERPRISE) return ITradeLedger.Role.ENTERPRISE;
        if (c == Caller.REGULATOR) return ITradeLedger.Role.REGULATOR;
        return ITradeLedger.Role.ATTESTOR;
    }

    /// @dev The error for a caller outside `allowed`: unknown, suspended, or the wrong role.
    function _membershipError(Caller c, address who) internal pure returns (bytes memory) {
        if (c == Caller.UNKNOWN) return abi.encodeWithSelector(ITradeLedger.NotAMember.selector, who);
        if (c == Caller.SUSPENDED) return abi.encodeWithSelector(ITradeLedger.MemberNotActive.selector, who);
        return abi.encodeWithSelector(ITradeLedger.RoleNotAllowed.selector, who, _role(c));
    }

    /// @dev Runs `data` from every caller on a fresh state. `allowedMask` bit i = Caller(i)
    ///      succeeds; `special` overrides the expected error per caller (empty = membership error).
    function _matrix(
        bytes memory data,
        address suspended,
        uint256 allowedMask,
        bytes[CALLERS] memory special
    ) internal {
        for (uint256 i = 0; i < CALLERS; ++i) {
            Caller c = Caller(i);
            address who = _who(c, suspended);
            uint256 snap = vm.snapshotState();
            vm.prank(who);
            (bool ok, bytes memory ret) = address(ledger).call(data);
            bool allowed = allowedMask & (1 << i) != 0;
            if (allowed) {
                assertTrue(ok, string.concat("should be allowed: caller ", _name(c)));
            } else {
                bytes memory expected = special[i].length != 0 ? special[i] : _membershipError(c, who);
                assertTrue(!ok, string.concat("should be refused: caller ", _name(c)));
                assertEq(keccak256(ret), keccak256(expected), string.concat("wrong error: caller ", _name(c)));
            }
            vm.revertToState(snap);
        }
    }

    function _name(Caller c) internal pure returns (string memory) {
        string[8] memory n = ["OWNER", "ADMIN", "BANK", "ENTERPRISE", "REGULATOR", "ATTESTOR", "UNKNOWN", "SUSPENDED"];
        return n[uint256(c)];
    }

    function _mask(Caller a) internal pure returns (uint256) {
        return 1 << uint256(a);
    }

    function _mask(Caller a, Caller b) internal pure returns (uint256) {
        return (1 << uint256(a)) | (1 << uint256(b));
    }

    function _mask(Caller a, Caller b, Caller c) internal pure returns (uint256) {
        return (1 << uint256(a)) | (1 << uint256(b)) | (1 << uint256(c));
    }

    bytes[CALLERS] internal noSpecial;

    // ---------------------------------------------------------------- membership

    function test_matrix_addMember() public {
        _matrix(
            abi.encodeCall(ledger.addMember, (newcomer, ITradeLedger.Role.BANK, 0, "n")),
            suspendedAdmin,
            _mask(Caller.OWNER, Caller.ADMIN),
            noSpecial
        );
    }

    function test_matrix_addMember_admin_role() public {
        bytes[CALLERS] memory s;
        s[uint256(Caller.ADMIN)] = abi.encodeWithSelector(ITradeLedger.OnlyOwnerManagesAdmins.selector, newcomer);
        _matrix(
            abi.encodeCall(ledger.addMember, (newcomer, ITradeLedger.Role.ADMIN, 0, "n")),
            suspendedAdmin,
            _mask(Caller.OWNER),
            s
        );
    }

    function test_matrix_suspendMember() public {
        _matrix(abi.encodeCall(ledger.suspendMember, (enterprise2)), suspendedAdmin, _mask(Caller.OWNER, Caller.ADMIN), noSpecial);
    }

    function test_matrix_reinstateMember() public {
        _matrix(
            abi.encodeCall(ledger.reinstateMember, (suspendedEnterprise)),
            suspendedAdmin,
            _mask(Caller.OWNER, Caller.ADMIN),
            noSpecial
        );
    }

    function test_matrix_rotateMemberKey_of_another_member() public {
        _matrix(
            abi.encodeCall(ledger.rotateMemberKey, (enterprise2, newKey)),
            suspendedAdmin,
            _mask(Caller.OWNER, Caller.ADMIN),
            noSpecial
        );
    }

    /// @dev Every caller rotates its own key: all active members but the REGULATOR may.
    function test_matrix_rotateMemberKey_own_key() public {
        for (uint256 i = 0; i < CALLERS; ++i) {
            Caller c = Caller(i);
            address who = _who(c, suspendedBank);
            uint256 snap = vm.snapshotState();
            bool allowed = c != Caller.REGULATOR && c != Caller.UNKNOWN && c != Caller.SUSPENDED;
            uint32 id = ledger.memberOf(who).id;
            if (!allowed) vm.expectRevert(_membershipError(c, who));
            vm.prank(who);
            ledger.rotateMemberKey(who, newKey);
            if (allowed) {
                assertEq(ledger.memberOf(newKey).id, id, "kept id");
                assertEq(ledger.memberOf(who).id, 0, "old key gone");
            }
            vm.revertToState(snap);
        }
    }

    function test_matrix_transferOwnership() public {
        bytes[CALLERS] memory s;
        for (uint256 i = 1; i < CALLERS; ++i) {
            s[i] = abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, _who(Caller(i), suspendedAdmin));
        }
        _matrix(abi.encodeCall(ledger.transferOwnership, (newcomer)), suspendedAdmin, _mask(Caller.OWNER), s);
    }

    // ---------------------------------------------------------------- documents

    function test_matrix_registerDocument() public {
        _matrix(
            abi.encodeCall(ledger.registerDocument, (doc("new"), ITradeLedger.DocType.INVOICE)),
            suspendedEnterprise,
            _mask(Caller.BANK, Caller.ENTERPRISE, Caller.ATTESTOR),
            noSpecial
        );
    }

    function test_matrix_registerDocuments() public {
        bytes32[] memory h = new bytes32[](2);
        (h[0], h[1]) = (doc("n1"), doc("n2"));
        ITradeLedger.DocType[] memory t = new ITradeLedger.DocType[](2);
        (t[0], t[1]) = (ITradeLedger.DocType.INVOICE, ITradeLedger.DocType.OTHER);
        _matrix(
            abi.encodeCall(ledger.registerDocuments, (h, t)),
            suspendedEnterprise,
            _mask(Caller.BANK, Caller.ENTERPRISE, Caller.ATTESTOR),
            noSpecial
        );
    }

    function test_matrix_revokeDocument() public {
        bytes[CALLERS] memory s;
        s[uint256(Caller.BANK)] = abi.encodeWithSelector(ITradeLedger.NotDocumentRegistrant.selector, docE, bank);
        s[uint256(Caller.ATTESTOR)] = abi.encodeWithSelector(ITradeLedger.NotDocumentRegistrant.selector, docE, attestor);
        _matrix(
            abi.encodeCall(ledger.revokeDocument, (docE, 3)),
            suspendedEnterprise,
            _mask(Caller.OWNER, Caller.ADMIN, Caller.ENTERPRISE),
            s
        );
    }

    function test_matrix_supersedeDocument() public {
        bytes[CALLERS] memory s;
        s[uint256(Caller.BANK)] = abi.encodeWithSelector(ITradeLedger.NotDocumentRegistrant.selector, docE, bank);
        s[uint256(Caller.ATTESTOR)] = abi.encodeWithSelector(ITradeLedger.NotDocumentRegistrant.selector, docE, attestor);
        _matrix(
            abi.encodeCall(ledger.supersedeDocument, (docE, doc("amended"))),
            suspendedEnterprise,
            _mask(Caller.ENTERPRISE),
            s
        );
    }

    function test_matrix_attestDocument() public {
        _matrix(abi.encodeCall(ledger.attestDocument, (docE, bytes32("e"))), suspendedAttestor, _mask(Caller.ATTESTOR), noSpecial);
    }

    // ---------------------------------------------------------------- financing

    function test_matrix_registerFinancing() public {
        _matrix(
            abi.encodeCall(ledger.registerFinancing, (fps("E", 3), COMMITMENT, terms())),
            suspendedBank,
            _mask(Caller.BANK),
            noSpecial
        );
    }

    /// @dev A refused attempt (a fingerprint is held) is still a BANK-only write.
    function test_matrix_registerFinancing_refused() public {
        _matrix(
            abi.encodeCall(ledger.registerFinancing, (fpF, COMMITMENT, terms())), suspendedBank, _mask(Caller.BANK), noSpecial
        );
    }

    function test_matrix_registerMarkedFinancing() public {
        _matrix(
            abi.encodeCall(ledger.registerMarkedFinancing, (fps("G", 3), fps("marks G", 2), COMMITMENT, terms())),
            suspendedBank,
            _mask(Caller.BANK),
            noSpecial
        );
    }

    function test_matrix_recordRefusal() public {
        _matrix(abi.encodeCall(ledger.recordRefusal, (COMMITMENT, terms())), suspendedBank, _mask(Caller.BANK), noSpecial);
    }

    function test_matrix_recordEntry() public {
        _matrix(
            abi.encodeCall(ledger.recordEntry, (financingId, keccak256(entry), entry)),
            suspendedBank,
            _mask(Caller.BANK),
            noSpecial
        );
    }

    function test_matrix_shareTerms() public {
        bytes memory keys = envelope("keys", 80);
        // a suspended bank and a suspended regulator: both refused as not active
        _matrix(abi.encodeCall(ledger.shareTerms, (financingId, keys)), suspendedBank, _mask(Caller.BANK, Caller.REGULATOR), noSpecial);
        _matrix(
            abi.encodeCall(ledger.shareTerms, (financingId, keys)),
            suspendedRegulator,
            _mask(Caller.BANK, Caller.REGULATOR),
            noSpecial
        );
    }

    function test_matrix_closeFinancing() public {
        _matrix(abi.encodeCall(ledger.closeFinancing, (financingId, fpF)), suspendedBank, _mask(Caller.BANK), noSpecial);
    }

    function test_matrix_cancelFinancing() public {
        _matrix(abi.encodeCall(ledger.cancelFinancing, (financingId, 2, fpF)), suspendedBank, _mask(Caller.BANK), noSpecial);
    }

    /// @dev A second bank is a BANK but not this financing's bank.
    function test_other_bank_is_refused_on_every_financing_operation() public {
        bytes memory err = abi.encodeWithSelector(ITradeLedger.NotFinancingBank.selector, financingId, bank2);
        vm.startPrank(bank2);
        vm.expectRevert(err);
        ledger.recordEntry(financingId, keccak256(entry), entry);
        vm.expectRevert(err);
        ledger.shareTerms(financingId, entry);
        vm.expectRevert(err);
        ledger.closeFinancing(financingId, fpF);
        vm.expectRevert(err);
        ledger.cancelFinancing(financingId, 1, fpF);
        vm.stopPrank();
        assertEq(ledger.fingerprintHolder(fpF[0]), financingId, "still held");
    }

    // ---------------------------------------------------------------- encryption keys, governance

    function test_matrix_setEncryptionKey() public {
        bytes memory data = abi.encodeCall(ledger.setEncryptionKey, (keccak256("x25519")));
        uint256 members = _mask(Caller.OWNER, Caller.ADMIN, Caller.BANK) | _mask(Caller.ENTERPRISE, Caller.REGULATOR, Caller.ATTESTOR);
        _matrix(data, suspendedBank, members, noSpecial);
        _matrix(data, suspendedRegulator, members, noSpecial);
        _matrix(data, suspendedAdmin, members, noSpecial);
    }

    function test_matrix_propose() public {
        ITradeLedger.ProposalInput memory input = ITradeLedger.ProposalInput(
            ITradeLedger.ProposalAction.ADD_MEMBER, newcomer, address(0), ITradeLedger.Role.BANK, 0, keccak256("k"), "n"
        );
        _matrix(abi.encodeCall(ledger.propose, (input)), suspendedAdmin, _mask(Caller.OWNER, Caller.ADMIN), noSpecial);
    }

    /// @dev With M = 2 a pending proposal by `admin`: the other active ADMIN (the owner's
    ///      member) approves; `admin` has approved already.
    function test_matrix_approveProposal() public {
        ITradeLedger.ProposalInput memory m2 = ITradeLedger.ProposalInput(
            ITradeLedger.ProposalAction.SET_THRESHOLD, address(0), address(0), ITradeLedger.Role.NONE, 0, bytes32(uint256(2)), ""
        );
        vm.prank(owner);
        ledger.propose(m2);
        ITradeLedger.ProposalInput memory input = ITradeLedger.ProposalInput(
            ITradeLedger.ProposalAction.ADD_MEMBER, newcomer, address(0), ITradeLedger.Role.BANK, 0, 0, "n"
        );
        vm.prank(admin);
        uint256 id = ledger.propose(input);
        bytes[CALLERS] memory s;
        s[uint256(Caller.ADMIN)] = abi.encodeWithSelector(ITradeLedger.ProposalAlreadyApproved.selector, id, admin);
        _matrix(abi.encodeCall(ledger.approveProposal, (id)), suspendedAdmin, _mask(Caller.OWNER), s);
    }

    function test_matrix_acceptOwnership() public {
        vm.prank(owner);
        ledger.transferOwnership(newcomer);
        bytes[CALLERS] memory s;
        for (uint256 i = 0; i < CALLERS; ++i) {
            s[i] = abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, _who(Caller(i), suspendedAdmin));
        }
        _matrix(abi.encodeCall(ledger.acceptOwnership, ()), suspendedAdmin, 0, s);
        vm.prank(newcomer);
        ledger.acceptOwnership();
        assertEq(ledger.owner(), newcomer, "only the pending owner accepts");
    }

    function test_matrix_renounceOwnership() public {
        bytes[CALLERS] memory s;
        for (uint256 i = 0; i < CALLERS; ++i) {
            s[i] = abi.encodeWithSelector(ITradeLedger.OwnershipRenounceDisabled.selector);
        }
        _matrix(abi.encodeCall(ledger.renounceOwnership, ()), suspendedAdmin, 0, s);
    }
}
