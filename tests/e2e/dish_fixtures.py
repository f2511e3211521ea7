"""Helpers of the dish's end-to-end tests (fixtures: tests/e2e/conftest.py)."""

from __future__ import annotations

import socket

TERMINALS = ("ut-ua-kyiv-01", "ut-grey-01", "ut-spoof-01", "ut-drone-01", "ut-ua-kharkiv-01")


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def free_block(n: int) -> int:
    """A base port with ``n`` consecutive free ports (a command that serves on base, base+1, …: checking only the
    base let a neighbour taken by another process make it fail)."""
    for _ in range(100):
        base = free_ports(1)[0]
        socks = []
        try:
            for port in range(base, base + n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError(f"no block of {n} free ports found")
