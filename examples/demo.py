"""`make demo`: the three jobs through the command line, end to end.

With OPENAI_API_KEY set it talks to the real API; without it, it starts the
local stand-in on a free loopback port, so the demo needs no key and no
network. Results (PNG and OpenRaster) and their history go to demo-output/.
"""

from __future__ import annotations

import os
import shlex
import sys
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "examples"
OUT = ROOT / "demo-output"
sys.path.insert(0, str(ROOT))  # the stand-in is a development tool, not an installed package


def run(args: list[str]) -> None:
    from core.cli import main

    print("$ openai-images " + " ".join(shlex.quote(a) for a in args), flush=True)
    code = main(args)
    if code != 0:
        sys.exit(f"demo: the command above failed with exit code {code}")


def _server() -> str:
    """The server the CLI will talk to, resolved exactly as the CLI resolves it."""
    from core.setup import client_config
    from core.store.settings import Settings

    return client_config(Settings.load(), os.environ.get("OPENAI_API_KEY", "")).base_url


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with ExitStack() as stack:
        if os.environ.get("OPENAI_API_KEY"):
            print("OPENAI_API_KEY is set: using the real OpenAI API (this costs money).")
        else:
            from standin.server import running_standin

            server = stack.enter_context(running_standin())
            # The environment outranks saved settings (core.setup), and the demo's own
            # settings folder keeps a saved server, key or cap out of it: the stand-in
            # is the only server this run can reach.
            os.environ["OPENAI_BASE_URL"] = server.base_url
            os.environ["OPENAI_API_KEY"] = "sk-demo-not-a-real-key"
            os.environ["OPENAI_IMAGES_CONFIG_DIR"] = str(OUT / "config")
            os.environ.pop("AZURE_OPENAI_ENDPOINT", None)
            print(f"No OPENAI_API_KEY: using the local stand-in at {server.base_url}")
        os.environ.setdefault("OPENAI_IMAGES_DATA_DIR", str(OUT / "data"))
        print(f"server: {_server()}", flush=True)
        sample, selection = str(SAMPLES / "sample.png"), str(SAMPLES / "selection.png")
        run(
            [
                "generate",
                "--prompt",
                "a lighthouse on a cliff at dawn, watercolour",
                "--size",
                "1536x1024",
                "--quality",
                "low",
                "--out",
                str(OUT / "generate.png"),
            ]
        )
        edit = [
            "edit",
            "--image",
            sample,
            "--selection",
            selection,
            "--prompt",
            "a small pond with reeds",
            "--quality",
            "low",
        ]
        # Two candidates streamed, as full-size PNGs; then one as a layered .ora.
        run([*edit, "-n", "2", "--stream", "--out", str(OUT / "edit.png")])
        run([*edit, "--out", str(OUT / "edit.ora")])
        run(
            [
                "vary",
                "--image",
                sample,
                "-n",
                "2",
                "--quality",
                "low",
                "--out",
                str(OUT / "vary.png"),
            ]
        )
    print(
        f"\nDone. Results are in {OUT}/ (open edit.ora in Krita or GIMP: one layer per candidate);"
    )
    print(f"their history (PNG + JSON sidecars) is in {OUT / 'data'}/.")


if __name__ == "__main__":
    main()
