"""The options of `openai-images`: one sentence each, the values the catalogue allows,
examples, the exit codes and the environment variables, all in `--help`.

No defaults for job options here: an option not given comes from the saved
settings (core.jobs.options.job_options), as in the plug-ins. Imports the
catalogue only (for the values it lists) and the exit codes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import __version__
from ..models.catalogue import DEFAULT_MODEL, MAX_CANDIDATES, known_models
from ..models.lifecycle import lifecycle
from . import Exit, history_command
from .confirm import CONFIRM_ENV, DEFAULT_CONFIRM_USD

EXIT_CODES = f"""exit codes:
  {Exit.OK:<3}  done
  {Exit.USAGE:<3}  usage or local validation error (nothing was sent)
  {Exit.API:<3}  the API refused or failed (the message and its request id)
  {Exit.NETWORK:<3}  network error (the server could not be reached)
  {Exit.REFUSED:<3}  refused by a spend cap, or the confirmation was declined
  {Exit.UNSAVED:<3}  the job was paid but a result could not be written (the message, and
       --json's "history_images", name the history copies that hold every result)
  {Exit.CANCELLED:<3}  cancelled (Ctrl-C)
  {Exit.PIPE:<3}  stdout was closed (e.g. `| head -1`)
  {Exit.INTERNAL:<3}  unexpected error (one line; the full log is named)"""

ENVIRONMENT = f"""environment:
  OPENAI_API_KEY             the API key (else the key saved by `openai-images key set`
                             or by the plug-ins' settings)
  OPENAI_BASE_URL            another server (Azure: AZURE_OPENAI_ENDPOINT, OPENAI_API_VERSION)
  OPENAI_ORG_ID, OPENAI_PROJECT_ID  sent with every request
  OPENAI_IMAGES_CONFIG_DIR   the settings and key folder (shared with the plug-ins)
  OPENAI_IMAGES_DATA_DIR     the history and spend folder (shared with the plug-ins)
  {CONFIRM_ENV:<26} ask before a job estimated above this many USD ({DEFAULT_CONFIRM_USD:g})
  NO_COLOR                   no colour, whatever the terminal"""

EXAMPLES = """examples:
  openai-images generate -p "a lighthouse at dawn, watercolour" -s 1536x1024 -o light.png
  openai-images edit -i photo.png --selection sel.png -p "a red kite" -n 3 -o kite.ora
  openai-images edit -i holed.png --alpha -p "grass" -o filled.webp
  openai-images edit -i photo.png --selection wire.png -o clean.png  # no prompt: remove
  openai-images vary -i photo.png -n 2 -o vary.png        # vary-1.png, vary-2.png
  echo "a fox in the snow" | openai-images generate -p - -o fox.jpg --json
  openai-images generate -p @prompt.txt -n 4 --yes -q -o batch.png"""


def _count(text: str) -> int:
    """-n as a bounded number: 1000000000 is refused here, before a request is built."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= n <= MAX_CANDIDATES:
        raise argparse.ArgumentTypeError(
            f"{n} is outside 1..{MAX_CANDIDATES} (the plug-ins' limit)"
        )
    return n


def _usd(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an amount in USD: {text!r}") from None
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _live_models() -> str:
    ids = [s.id for s in known_models() if lifecycle(s).alive]
    return ", ".join(ids)


def _qualities() -> str:
    seen: dict[str, None] = {}
    for spec in known_models():
        if lifecycle(spec).alive:
            seen.update(dict.fromkeys(q for q in spec.qualities if q != "auto"))
    return ", ".join([*seen, "auto"])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openai-images",
        description="Generate, edit and vary images with the OpenAI Images API, "
        "as the Krita and GIMP plug-ins do (same settings, history and spend caps).",
        epilog="\n\n".join((EXAMPLES, EXIT_CODES, ENVIRONMENT)),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name, help=summary, description=summary + ".",
            epilog="\n\n".join((EXAMPLES, EXIT_CODES, ENVIRONMENT)),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    gen = command("generate", "a new image from a prompt")
    _prompt(gen, required=True)
    _job_options(gen)

    # the panels' words (core/glossary.py): "Fill selection", "Variations", "candidates"
    edit = command("edit", "fill selection: repaint a selection, or fill transparency")
    edit.add_argument(
        "-i", "--image", action="append", required=True, type=Path, metavar="FILE",
        help="the image to edit (PNG, WebP, JPEG); repeat for reference images",
    )
    area = edit.add_mutually_exclusive_group()
    area.add_argument(
        "--mask", type=Path, metavar="FILE",
        help="an OpenAI mask of the image's size: alpha 0 marks the area to edit",
    )
    area.add_argument(
        "--selection", type=Path, metavar="FILE",
        help="greyscale coverage of the image's size: white = edit, grey = soft edge",
    )
    area.add_argument(
        "--alpha", action="store_true", help="fill the transparent pixels of the image"
    )
    edit.add_argument(
        "--markup", type=Path, metavar="FILE",
        help="a transparent PNG of scribbles that guide the edit",
    )
    _prompt(edit, required=False, what="what to paint in the selection; without it (or "
            "with an empty one) the edit removes what is selected and fills the area from "
            "its surroundings")
    edit.add_argument(
        "--input-fidelity", choices=["low", "high"],
        help="how closely the result keeps faces and details of the input",
    )
    edit.add_argument(
        "--padding", type=int, metavar="PX",
        help="context sent around the selection, in pixels (saved setting, else 64)",
    )
    edit.add_argument(
        "--whole-image", action="store_true", help="send the whole image as context"
    )
    _job_options(edit)

    vary = command("vary", "variations of an image")
    vary.add_argument(
        "-i", "--image", required=True, type=Path, metavar="FILE", help="the image to vary"
    )
    _prompt(vary, required=False, what="what to keep or change (models without a "
            "variations endpoint)")
    _job_options(vary)

    models = command("models", "list the models: the catalogue and the account's")
    models.add_argument("--base-url", metavar="URL", help="the server to ask for its list")
    models.add_argument(
        "--all", action="store_true", help="include shut-down models, with their replacements"
    )
    models.add_argument("--json", action="store_true", help="print the list as JSON")

    history_command.add_parser(command)

    key = command("key", "store, check or forget the API key the CLI and plug-ins use")
    key.add_argument(
        "action", choices=["set", "status", "delete"],
        help="set: read a key from the terminal or stdin and save it; status: say where "
        "the key comes from (masked); delete: forget the saved key",
    )
    return parser


def _prompt(p: argparse.ArgumentParser, required: bool, what: str = "") -> None:
    p.add_argument(
        "-p", "--prompt", required=required, metavar="TEXT",
        help=(what or "what to draw")
        + "; '-' reads it from stdin, '@FILE' from a UTF-8 file ('@@' for a literal '@')",
    )


def _job_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-m", "--model", metavar="ID",
        help=f"the model (saved setting, else {DEFAULT_MODEL}); one of: {_live_models()}",
    )
    p.add_argument(
        "-s", "--size", metavar="WxH",
        help="the result's size, e.g. 1024x1024, or auto (fitted to the image; the default)",
    )
    p.add_argument(
        "--quality", metavar="LEVEL",
        help=f"one of: {_qualities()} (which a model takes: `openai-images models`)",
    )
    p.add_argument(
        "-n", type=_count, metavar="N",
        help=f"how many candidates, 1..{MAX_CANDIDATES} (the model may allow fewer; default 1)",
    )
    p.add_argument(
        "--background", choices=["transparent", "opaque", "auto"],
        help="ask for a transparent or an opaque result",
    )
    p.add_argument(
        "--output-format", choices=["png", "webp", "jpeg"],
        help="the format the API sends; taken from --out's extension when not given",
    )
    p.add_argument(
        "--output-compression", type=int, metavar="0-100",
        help="compression of webp or jpeg answers",
    )
    p.add_argument("--stream", action="store_true", help="stream partial previews")
    p.add_argument(
        "--base-url", metavar="URL", help="the API's base URL (default: OPENAI_BASE_URL or OpenAI)"
    )
    p.add_argument(
        "--dry-run", action="store_true", help="print the request as JSON, send nothing"
    )
    p.add_argument(
        "-o", "--out", type=Path, metavar="FILE",
        help="the result: x.png, x.webp, x.jpg (x-1.png, x-2.png ... for several) or x.ora "
        "(every candidate a layer); checked before anything is sent",
    )
    p.add_argument(
        "-y", "--yes", action="store_true",
        help="do not ask before an expensive job (needed without a terminal)",
    )
    p.add_argument(
        "--confirm-above", type=_usd, metavar="USD",
        help=f"ask before a job estimated above this (default {CONFIRM_ENV}, the saved "
        f"confirm_above_usd, or {DEFAULT_CONFIRM_USD:g})",
    )
    p.add_argument(
        "--json", action="store_true",
        help="print one JSON document (files, revised prompts, request ids, costs, "
        "history paths) and nothing else on stdout",
    )
    talk = p.add_mutually_exclusive_group()
    talk.add_argument(
        "-q", "--quiet", action="store_true", help="print only the paths of the results"
    )
    talk.add_argument(
        "-v", "--verbose", action="store_true", help="add request ids and timings"
    )
