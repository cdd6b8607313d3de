"""`python -m standin [--port N] [--latency S] [--legacy] [--today D] [--verbose]`.

Starts the stand-in on 127.0.0.1, prints its base URL on one line (for scripts
to read), and serves until SIGINT or SIGTERM, then shuts down cleanly. A key
to insist on is read from the environment variable named by `--key-env`, never
from the command line (where other users could read it).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from .server import StandinServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m standin", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per rendered image")
    parser.add_argument("--legacy", action="store_true", help="keep DALL-E and variations alive")
    parser.add_argument(
        "--today", metavar="YYYY-MM-DD", help="the day shutdown dates are compared with"
    )
    parser.add_argument("--key-env", metavar="VAR", help="require the key held in this variable")
    parser.add_argument("--verbose", action="store_true", help="log request lines to stderr")
    args = parser.parse_args(argv)
    api_key = None
    if args.key_env:
        api_key = os.environ.get(args.key_env)
        if not api_key:
            parser.error(f"the environment variable {args.key_env} is empty or unset")
    server = StandinServer(
        port=args.port,
        legacy=args.legacy,
        api_key=api_key,
        latency=args.latency,
        today=args.today,
        verbose=args.verbose,
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    server.start()
    print(server.base_url, flush=True)
    try:
        while not stop.wait(0.2):  # a timed wait, so signals get through on every platform
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
