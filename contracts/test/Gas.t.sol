// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {LedgerTest} from "./utils/LedgerTest.sol";
import {ITradeLedger} from "../ITradeLedger.sol";

/// @notice One operation per test, on state prepared in setUp (a separate transaction, so the
///         ledger's storage is cold again, as for a real transaction).
///         `scripts/test_contracts.sh --match-contract GasTest --gas-report` reproduces
///         scripts/gas_report.py (forge's report includes the base cost and calldata). The bounds
///         below guard against regressions: execution gas of the call frame (gasUsed minus base
///         cost and calldata, as measured by scripts/gas_report.py) plus about 2 %. They hold in a
///         normal run only: under --gas-report forge runs each call as its own transaction, and
///         the measured gas then includes the base cost.
///         Envelope sizes as in scripts/gas_report.py: terms are 200 bytes + 80 per recipient
///         (3: the bank, a regulator, the registrant) + 300 per document; an entry is 120 bytes.
contract GasTest is LedgerTest {
    uint256 internal constant TERMS_16_DOCS = 200 + 3 * 80 + 16 * 300;
    uint256 internal constant ENTRY = 120;

    bytes32[] internal fp8; // financing 1: one document, 8 fingerprints
    bytes32[] internal fp128; // financing 2: 16 documents x 8 fingerprints
    uint256 internal constant ONE = 1;
    uint256 internal constant SIXTEEN = 2;

    function setUp() public override {
        super.setUp();
        register(enterprise, doc("warm-up"));
        register(enterprise, doc("to-revoke"));
        fp8 = fps("financed", 8);
        fp128 = fps("financed-16", 128);
        finance(bank, fp8);
        bytes memory t = envelope("terms-16", TERMS_16_DOCS);
        vm.prank(bank);
        ledger.registerFinancing(fp128, COMMITMENT, t);
        // an entry first, as in production (the first entry is not special on chain)
        bytes memory e = envelope("entry-0", ENTRY);
        vm.prank(bank);
        ledger.recordEntry(ONE, keccak256(e), e);
    }

    function _bound(uint256 limit, string memory what) internal view {
        uint256 used = vm.lastCallGas().gasTotalUsed;
        assertTrue(used <= limit, string.concat(what, " gas ", vm.toString(used), " > ", vm.toString(limit)));
    }

    function test_gas_register_one() public {
        bytes32 d = doc("one");
        vm.prank(enterprise);
        ledger.registerDocument(d, ITradeLedger.DocType.INVOICE);
        _bound(27_900, "register");
    }

    function test_gas_register_batch_100() public {
        bytes32[] memory h = new bytes32[](100);
        ITradeLedger.DocType[] memory t = new ITradeLedger.DocType[](100);
        for (uint256 i = 0; i < 100; ++i) {
            h[i] = keccak256(abi.encode("gas-batch", i));
            t[i] = ITradeLedger.DocType.INVOICE;
        }
        vm.prank(enterprise);
        ledger.registerDocuments(h, t);
        _bound(2_517_000, "batch of 100");
    }

    function test_gas_finance_one_doc_three_fingerprints() public {
        bytes32[] memory f = fps("tf3", 3);
        bytes memory t = terms();
        vm.prank(bank);
        ledger.registerFinancing(f, COMMITMENT, t);
        _bound(111_900, "finance 1x3");
    }

    function test_gas_finance_one_doc_eight_fingerprints() public {
        bytes32[] memory f = fps("tf8", 8);
        bytes memory t = terms();
        vm.prank(bank);
        ledger.registerFinancing(f, COMMITMENT, t);
        _bound(229_200, "finance 1x8");
    }

    function test_gas_finance_sixteen_docs_eight_fingerprints() public {
        bytes32[] memory f = fps("tf128", 128);
        bytes memory t = envelope("terms-16b", TERMS_16_DOCS);
        vm.prank(bank);
        ledger.registerFinancing(f, COMMITMENT, t);
        _bound(3_083_000, "finance 16x8");
    }

    function test_gas_finance_refused() public {
        bytes32[] memory f = fps("tf8", 8);
        f[7] = fp8[0];
        sortBytes32(f);
        bytes memory t = terms();
        vm.prank(bank2);
        uint256 id = ledger.registerFinancing(f, COMMITMENT, t);
        assertEq(id, 0, "refused");
        _bound(17_100, "finance refused");
    }

    function test_gas_record_refusal() public {
        bytes memory t = terms();
        vm.prank(bank2);
        ledger.recordRefusal(COMMITMENT, t);
        _bound(11_800, "recordRefusal");
    }

    function test_gas_record_entry() public {
        bytes memory e = envelope("entry-1", ENTRY);
        bytes32 c = keccak256(e);
        vm.prank(bank);
        ledger.recordEntry(ONE, c, e);
        _bound(8_900, "recordEntry");
    }

    function test_gas_close_eight() public {
        bytes32[] memory f = fp8;
        vm.prank(bank);
        ledger.closeFinancing(ONE, f);
        // inside the call frame, before the refund for the cleared locks
        _bound(54_100, "close 1x8");
    }

    function test_gas_close_sixteen_docs() public {
        bytes32[] memory f = fp128;
        vm.prank(bank);
        ledger.closeFinancing(SIXTEEN, f);
        _bound(720_000, "close 16x8");
    }

    function test_gas_cancel_eight() public {
        bytes32[] memory f = fp8;
        vm.prank(bank);
        ledger.cancelFinancing(ONE, 4, f);
        _bound(54_500, "cancel 1x8");
    }

    function test_gas_revoke() public {
        bytes32 d = doc("to-revoke");
        vm.prank(enterprise);
        ledger.revokeDocument(d, 1);
        _bound(12_500, "revoke");
    }

    function test_gas_attest() public {
        bytes32 d = doc("to-revoke");
        vm.prank(attestor);
        ledger.attestDocument(d, bytes32("evidence"));
        _bound(30_000, "attest");
    }
}
