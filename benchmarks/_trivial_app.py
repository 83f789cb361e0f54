"""The ceiling for ``bench_server_load.py``: a trivial FastAPI endpoint under the same uvicorn settings.

It reads a JSON body the size of an autosave and answers a small JSON object, with no
database, no authentication and no middleware: what FastAPI + uvicorn cost per request
on this machine, measured in the same run as the grading service.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.put("/api/v1/trivial")
async def trivial(body: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "fields": len(body)}


@app.get("/api/health")
async def health() -> dict[str, bool]:
    return {"ok": True}
