"""CLI: python -m mux_simulator --port 8900 --data-dir var/mux-sim --token-id ... ."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from .server import create_server


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mux_simulator",
        description="Local stand-in for the Mux video API.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--data-dir", default="var/mux-sim")
    parser.add_argument("--token-id", required=True, help="API access token id (Basic user)")
    parser.add_argument("--token-secret", required=True, help="API access token secret")
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument("--webhook-secret", default="")
    parser.add_argument("--public-url", default=None, help="base URL browsers reach us at")
    parser.add_argument("--verbose", "-v", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    server = create_server(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        token_id=args.token_id,
        token_secret=args.token_secret,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        public_url=args.public_url,
    )
    # SIGTERM (docker stop, process managers) should shut down as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    logging.getLogger("mux_simulator").info(
        "Mux simulator listening on %s (data in %s)",
        server.sim.public_url,
        args.data_dir,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
