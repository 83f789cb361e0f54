"""Run uvicorn for ``quizlib serve`` on a listening socket this module makes: ``TCP_NODELAY`` with ``--workers``.

With ``--workers N`` uvicorn binds the shared socket itself as ``socket.socket(AF_INET)``,
whose protocol number is 0, not ``IPPROTO_TCP``. The workers' asyncio transports set
``TCP_NODELAY`` only on sockets whose protocol *is* ``IPPROTO_TCP`` (``asyncio.base_events.
_set_nodelay``), and accepted connections inherit the listener's protocol number, so under
``--workers`` no connection gets it (uvicorn issue 3149). A response is written as headers
then body; Nagle's algorithm holds the body until the client ACKs the headers, and the
client delays that ACK: every kept-alive request waited ~40 ms.

:func:`tcp_listener` makes the socket with the TCP protocol number (and sets the option on
the listener too, which Linux copies to accepted sockets), and :func:`run` hands it to
uvicorn's own worker supervisor, which passes it to each worker. With one worker uvicorn's
own ``create_server(host, port)`` already gets a TCP socket, so that path is left as it is.
"""

from __future__ import annotations

import logging
import socket

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

logger = logging.getLogger("uvicorn.error")


def tcp_listener(host: str, port: int) -> socket.socket:
    """A bound TCP socket (not yet listening) whose accepted connections get ``TCP_NODELAY``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: restart without waiting
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def run(config: uvicorn.Config) -> None:
    """Serve ``config`` like :func:`uvicorn.run`; with several workers, on a :func:`tcp_listener` socket."""
    if config.workers <= 1:
        config.load_app()
        server = uvicorn.Server(config)
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        if not server.started:
            raise SystemExit(STARTUP_FAILURE)
        return
    try:
        sock = tcp_listener(config.host, config.port)
    except OSError as exc:
        logger.error(exc)
        raise SystemExit(STARTUP_FAILURE) from exc
    shown = f"[{config.host}]" if ":" in config.host else config.host
    logger.info("Uvicorn running on http://%s:%d (Press CTRL+C to quit)", shown, sock.getsockname()[1])
    try:
        Multiprocess(config, sockets=[sock]).run()
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
