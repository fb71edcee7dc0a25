// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Vm} from "./Vm.sol";
import {ITradeLedger} from "../../ITradeLedger.sol";
import {TradeLedger} from "../../TradeLedger.sol";

/// @notice Shared fixture: a ledger with one member of every role, plus suspended members, and
///         small assertion helpers (no forge-std needed).
abstract contract LedgerTest {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @notice forge reads this to decide that a test is a test contract
    bool public IS_TEST = true;

    TradeLedger internal ledger;

    address internal owner = vm.addr(0xA11CE);
    address internal admin = vm.addr(0xAD);
    address internal bank = vm.addr(0xB1);
    address internal bank2 = vm.addr(0xB2);
    address internal enterprise = vm.addr(0xE1);
    address internal enterprise2 = vm.addr(0xE2);
    address internal regulator = vm.addr(0x4E);
    address internal attestor = vm.addr(0xA7);
    address internal attestor2 = vm.addr(0xA8);
    address internal stranger = vm.addr(0x5);
    address internal suspendedAdmin = vm.addr(0x5AD);
    address internal suspendedBank = vm.addr(0x5B1);
    address internal suspendedEnterprise = vm.addr(0x5E1);
    address internal suspendedAttestor = vm.addr(0x5A7);

    uint40 internal constant T0 = 1_750_000_000;
    bytes32 internal constant EVALUATOR_KEY = keccak256("fingerprint-evaluator-key");
    /// @dev the commitment the default financing carries (any non-zero word: the contract
    ///      only checks that it is not zero; the gateway computes a salted SHA-256)
    bytes32 internal constant COMMITMENT = keccak256("terms-commitment");
    /// @dev a realistic terms envelope for one document: ~200 bytes of header, 80 per recipient
    ///      (the bank, a regulator, the registrant) and a 300-byte payload
    uint256 internal constant TERMS_ONE_DOC = 200 + 3 * 80 + 300;

    error AssertionFailed(string what);

    function setUp() public virtual {
        vm.warp(T0);
        vm.prank(owner);
        ledger = new TradeLedger("Consortium operator", keccak256("owner-legal-id"), noCoAdmins(), 1, EVALUATOR_KEY);
        vm.startPrank(owner);
        ledger.addMember(admin, ITradeLedger.Role.ADMIN, keccak256("admin"), "Admin");
        ledger.addMember(bank, ITradeLedger.Role.BANK, keccak256("bank"), "Bank One");
        ledger.addMember(bank2, ITradeLedger.Role.BANK, keccak256("bank2"), "Bank Two");
        ledger.addMember(enterprise, ITradeLedger.Role.ENTERPRISE, keccak256("ent"), "Exporter");
        ledger.addMember(enterprise2, ITradeLedger.Role.ENTERPRISE, keccak256("ent2"), "Importer");
        ledger.addMember(regulator, ITradeLedger.Role.REGULATOR, keccak256("reg"), "Regulator");
        ledger.addMember(attestor, ITradeLedger.Role.ATTESTOR, keccak256("att"), "Customs");
        ledger.addMember(attestor2, ITradeLedger.Role.ATTESTOR, keccak256("att2"), "Carrier");
        ledger.addMember(suspendedAdmin, ITradeLedger.Role.ADMIN, keccak256("sadm"), "S Admin");
        ledger.addMember(suspendedBank, ITradeLedger.Role.BANK, keccak256("sbank"), "S Bank");
        ledger.addMember(suspendedEnterprise, ITradeLedger.Role.ENTERPRISE, keccak256("sent"), "S Ent");
        ledger.addMember(suspendedAttestor, ITradeLedger.Role.ATTESTOR, keccak256("satt"), "S Att");
        ledger.suspendMember(suspendedAdmin);
        ledger.suspendMember(suspendedBank);
        ledger.suspendMember(suspendedEnterprise);
        ledger.suspendMember(suspendedAttestor);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- builders

    function noCoAdmins() internal pure returns (address[] memory) {
        return new address[](0);
    }

    /// @dev A document hash (keccak, not the sha256 precompile: a precompile call would be
    ///      "the next call" after vm.expectRevert).
    function doc(string memory name) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("doc:", name));
    }

    /// @dev `count` ascending fingerprints derived from `seed`.
    function fps(string memory seed, uint256 count) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            out[i] = keccak256(abi.encode(seed, i));
        }
        sortBytes32(out);
    }

    function fps1(bytes32 a) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](1);
        out[0] = a;
    }

    function sortBytes32(bytes32[] memory a) internal pure {
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

    /// @dev `length` pseudo-random bytes standing for ciphertext (an envelope or sealed keys).
    function envelope(string memory seed, uint256 length) internal pure returns (bytes memory out) {
        out = new bytes(length);
        bytes32 word;
        for (uint256 i = 0; i < length; ++i) {
            if (i % 32 == 0) word = keccak256(abi.encode(seed, i));
            out[i] = word[i % 32];
        }
    }

    /// @dev The terms envelope of the default financing.
    function terms() internal pure returns (bytes memory) {
        return envelope("terms", TERMS_ONE_DOC);
    }

    /// @dev `a` and `b` merged into one ascending list (both ascending, no common element).
    function merge(bytes32[] memory a, bytes32[] memory b) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](a.length + b.length);
        for (uint256 i = 0; i < a.length; ++i) {
            out[i] = a[i];
        }
        for (uint256 i = 0; i < b.length; ++i) {
            out[a.length + i] = b[i];
        }
        sortBytes32(out);
    }

    function register(address who, bytes32 docHash) internal {
        vm.prank(who);
        ledger.registerDocument(docHash, ITradeLedger.DocType.INVOICE);
    }

    /// @dev `who` registers a financing locking `fp` with the default commitment and terms.
    function finance(address who, bytes32[] memory fp) internal returns (uint256 id) {
        bytes memory t = terms();
        vm.prank(who);
        id = ledger.registerFinancing(fp, COMMITMENT, t);
    }

    /// @dev The financing's bank closes it, handing back `fp`.
    function closeAs(address who, uint256 id, bytes32[] memory fp) internal {
        vm.prank(who);
        ledger.closeFinancing(id, fp);
    }

    // ---------------------------------------------------------------- assertions

    function assertTrue(bool ok, string memory what) internal pure {
        if (!ok) revert AssertionFailed(what);
    }

    function assertEq(uint256 a, uint256 b, string memory what) internal pure {
        if (a != b) revert AssertionFailed(string.concat(what, ": ", _u(a), " != ", _u(b)));
    }

    function assertEq(bytes32 a, bytes32 b, string memory what) internal pure {
        if (a != b) revert AssertionFailed(what);
    }

    function assertEq(address a, address b, string memory what) internal pure {
        if (a != b) revert AssertionFailed(what);
    }

    function assertEq(bytes memory a, bytes memory b, string memory what) internal pure {
        if (keccak256(a) != keccak256(b)) revert AssertionFailed(what);
    }

    /// @dev After `vm.record()` and a call: the call wrote no storage slot of the ledger (so it
    ///      changed nothing but the log).
    function assertNoLedgerWrites(string memory what) internal {
        (, bytes32[] memory writes) = vm.accesses(address(ledger));
        assertEq(writes.length, 0, string.concat(what, ": storage writes"));
    }

    function _u(uint256 v) private pure returns (string memory) {
        if (v == 0) return "0";
        bytes memory b;
        while (v != 0) {
            b = abi.encodePacked(bytes1(uint8(48 + (v % 10))), b);
            v /= 10;
        }
        return string(b);
    }
}
