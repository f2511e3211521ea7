"""Bulk CSV import (admin): organisations, terminals, sales, accounts — all rows or none, errors by line."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from leonet.access import bulk
from leonet.access.keys import Principal
from leonet.api.auth import require
from leonet.api.deps import write
from leonet.errors import LeonetInputError

router = APIRouter(tags=["import"])
CSV_BODY = {"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}}


@router.post("/import/{kind}", status_code=201, openapi_extra=CSV_BODY)
async def import_csv(kind: Literal["organisations", "terminals", "sales", "accounts"], request: Request,
                     who: Principal = Depends(require("admin"))) -> dict:
    """Send the CSV as the body (``Content-Type: text/csv``), header row first; columns: organisations
    ``name,kind,country``; terminals ``serial,kit_number,hardware_version,manufacturer[,software_version]``; sales
    ``serial,seller,buyer,at,channel,country``; accounts ``number,customer,plan,home_country[,status,…]``."""
    raw = await request.body()  # bounded by the edge (16 MiB for /import)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LeonetInputError("the CSV must be UTF-8", field="body") from None

    def run() -> int:
        with write(request) as session:
            return bulk.import_csv(session, who.name, kind, text, source=f"{kind}.csv")

    return {"kind": kind, "rows": await run_in_threadpool(run)}
