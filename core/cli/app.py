"""One command, from its arguments to an exit code, in the order that keeps money safe:
read and check everything local (prompt, images, the output paths, -n), price the
job, ask when it is dear, and only then send; write the results last.

stdout carries only what scripts read (the result paths, or the --json
document, or the dry run); everything else goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

from ..errors import CancelledError, ImagesError, ValidationError
from ..jobs.job_handle import Job
from ..jobs.options import Choices, JobOptions, job_options
from ..jobs.recipes import spans
from ..models.catalogue import get_model, parse_size
from ..pixels.geometry import Extent
from ..pixels.imaging import Image
from . import Exit
from .confirm import check_count, confirm, threshold
from .failures import Where, classify, log_unexpected
from .inputs import FilePort, read_image, read_prompt, read_selection
from .outputs import OutputError, OutputPlan, plan_outputs, write_results
from .parser import build_parser
from .progress import Display, choose_mode, use_colour
from .report import job_report


def run(argv: Sequence[str] | None) -> Exit:
    args = build_parser().parse_args(argv)
    handler = _log_handler()
    where = Where()
    try:
        if args.command == "history":
            from .history_command import history_command

            return history_command(args)
        if args.command in ("models", "key"):
            from .listing import key_command, list_models

            return list_models(args) if args.command == "models" else key_command(args)
        return _job_command(args, where)
    except BrokenPipeError:
        raise  # stdout closed (`| head`): main() leaves quietly
    except Exception as exc:  # every error ends here as one line and its exit code
        code, message = classify(exc, where)
        if code == Exit.INTERNAL:
            message = f"unexpected error: {type(exc).__name__}: {exc} ({log_unexpected(exc)})"
        _fail(message)
        if getattr(args, "json", False):
            failure: dict[str, Any] = {
                "ok": False, "exit_code": int(code), "error": _plain(message),
            }
            if isinstance(exc, OutputError):  # paid: a script can take them from there
                failure["history_images"] = exc.kept
            _print_json(failure)
        return code
    finally:
        logging.getLogger("openai_images").removeHandler(handler)


def _job_command(args: argparse.Namespace, where: Where) -> Exit:
    from ..jobs.canvas_port import edit_job, generate_job, variation_job
    from ..setup import make_runner

    prompt = read_prompt(args.prompt)
    if not args.dry_run and args.out is None:
        raise ValidationError("--out", "is required (a .png, .webp, .jpg or .ora path) "
                              "unless --dry-run")
    options = _options(args)
    spec = get_model(options.model)
    check_count(options.n, spec)
    # every path is checked before a byte is read or sent: a job is paid when it answers
    plan = None if args.out is None else plan_outputs(args.out, options.n, args.output_format)
    runner = make_runner(base_url=args.base_url, need_key=not args.dry_run)
    from .content_credentials import reader

    runner.read_manifest = reader()  # with the optional c2pa package: who signed the answer
    config = runner.client.config
    where.base_url, where.proxy = config.base_url, config.proxy
    base: Image | None = None
    if args.command == "generate":
        assert prompt is not None
        canvas = FilePort(None, "cli", "cli", None, _generate_canvas(options))
        recipe = generate_job(canvas, prompt, options)
    elif args.command == "edit":
        base = read_image(args.image[0])
        selection = read_selection(base, args.selection, args.mask)
        port = FilePort(base, args.image[0].name, args.image[0].stem, selection)
        refs = [read_image(p) for p in args.image[1:]]
        markup = read_image(args.markup) if args.markup else None
        recipe = edit_job(  # no prompt: the core's removal (recipes.edit_prompt)
            port, prompt or "", options, markup_layer=markup, reference_layers=refs,
            whole_image=port.selection is None and not args.alpha,
        )
    else:
        base = read_image(args.image)
        port = FilePort(base, args.image.name, args.image.stem, None)
        recipe = variation_job(port, options, prompt)
    if args.dry_run:
        _print_json(runner.dry_run(recipe))
        return Exit.OK
    assert plan is not None
    display = Display(
        sys.stderr, choose_mode(sys.stderr, args.quiet or (args.json and not args.verbose)),
        verbose=args.verbose, colour=use_colour(sys.stderr), count=options.n,
        spans=spans(recipe),
    )
    estimate = runner.quote(recipe)  # plans the job: an empty selection stops here, unsent
    display.announce(estimate)
    from ..store.settings import Settings

    saved = Settings.load().confirm_above_usd
    confirm(estimate, threshold(args.confirm_above, saved=saved), args.yes)
    job = runner.submit(recipe)
    _follow(job, display)
    return _deliver(args, plan, base, job, display)


def _deliver(
    args: argparse.Namespace, plan: OutputPlan, base: Image | None, job: Job, display: Display
) -> Exit:
    if job.state != "done":
        raise job.error or ImagesError(f"the job ended {job.state}")
    for line in [f"one candidate failed: {f}" for f in job.result.failures] + job.result.notices:
        _fail(line)  # server text: the same plain, masked line as an error
    try:
        written = write_results(plan, base, job.result.candidates, job.options.mark_provenance)
    except KeyboardInterrupt:  # the job is paid and kept: say where
        kept = ", ".join(str(c.entry.image_path) for c in job.result.candidates)
        raise CancelledError(f"cancelled while writing; the history holds {kept}") from None
    if args.json:
        _print_json(job_report(args.command, job, written, plan))
        return Exit.OK
    for path in written:
        print(path)
    if not args.quiet:
        _print_cost(job)
    return Exit.OK


def _follow(job: Job, display: Display) -> None:
    """Show progress until the job ends; Ctrl-C cancels it, and what arrived stays
    in the history (named in the message)."""
    try:
        while True:
            finished = job.wait(0.1)
            display.show(job.poll_events(), len(job.result.candidates))
            if finished:
                break
    except KeyboardInterrupt:
        job.cancel()
        try:
            job.wait(10)
        except KeyboardInterrupt:
            pass  # a second Ctrl-C: leave now, the daemon worker dies with us
        display.close(job)
        kept = [str(c.entry.image_path) for c in job.result.candidates]
        note = f"; already in the history: {', '.join(kept)}" if kept else ""
        raise CancelledError(f"cancelled{note}") from None
    display.close(job)


def _options(args: argparse.Namespace) -> JobOptions:
    """The flags over the saved settings (caps, growth, format), as every entry point."""
    from ..store.settings import Settings

    output_format = args.output_format
    if args.out is not None and output_format is None:
        # the extension says what to ask for, where the model can send it
        from .outputs import EXTENSIONS

        ext = EXTENSIONS.get(args.out.suffix.lower())
        model = get_model(_model_flag(args.model) or Settings.load().model)
        if ext in model.output_formats:
            output_format = ext
    choices = Choices(
        model=_model_flag(args.model),
        size=args.size,
        quality=args.quality,
        n=args.n,
        background=args.background,
        output_format=output_format,
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


def _generate_canvas(options: JobOptions) -> Extent:
    """The canvas a generate fills: the size asked for, else the model's working size."""
    parsed = parse_size(options.size)
    if parsed:
        return Extent(*parsed)
    side = get_model(options.model).working_size
    return Extent(side, side)


