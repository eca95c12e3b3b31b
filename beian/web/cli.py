"""`beian serve`: run the web application on the database BEIAN_DATABASE_URL names."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `serve` command."""
    serve = subparsers.add_parser("serve", help="run the web server (pages and API)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (1-65535)")
    serve.set_defaults(handler=_serve)


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (1-65535)")
    return port


def _serve(args: argparse.Namespace) -> int:
    # Imported when used, so other commands do not pay for loading the web stack.
    import uvicorn

    from beian.web.app import create_app

    # The schema is `beian db upgrade`'s job; serving assumes a migrated database.
    uvicorn.run(create_app(), host=args.host, port=args.port)
    return 0
