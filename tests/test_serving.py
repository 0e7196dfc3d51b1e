"""How `arshif serve` listens: what a client notices of the server processes' shared socket."""

from __future__ import annotations

import socket

import uvicorn

from cli.serving import listening_socket


def test_connections_to_several_server_processes_send_answers_without_waiting_for_acks():
    """With two server processes every answer waited ~40 ms (Nagle's algorithm against the client's delayed
    ACK: /api/health took 44 ms instead of 0.9): connections to the shared socket must have it switched off."""
    sock = listening_socket(uvicorn.Config(app=None, host="127.0.0.1", port=0))
    try:
        sock.listen()  # (each server process listens on it)
        client = socket.create_connection(sock.getsockname()[:2])
        conn, _ = sock.accept()
        try:
            assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        finally:
            conn.close()
            client.close()
    finally:
        sock.close()
