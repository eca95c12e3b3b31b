"""`beian serve`: run the web application on the database BEIAN_DATABASE_URL names."""

from __future__ import annotations

import argparse

APP_FACTORY = "beian.web.app:create_app"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `serve` command."""
    serve = subparsers.add_parser("serve", help="run the web server (pages and API)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (1-65535)")
    serve.add_argument(
        "--workers", type=_workers, default=1,
        help="server processes sharing the port (PostgreSQL; SQLite serialises writes anyway)",
    )
    serve.set_defaults(handler=_serve)


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (1-65535)")
    return port


def _workers(value: str) -> int:
    count = int(value) if value.isdigit() else 0
    if not 1 <= count <= 64:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of processes (1-64)")
    return count


def _serve(args: argparse.Namespace) -> int:
    # Imported when used, so other commands do not pay for loading the web stack.
    import uvicorn

    from beian.web.app import create_app

    # The schema is `beian db upgrade`'s job; serving assumes a migrated database.
    if args.workers == 1:
        uvicorn.run(create_app(), host=args.host, port=args.port)
    else:
        # Each process builds its own app (and its own connection pool) from the factory;
        # everything they share lives in the database.
        uvicorn.run(APP_FACTORY, factory=True, host=args.host, port=args.port,
                    workers=args.workers)
    return 0
