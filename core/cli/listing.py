"""The commands that send no job: `models` (the catalogue and the account's list)
and `key` (the key the CLI and the plug-ins share, kept where the plug-ins keep it).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from ..errors import ImagesError, ValidationError
from ..models.catalogue import known_models
from . import Exit


def list_models(args: argparse.Namespace) -> Exit:
    """The catalogue as it stands today, the account's list first where it can be had:
    live models, those ending soon marked, shut-down ones marked with their replacement."""
    from ..models.lifecycle import AccountLifecycle, lifecycle
    from ..setup import make_runner

    account_ids: list[str] | None = None
    dates = None
    try:
        runner = make_runner(base_url=args.base_url)
        cache = runner.account or AccountLifecycle(None)
        if cache.refresh(runner.client):
            dates = cache.dates()
            account_ids = sorted(dates or ())
    except ImagesError as exc:
        print(f"openai-images: (the account's list is not available: {exc})", file=sys.stderr)
    rows = []
    for spec in known_models():
        standing = lifecycle(spec, account=dates)
        if standing.status == "shut_down" and not args.all:
            continue
        rows.append((spec, standing))
    if args.json:
        print(json.dumps({
            "models": [
                {"id": s.id, "status": st.status, "notice": st.notice(),
                 "endpoints": sorted(s.endpoints), "qualities": list(s.qualities),
                 "n_max": s.n_max, "output_formats": list(s.output_formats),
                 "size_rule": s.size_rule.kind}
                for s, st in rows
            ],
            "account_models": account_ids,
        }, indent=2))
        return Exit.OK
    for spec, standing in rows:
        flags = ", ".join(sorted(spec.endpoints))
        mark = ""
        if standing.status != "live":
            mark = f"  ({standing.notice()})"
        elif spec.facts == "secondary":
            mark = "  (capabilities from secondary sources)"
        quality = "/".join(q for q in spec.qualities if q != "auto")
        print(f"{spec.id:36} {spec.size_rule.kind:5} sizes  {quality:26} {flags}{mark}")
    if not args.all:
        print("(shut-down models are hidden: --all lists them)")
    if account_ids is not None:
        print("\naccount models for images: " + (", ".join(account_ids) or "(none listed)"))
    return Exit.OK


def key_command(args: argparse.Namespace) -> Exit:
    """`key set` saves where the plug-ins' settings say (keychain or private file)."""
    from ..store.secrets import KeyStore, mask_key
    from ..store.settings import Settings

    settings = Settings.load()
    store = KeyStore(account="azure" if settings.is_azure else "openai",
                     store=settings.key_store)
    if args.action == "status":
        key, source = store.get()
        if not key:
            print("no key: set OPENAI_API_KEY, or run `openai-images key set`")
            return Exit.USAGE
        print(f"{mask_key(key)} from {source}")
        return Exit.OK
    if args.action == "delete":
        store.delete()
        print(f"the saved key is deleted (the environment's {store.env_var} is not changed)")
        return Exit.OK
    if sys.stdin.isatty():
        key = getpass.getpass("OpenAI API key (not shown): ")
    else:  # a pipe: `pass show openai | openai-images key set`; never an argument,
        key = sys.stdin.readline()  # where other users could read it in the process list
    try:
        where = store.set(key)
    except ValueError as exc:
        raise ValidationError("key", str(exc)) from None
    place = "the OS keychain" if where == "keyring" else f"the private file {store.file_path}"
    print(f"saved in {place}; the CLI and the plug-ins use it when {store.env_var} is unset")
    return Exit.OK