def _print_cost(job: Job) -> None:
    est = job.result.estimate
    parts = []
    if est is not None:
        parts.append(f"estimated ${est.usd:.3f}")
    if job.result.actual_cost_usd is not None:
        parts.append(f"billed about ${job.result.actual_cost_usd:.3f} (from usage)")
    if parts:
        print("openai-images: cost: " + ", ".join(parts) + " (estimates)", file=sys.stderr)


def _print_json(document: Any) -> None:
    print(json.dumps(document, indent=2))


def _plain(message: str) -> str:
    from ..store.secrets import user_text  # keys masked, server text made plain, one line

    return user_text(message)


def _fail(message: str) -> None:
    print(f"openai-images: {_plain(message)}", file=sys.stderr)


def _log_handler() -> logging.Handler:
    """Warnings of the core's loggers on stderr, with keys masked, for this run only."""
    from ..store.secrets import install_redaction

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine("openai-images: %(levelname)s %(message)s"))
    handler.setLevel(logging.WARNING)
    install_redaction(handler)
    logging.getLogger("openai_images").addHandler(handler)
    return handler


class _OneLine(logging.Formatter):
    """A record as one line: a worker's log.exception must not print its traceback
    on the user's terminal (the job's error says what went wrong)."""

    def format(self, record: logging.LogRecord) -> str:
        plain = logging.makeLogRecord(record.__dict__)  # other handlers keep the traceback
        plain.exc_info, plain.exc_text, plain.stack_info = None, None, None
        return super().format(plain)
