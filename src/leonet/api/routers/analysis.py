"""Enforcement analysis through the API: the evidence report of the running system, diversion inference
(provenance of one terminal, flows between countries) and applying a policy file. Regulator/admin only; applying a
policy is admin only."""

from __future__ import annotations

import time
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from leonet.access import inference
from leonet.access.evidence_report import render
from leonet.analysis.policyfile import apply_policy, parse_policy
from leonet.api.auth import Principal, require
from leonet.api.deps import read_db, write

router = APIRouter(tags=["analysis"])
REPORT_CACHE_S = 15.0
_REPORTS: dict[tuple, tuple] = {}
READERS = require("admin", "regulator")


def _live(request: Request):
    sim = request.app.state.live
    if sim is None:
        raise HTTPException(404, "no simulation is running in this server (start one with `leonet demo`)")
    return sim


@router.get("/incidents")
def incidents(request: Request, _: Principal = Depends(READERS)) -> list[dict]:
    """Incidents of the running system, built only from what the operator knows."""
    return [i.as_dict() for i in _live(request).incidents()]


@router.get("/incidents/report", response_class=Response, responses={200: {
    "description": "the evidence report in the format asked for",
    "content": {"text/html": {"schema": {"type": "string"}}, "text/markdown": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}}}}})
def incidents_report(request: Request, format: Literal["html", "md", "json"] = "html",
                     _: Principal = Depends(READERS)) -> Response:
    """The evidence report: HTML (map embedded), Markdown or JSON."""
    sim = _live(request)
    incidents = sim.incidents()
    key = (id(sim), format, getattr(sim, "slot_index", None), len(incidents))
    hit = _REPORTS.get(key)
    if hit is None or time.monotonic() - hit[0] > REPORT_CACHE_S:  # costs seconds of CPU: rebuilt at most every 15 s
        _REPORTS.clear() if len(_REPORTS) > 16 else None
        hit = _REPORTS[key] = (time.monotonic(), *render(incidents, sim.zones_geojson(), format))
    return Response(hit[1], media_type=hit[2])


@router.get("/provenance/terminals/{serial}", tags=["provenance"])
def provenance_terminal(serial: str, session: Session = Depends(read_db),
                        _: Principal = Depends(READERS)) -> dict:
    """The terminal's sales chain, where it was observed and how it most likely got there."""
    return inference.terminal_report(session, serial)


@router.get("/provenance/flows", tags=["provenance"])
def provenance_flows(into: str = Query(..., min_length=2, max_length=2, description="ISO country sold into"),
                     observed_in: str = Query(..., min_length=2, max_length=2),
                     via: bool = Query(False, description="any delivery into `into`, not only the last"),
                     session: Session = Depends(read_db), _: Principal = Depends(READERS)) -> dict:
    """Terminals sold into (or via) one country and observed in another, with their evidence."""
    return inference.flows(session, into, observed_in, via)


@router.post("/policy")
def policy_apply(body: dict, request: Request, replace: bool = True,
                 who: Principal = Depends(require("admin"))) -> dict:
    """Apply a policy document (the policy-file schema as JSON): zones, whitelists and the location-check rule."""
    from leonet.api.schemas import _check

    _check(body, "body")  # finite numbers, no NUL bytes
    policy = parse_policy(body, "request body")
    with write(request) as session:  # committed before the answer
        result = apply_policy(session, policy, who.name, replace)
    sim = request.app.state.live
    if sim is not None:  # the running system's location check follows the rule
        lc = sim.scenario.location_check
        lc.enabled = policy.rules.location_check != "off"
        lc.deny_on_unexpected_location = policy.rules.location_check == "deny"
    return result
