"""The `openai-images` command line (also `python -m core`): the engine without a host.

It reads images from files where a host would read its canvas, runs the same
jobs as the plug-ins, and writes the composited results as PNG or OpenRaster.
Exit codes: 0 done, 2 usage or validation error, 3 API error, 4 network error,
130 cancelled.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .errors import (
    APIConnectionError,
    APIError,
    CancelledError,
    ConfigurationError,
    ImagesError,
    NothingToEditError,
    ValidationError,
)
from .jobs.cost import SpendCapError
from .jobs.job_handle import FINAL_STAGES, Job
from .jobs.options import JobOptions
from .models.catalogue import DEFAULT_MODEL, get_model, known_models
from .pixels.geometry import Bounds, Extent, Point
from .pixels.imaging import Image, ImageDecodeError, Mask
from .pixels.openraster import write_ora
from .pixels.planning import CanvasSnapshot, apply_patch

EXIT_OK, EXIT_USAGE, EXIT_API, EXIT_NETWORK, EXIT_CANCELLED = 0, 2, 3, 4, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openai-images",
        description="Generate, edit and vary images with the OpenAI Images API.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        # No defaults here: an option not given comes from the saved settings
        # (core.options.job_options), as in the plug-ins.
        p.add_argument("--model", help=f"model id (saved setting, else {DEFAULT_MODEL})")
        p.add_argument("--size", help="WxH or auto (fitted to the image; the default)")
        p.add_argument("--quality")
        p.add_argument("-n", type=int, help="number of candidates (default 1)")
        p.add_argument("--background", choices=["transparent", "opaque", "auto"])
        p.add_argument("--output-format", choices=["png", "webp", "jpeg"])
        p.add_argument("--output-compression", type=int)
        p.add_argument("--stream", action="store_true", help="stream partial previews")
        p.add_argument("--base-url", help="API base URL (default: OPENAI_BASE_URL or OpenAI)")
        p.add_argument("--dry-run", action="store_true", help="print the request, send nothing")
        p.add_argument(
            "--out", type=Path, help="result file: x.png (x-1.png ... for several) or x.ora"
        )

    gen = sub.add_parser("generate", help="a new image from a prompt")
    gen.add_argument("--prompt", required=True)
    common(gen)

    edit = sub.add_parser("edit", help="edit an image: inpaint a selection, fill transparency")
    edit.add_argument(
        "--image",
        action="append",
        required=True,
        type=Path,
        help="the image to edit; repeat for reference images",
    )
    area = edit.add_mutually_exclusive_group()
    area.add_argument("--mask", type=Path, help="OpenAI mask: alpha 0 marks the area to edit")
    area.add_argument(
        "--selection", type=Path, help="greyscale coverage: white = edit, grey = soft"
    )
    area.add_argument(
        "--alpha", action="store_true", help="fill the transparent pixels of the image"
    )
    edit.add_argument("--markup", type=Path, help="transparent PNG of scribbles guiding the edit")
    edit.add_argument("--prompt", required=True)
    edit.add_argument("--input-fidelity", choices=["low", "high"])
    edit.add_argument("--padding", type=int, help="context around the selection, px (64)")
    edit.add_argument("--whole-image", action="store_true", help="send the whole image as context")
    common(edit)

    vary = sub.add_parser("vary", help="variations of an image")
    vary.add_argument("--image", required=True, type=Path)
    vary.add_argument(
        "--prompt", help="what to keep or change (models without a variations endpoint)"
    )
    common(vary)

    models = sub.add_parser("models", help="list the models: the catalogue and the account's")
    models.add_argument("--base-url")
    models.add_argument(
        "--all", action="store_true", help="include shut-down models, with their replacements"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = _log_handler()
    try:
        if args.command == "models":
            return _list_models(args)
        if not args.dry_run and args.out is None:
            raise ValidationError("--out", "is required (a .png or .ora path) unless --dry-run")
        return _run(args)
    except ValidationError as exc:
        return _fail(f"invalid request: {exc}", EXIT_USAGE)
    except NothingToEditError as exc:  # decided before anything is sent: a usage error
        return _fail(f"nothing to edit: {exc}", EXIT_USAGE)
    except SpendCapError as exc:  # refused before anything is sent
        return _fail(f"not sent: the {exc}; raise the cap in the settings to go ahead", EXIT_USAGE)
    except (ConfigurationError, ImageDecodeError, OSError) as exc:
        return _fail(str(exc), EXIT_USAGE)
    except CancelledError:
        return _fail("cancelled", EXIT_CANCELLED)
    except APIConnectionError as exc:
        return _fail(f"network error: {exc}", EXIT_NETWORK)
    except (APIError, ImagesError) as exc:
        return _fail(f"API error: {exc}", EXIT_API)
    finally:
        logging.getLogger("openai_images").removeHandler(handler)


def _fail(message: str, code: int) -> int:
    from .store.secrets import user_text  # keys masked, server text made plain, one line

    print(f"openai-images: {user_text(message)}", file=sys.stderr)
    return code


def _log_handler() -> logging.Handler:
    """Warnings of the core's loggers on stderr, with keys masked, for this run only."""
    from .store.secrets import install_redaction

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("openai-images: %(levelname)s %(message)s"))
    handler.setLevel(logging.WARNING)
    install_redaction(handler)
    logging.getLogger("openai_images").addHandler(handler)
    return handler


