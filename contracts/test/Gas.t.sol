// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {LedgerTest} from "./utils/LedgerTest.sol";
import {ITradeLedger} from "../ITradeLedger.sol";

/// @notice One operation per test, on state prepared in setUp (a separate transaction, so the
///         ledger's storage is cold again, as for a real transaction).
///         `scripts/test_contracts.sh --match-contract GasTest --gas-report` reproduces
///         scripts/gas_report.py (forge's report includes the base cost and calldata). The bounds
///         below guard against regressions: execution gas of the call frame (gasUsed minus base
///         cost and calldata, as measured by scripts/gas_report.py) plus about 2 %.
contract GasTest is LedgerTest {
    bytes32 internal financed;
    bytes32[] internal fp3;
    uint256 internal financingId;

    function setUp() public override {
        super.setUp();
        register(enterprise, doc("warm-up"));
        financed = doc("financed");
        register(enterprise, financed);
        register(enterprise, doc("to-finance"));
        fp3 = fps("financed", 3);
        financingId = finance(bank, pledge1(financed, 800_000, 1_000_000, fp3));
        vm.prank(bank);
        ledger.drawdown(financingId, 500_000);
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
        ITradeLedger.DocumentPledge[] memory p = pledge1(doc("to-finance"), 800_000, 1_000_000, fps("tf", 3));
        vm.prank(bank);
        ledger.registerFinancing(p, EUR, ITradeLedger.FinancingKind.INVOICE_FINANCING, MATURITY, REF);
        _bound(118_000, "finance");
    }

    function test_gas_drawdown() public {
        vm.prank(bank);
        ledger.drawdown(financingId, 100_000);
        _bound(10_600, "drawdown");
    }

    function test_gas_repay() public {
        vm.prank(bank);
        ledger.repay(financingId, 500_000);
        _bound(10_500, "repay");
    }

    function test_gas_close() public {
        vm.prank(bank);
        ledger.repay(financingId, 500_000);
        ITradeLedger.DocumentRelease[] memory r = release1(financed, fp3);
        vm.prank(bank);
        ledger.closeFinancing(financingId, r);
        // inside the call frame, before the refund for the cleared locks
        _bound(26_000, "close");
    }

    function test_gas_revoke() public {
        bytes32 d = doc("to-finance");
        vm.prank(enterprise);
        ledger.revokeDocument(d, 1);
        _bound(12_500, "revoke");
    }

    function test_gas_attest() public {
        bytes32 d = doc("to-finance");
        vm.prank(attestor);
        ledger.attestDocument(d, bytes32("evidence"));
        _bound(30_000, "attest");
    }
}
