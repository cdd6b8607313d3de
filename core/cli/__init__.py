"""The `openai-images` command line (also `python -m core`): the engine without a host.

It reads images from files where a host would read its canvas, runs the same
jobs as the plug-ins, and writes the composited results as PNG, WebP, JPEG or
OpenRaster. Scripts rely on its exit codes (`Exit`) and on `--json`.

    __init__    main(): the one place that turns Ctrl-C, a closed pipe and any
                unexpected error into an exit code; imports nothing heavy, so a
                Ctrl-C while numpy and httpx load is caught here too
    parser      the options, their help, the catalogue's values, examples
    app         one command from parsed arguments to an exit code
    inputs      images, masks and prompts read from files (and stdin)
    outputs     result paths checked before anything is sent, then written
    confirm     the -n bound and the confirmation above a price
    progress    the live line on a terminal, plain lines elsewhere
    failures    each error as an exit code and a line saying what to do
    listing     `models` and `key`
    content_credentials  who signed an answer's C2PA manifest, with the optional
                `c2pa` package (the CLI's alone: the plug-ins never import it)

This package sits on top of the core (tests/test_layers.py): it imports the
composition root (core.setup) and the layers below it; nothing imports it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from enum import IntEnum


class Exit(IntEnum):
    """The exit codes scripts can rely on (the README and --help list them)."""

    OK = 0
    INTERNAL = 1  # a bug: one line on stderr, the traceback in the log file
    USAGE = 2  # usage or local validation: nothing was sent
    API = 3  # the API refused or failed (message and request id)
    NETWORK = 4  # the server could not be reached, or the connection failed
    REFUSED = 5  # a spend cap, or a declined (or impossible) confirmation
    # The API answered (the job is paid) but an output could not be written; the
    # results are in the history, which the message names. Not 2: 2 says "nothing
    # was sent", and a script that re-runs on it would pay again for what it has.
    UNSAVED = 6
    CANCELLED = 130  # Ctrl-C (SIGINT), at any moment
    PIPE = 141  # stdout was closed (`| head`): 128 + SIGPIPE, as coreutils exit


# The names the tests and scripts used before Exit existed.
EXIT_OK, EXIT_USAGE, EXIT_API, EXIT_NETWORK = Exit.OK, Exit.USAGE, Exit.API, Exit.NETWORK
EXIT_REFUSED, EXIT_CANCELLED = Exit.REFUSED, Exit.CANCELLED


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; never lets a traceback reach the user."""
    try:
        from .app import run  # numpy, Pillow, httpx: a Ctrl-C here is still ours

        code = int(run(argv))
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
    except KeyboardInterrupt:
        _say("cancelled")
        return Exit.CANCELLED
    except BrokenPipeError:
        _silence_stdout()
        return Exit.PIPE
    except SystemExit as exc:  # argparse's usage errors (2) and --help (0)
        return exc.code if isinstance(exc.code, int) else Exit.USAGE


def _say(line: str) -> None:
    try:
        print(f"\nopenai-images: {line}", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass  # stderr is gone as well: the exit code says it


def _silence_stdout() -> None:
    """Point stdout at /dev/null: the interpreter's last flush at exit would raise
    BrokenPipeError again and print "Exception ignored" (Python's documented remedy)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


__all__ = [
    "EXIT_API", "EXIT_CANCELLED", "EXIT_NETWORK", "EXIT_OK", "EXIT_REFUSED", "EXIT_USAGE",
    "Exit", "main",
]