# -- inputs ------------------------------------------------------------------
# The largest input file read: an 8192x8192 RGBA PNG stored without compression is
# 256 MiB; anything bigger is not an image the API takes (and /dev/zero never ends).
MAX_INPUT_BYTES = 512 * 1024 * 1024


def _read_bytes(path: Path) -> bytes:
    """A file's bytes, refused before reading when it is not a regular file or too big."""
    if not path.is_file():
        raise ValidationError(str(path), "is not a regular image file")
    size = path.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise ValidationError(
            str(path), f"is {size / 2**20:.0f} MiB; inputs are limited to "
            f"{MAX_INPUT_BYTES // 2**20} MiB")
    with path.open("rb") as f:
        return f.read(MAX_INPUT_BYTES + 1)[:MAX_INPUT_BYTES]


def _read_image(path: Path) -> Image:
    return Image.decode(_read_bytes(path))


def _read_selection(args: argparse.Namespace, image: Image) -> Mask | None:
    """The area to edit as coverage (255 = edit), from --selection or --mask."""
    import numpy as np

    whole = Bounds(0, 0, image.extent.width, image.extent.height)
    if args.selection:
        grey = Image.decode(_read_bytes(args.selection))
        coverage = grey.pixels[..., :3].mean(axis=-1).round().astype(np.uint8)
    elif args.mask:
        # OpenAI's convention: alpha 0 = edit, so coverage is the inverse of alpha.
        coverage = 255 - Image.decode(_read_bytes(args.mask)).pixels[..., 3]
    else:
        return None
    if coverage.shape != image.pixels.shape[:2]:
        raise ValidationError("--selection/--mask", "must have the same size as the first image")
    return Mask(coverage, whole)


def _options(args: argparse.Namespace) -> JobOptions:
    """The flags over the saved settings (caps, growth, format), as every entry point."""
    from .jobs.options import Choices, job_options
    from .store.settings import Settings

    choices = Choices(
        model=_model_flag(args.model),
        size=args.size,
        quality=args.quality,
        n=args.n,
        background=args.background,
        output_format=args.output_format,
        output_compression=args.output_compression,
        # the command line shows no previews: it streams only when asked to
        stream=args.stream,
        input_fidelity=getattr(args, "input_fidelity", None),
        padding_px=getattr(args, "padding", None),
        whole_image=getattr(args, "whole_image", None) or None,
    )
    return job_options(Settings.load(), choices)


def _model_flag(model: str | None) -> str | None:
    """--model as given; an empty id is refused here rather than sent as is."""
    if model is not None and not model.strip():
        raise ValidationError("--model", "is empty: name a model (openai-images models)")
    return model.strip() if model else model


class FilePort:
    """The CLI's canvas: an image file (or an empty canvas to generate into), with the
    selection read from --selection or --mask."""

    def __init__(
        self, image: Image | None, name: str, stem: str, selection: Mask | None,
        extent: Extent | None = None,
    ) -> None:
        self.image, self.name, self.stem, self.selection = image, name, stem, selection
        self.extent = extent or (image.extent if image is not None else Extent(1, 1))

    def document_name(self) -> str:
        return self.name

    def canvas_bounds(self) -> Bounds:
        return Bounds.from_extent(self.extent)

    def read_selection(self) -> Mask | None:
        return self.selection

    def read_snapshot(self, selection: Mask | None, window: Bounds) -> CanvasSnapshot:
        assert self.image is not None, "a generate reads no pixels"
        return CanvasSnapshot(
            self.image.crop(window), window.offset, selection, self.name, self.stem,
            self.canvas_bounds(),
        )

    def read_layers(self, layers: Sequence[Any], window: Bounds | None) -> list[Image]:
        # the CLI's "layers" are decoded images already; a window cuts them like the canvas
        return [img if window is None else img.crop(window) for img in layers]


