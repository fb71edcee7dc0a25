#!/usr/bin/env node
// The TradeTrust / OpenAttestation libraries themselves, for tests/interop/test_tradetrust.py:
// wrap documents with @tradetrust-tt/tradetrust and verify them with @tradetrust-tt/tt-verify
// against a JSON-RPC node (versions pinned in package-lock.json).
//
//   node openattestation.js wrap < batches.json     # [[raw v2 document, …], …] -> [[wrapped, …], …]
//   node openattestation.js verify RPC_URL < documents.json  # [wrapped, …] -> [{fragments, valid}, …]
//
// Each batch is wrapped together (one Merkle root); node starts once per call.
//
// verify runs the integrity (OpenAttestationHash) and document-status
// (OpenAttestationEthereumDocumentStoreStatus) verifiers only: the issuer-identity verifier
// (DNS-TXT) looks the issuer's domain up on the internet, which tests do not reach.
"use strict";

const { wrapDocuments } = require("@tradetrust-tt/tradetrust");
const {
  verificationBuilder,
  openAttestationHash,
  openAttestationEthereumDocumentStoreStatus,
  isValid,
} = require("@tradetrust-tt/tt-verify");
const { providers } = require("ethers");

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

async function main() {
  const [command, rpcUrl] = process.argv.slice(2);
  const input = await readStdin();
  if (command === "wrap") {
    return input.map((batch) => wrapDocuments(batch));
  }
  if (command === "verify") {
    const provider = new providers.StaticJsonRpcProvider(rpcUrl);
    const verify = verificationBuilder(
      [openAttestationHash, openAttestationEthereumDocumentStoreStatus],
      { provider }
    );
    const results = [];
    for (const document of input) {
      const fragments = await verify(document);
      results.push({
        fragments,
        valid: {
          integrity: isValid(fragments, ["DOCUMENT_INTEGRITY"]),
          status: isValid(fragments, ["DOCUMENT_STATUS"]),
        },
      });
    }
    return results;
  }
  throw new Error(`unknown command ${command}: wrap or verify RPC_URL`);
}

main().then(
  (result) => process.stdout.write(JSON.stringify(result)),
  (error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exit(1);
  }
);
