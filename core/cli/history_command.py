"""`openai-images history`: find, star and delete past results (issue 20).

The same history the plug-ins write (core/store/history.py), read through
core/store/history_care.py: search by words of the prompt, the revised prompt, the
document or the model; favourites, which pruning never removes; delete. Nothing is
sent; the exit codes are the CLI's (0, 2 for an unknown id).
"""

from __future__ import annotations

import argparse
import json
import sys

from ..store.history import HistoryEntry
from ..store.history_care import BoundedHistory, Query, search
from ..store.paths import history_dir
from . import Exit

PROMPT_WIDTH = 60


def add_parser(command) -> None:
    """The `history` command's arguments, on the parser `command(name, summary)` makes."""
    p = command("history", "find, star or delete past results (nothing is sent)")
    p.add_argument("words", nargs="*", metavar="WORD",
                   help="show only results whose prompt, revised prompt, document or model "
                   "holds every word (any case)")
    p.add_argument("--job", choices=["generate", "edit", "variation"],
                   help="only this kind of job")
    p.add_argument("--favourites", action="store_true", help="only starred results")
    p.add_argument("--limit", type=int, default=20, metavar="N",
                   help="at most N results, newest first (0: all; default 20)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    act = p.add_mutually_exclusive_group()
    act.add_argument("--star", metavar="ID", help="mark a result as a favourite")
    act.add_argument("--unstar", metavar="ID", help="remove the favourite mark")
    act.add_argument("--delete", metavar="ID", help="delete a result and its files")


def history_command(args: argparse.Namespace) -> Exit:
    history = BoundedHistory(history_dir())
    target = args.star or args.unstar or args.delete
    if target:
        if history.get(target) is None:
            print(f"openai-images: no result {target!r} in {history.root}: "
                  "`openai-images history` lists the ids", file=sys.stderr)
            return Exit.USAGE
        if args.delete:
            history.delete(target)
            print(f"deleted {target}")
        else:
            history.favourites.mark(target, favourite=bool(args.star))
            print(f"{'starred' if args.star else 'unstarred'} {target}")
        return Exit.OK
    stars = history.favourites.ids()
    query = Query(" ".join(args.words), args.job, args.favourites)
    found = search(history.list(), query, stars)
    if args.limit > 0:
        found = found[: args.limit]
    if args.json:
        print(json.dumps([_record(e, e.id in stars) for e in found], indent=2))
    else:
        for entry in found:
            print(_line(entry, entry.id in stars))
        if not found:
            print(f"openai-images: nothing in the history ({history.root}) matches",
                  file=sys.stderr)
    return Exit.OK


def _record(entry: HistoryEntry, starred: bool) -> dict:
    meta = entry.meta
    return {"id": entry.id, "favourite": starred, "job": meta.job, "model": meta.model,
            "created": meta.created, "prompt": meta.prompt, "task": meta.task,
            "document": meta.document, "image": str(entry.image_path)}


def _line(entry: HistoryEntry, starred: bool) -> str:
    meta = entry.meta
    prompt = " ".join(meta.prompt.split())
    if len(prompt) > PROMPT_WIDTH:
        prompt = prompt[: PROMPT_WIDTH - 1] + "…"
    star = "*" if starred else " "
    return f"{star} {entry.id}  {meta.job:<9} {meta.model:<13} {prompt}  {entry.image_path}"