# -- running -----------------------------------------------------------------
def _run(args: argparse.Namespace) -> int:
    from .jobs.canvas_port import edit_job, generate_job, variation_job
    from .setup import make_runner

    options = _options(args)
    runner = make_runner(base_url=args.base_url, need_key=not args.dry_run)
    base: Image | None = None
    if args.command == "generate":
        canvas = FilePort(None, "cli", "cli", None, _generate_canvas(options))
        recipe = generate_job(canvas, args.prompt, options)
    elif args.command == "edit":
        base = _read_image(args.image[0])
        port = FilePort(base, args.image[0].name, args.image[0].stem, _read_selection(args, base))
        refs = [_read_image(p) for p in args.image[1:]]
        markup = _read_image(args.markup) if args.markup else None
        whole = port.selection is None and not args.alpha
        recipe = edit_job(
            port, args.prompt, options, markup_layer=markup, reference_layers=refs,
            whole_image=whole,
        )
    else:
        base = _read_image(args.image)
        port = FilePort(base, args.image.name, args.image.stem, None)
        recipe = variation_job(port, options, args.prompt)
    if args.dry_run:
        print(json.dumps(runner.dry_run(recipe), indent=2))
        return EXIT_OK
    job = runner.submit(recipe)
    _follow(job)
    if job.state != "done":
        raise job.error or ImagesError(f"the job ended {job.state}")
    for line in [f"one candidate failed: {f}" for f in job.result.failures] + job.result.notices:
        _fail(line, EXIT_OK)  # server text: the same plain, masked line as an error
    _write_outputs(args.out, base, job)
    return EXIT_OK


def _generate_canvas(options: JobOptions) -> Extent:
    """The canvas a generate fills: the size asked for, else the model's working size."""
    from .models.catalogue import parse_size

    parsed = parse_size(options.size)
    if parsed:
        return Extent(*parsed)
    side = get_model(options.model).working_size
    return Extent(side, side)


def _follow(job: Job) -> None:
    """Print progress until the job ends; Ctrl-C cancels it."""
    tty = sys.stderr.isatty()
    started = time.monotonic()
    try:
        while True:
            finished = job.wait(0.1)
            for event in job.poll_events():
                if event.stage in FINAL_STAGES:
                    continue
                label = event.stage
                if event.partial_index is not None:
                    label = f"partial preview {event.partial_index + 1}"
                line = f"[{time.monotonic() - started:5.1f}s] {label}"
                if event.candidate is not None and job.options.n > 1:
                    line += f" (candidate {event.candidate + 1}/{job.options.n})"
                print(
                    ("\r" + line.ljust(60)) if tty else line,
                    end="" if tty else "\n",
                    file=sys.stderr,
                    flush=True,
                )
            if finished:
                break
    except KeyboardInterrupt:
        job.cancel()
        job.wait(10)
    if tty:
        print(file=sys.stderr)


def _write_outputs(out: Path, base: Image | None, job: Job) -> None:
    candidates = job.result.candidates
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".ora":
        layers = []
        if base is not None:
            layers.append(("original", base, Point(0, 0), True))
        for c in candidates:
            layers.append((c.patch.name, c.patch.image, c.patch.bounds.offset, c.index == 0))
        width, height = _stack_size(base, candidates)
        write_ora(out, width, height, layers)
        print(out)
        return
    for c in candidates:
        full = c.patch.image if base is None else apply_patch(base, c.patch, Point(0, 0))
        path = (
            out if len(candidates) == 1 else out.with_name(f"{out.stem}-{c.index + 1}{out.suffix}")
        )
        path.write_bytes(full.to_png())
        print(path)
    if job.result.estimate or job.result.actual_cost_usd is not None:
        _print_cost(job)


def _stack_size(base: Image | None, candidates) -> tuple[int, int]:
    if base is not None:
        return base.extent.width, base.extent.height
    b = candidates[0].patch.bounds
    return b.x + b.width, b.y + b.height


def _print_cost(job: Job) -> None:
    est = job.result.estimate
    parts = []
    if est is not None:
        parts.append(f"estimated ${est.usd:.3f}")
    if job.result.actual_cost_usd is not None:
        parts.append(f"billed about ${job.result.actual_cost_usd:.3f} (from usage)")
    print("cost: " + ", ".join(parts) + " (estimates)", file=sys.stderr)


def _list_models(args: argparse.Namespace) -> int:
    """The catalogue as it stands today, the account's list first where it can be had:
    live models, those ending soon marked, shut-down ones marked with their replacement."""
    from .models.lifecycle import AccountLifecycle, lifecycle
    from .setup import make_runner

    account_ids: list[str] | None = None
    dates = None
    try:
        runner = make_runner(base_url=args.base_url)
        cache = runner.account or AccountLifecycle(None)
        if cache.refresh(runner.client):
            dates = cache.dates()
            account_ids = sorted(dates or ())
    except ImagesError as exc:
        print(f"(the account's list is not available: {exc})", file=sys.stderr)
    for spec in known_models():
        standing = lifecycle(spec, account=dates)
        if standing.status == "shut_down" and not args.all:
            continue
        flags = ", ".join(sorted(spec.endpoints))
        mark = ""
        if standing.status != "live":
            mark = f"  ({standing.notice()})"
        elif spec.facts == "secondary":
            mark = "  (capabilities from secondary sources)"
        print(f"{spec.id:36} {spec.size_rule.kind:5} sizes  {flags}{mark}")
    if not args.all:
        print("(shut-down models are hidden: --all lists them)")
    if account_ids is not None:
        print("\naccount models for images: " + (", ".join(account_ids) or "(none listed)"))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
