"""A plain HTML page at / for `leonet demo` when the web dashboard's built assets are not installed: the live
terminals, their codes and reasons, refreshed every slot. No JavaScript, no external assets."""

from __future__ import annotations

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def status_page(request: Request) -> str:
    sim = request.app.state.live
    if sim is None:
        return "<p>leonet API: see <a href='/docs'>/docs</a></p>"
    who, _ = request.app.state.auth.resolve(request.headers.get("authorization"), request.cookies.get("leonet_session"))
    if who is None or who.role not in ("admin", "regulator", "viewer"):  # terminal positions need a key
        return "<p>leonet demo: log in (POST /api/v1/session with your key) to see the live terminals; API: " \
               "<a href='/docs'>/docs</a></p>"
    rows = []
    for s in sim.serials():
        t = sim.terminal(s)
        rtt = "" if t.rtt_ms is None else f"{t.rtt_ms:.1f}"
        rows.append(f"<tr class='{'ok' if t.served else 'denied'}'><td>{html.escape(t.serial)}</td>"
                    f"<td>{html.escape(t.code.name)}</td><td>{'yes' if t.served else 'no'}</td>"
                    f"<td>{t.satellite if t.satellite is not None else ''}</td><td>{html.escape(t.pop or '')}</td>"
                    f"<td>{rtt}</td><td>{t.downlink_bps / 1e6:.0f}</td>"
                    f"<td>{html.escape(', '.join(sorted(t.alerts)))}</td>"
                    f"<td>{html.escape('; '.join(t.reasons))}</td><td>{html.escape(t.label)}</td></tr>")
    incidents = "".join(f"<li>{i.id}: {', '.join(i.codes)} — {', '.join(x['serial'] for x in i.terminals)}</li>"
                        for i in sim.incidents())
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>leonet demo</title>
<meta http-equiv="refresh" content="5"><style>body{{font:14px system-ui;margin:1.5em}}
td,th{{padding:2px 8px;text-align:left}}tr.denied td{{color:#a00}}</style></head><body>
<h1>leonet — {html.escape(sim.scenario_name)}</h1><p>slot {sim.slot_state().slot_index} · {sim.now_utc.isoformat()} ·
{sim.network().num_sats} satellites · <a href="/docs">API</a></p>
<table><tr><th>terminal</th><th>code</th><th>served</th><th>satellite</th><th>PoP</th><th>RTT ms</th>
<th>Mb/s</th><th>alerts</th><th>reasons</th><th>who</th></tr>{''.join(rows)}</table>
<h2>Incidents</h2><ul>{incidents}</ul></body></html>"""
