"""The HTTP floor of a REST registration (issue #16): what the gateway's web stack alone costs.

A FastAPI app with two routes shaped like ``POST /v1/documents`` — a multipart ``file``, an
``Authorization`` and an ``Idempotency-Key`` header read, the file's SHA-256 answered as JSON
with 201 — and ``POST /v1/documents/batch`` (multipart ``files``, each file's SHA-256 and size
answered), and nothing else: no ledger, no database, no chain. It is served by uvicorn with the
gateway's own configuration (``api.serve.api_config``: the same h11 protocol class, limits and
keep-alive; h11, as no faster HTTP parser is installed), its handlers ``async`` (no hop into a
worker thread), so ``scripts/bench_api.py --floor`` drives it with the same clients as the
gateway and reports how many requests per second, and how much of its server's CPU a request,
this stack costs on this machine with nothing behind the route: the ceiling of the REST
figures on it.

    .venv/bin/python scripts/http_floor.py PORT      # serve it (bench_api.py starts it itself)
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Annotated

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uvicorn  # noqa: E402
from fastapi import FastAPI, File, Header, UploadFile  # noqa: E402

from api.serve import api_config  # noqa: E402
from ledger.config import Settings  # noqa: E402


def floor_app() -> FastAPI:
    """The bare app: ``POST /v1/documents`` → 201 ``{"doc_hash": "0x…", "size": n}``;
    ``POST /v1/documents/batch`` → 201 ``{"documents": [{"doc_hash", "size"}, …]}``;
    ``GET /health`` → 200."""
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    # async handlers: no hop into the thread pool (the floor is the least this stack costs)
    @app.post("/v1/documents", status_code=201)
    async def register(
        file: Annotated[UploadFile, File()],
        authorization: Annotated[str, Header()],
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> dict[str, object]:
        data = await file.read()
        return {"doc_hash": "0x" + hashlib.sha256(data).hexdigest(), "size": len(data)}

    @app.post("/v1/documents/batch", status_code=201)
    async def register_batch(
        files: Annotated[list[UploadFile], File()],
        authorization: Annotated[str, Header()],
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> dict[str, object]:
        entries = []
        for file in files:
            data = await file.read()
            entries.append({"doc_hash": "0x" + hashlib.sha256(data).hexdigest(), "size": len(data)})
        return {"documents": entries}

    return app


def main() -> None:
    port = int(sys.argv[1])
    settings = Settings(port=port, host="127.0.0.1")
    uvicorn.Server(api_config(floor_app(), settings, log_level="warning")).run()


if __name__ == "__main__":
    main()
