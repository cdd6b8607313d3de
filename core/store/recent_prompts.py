"""The panels' recent prompts, kept across restarts in the user's config folder.

Never in a document: a prompt can say more about a client's work than the
picture, and a .kra or .xcf travels. The file sits beside settings.json
(`recent-prompts.json`, 0600, written atomically like every store file), is
shared by the Krita docker and the GIMP dialogs, newest first, each prompt once,
at most `LIMIT`. A prompt that looks like an API key is never written (a key
pasted into the wrong box must not land on disk). Unreadable or foreign files
read as "no recent prompts": a lost list is not worth an error.
Imports the store's paths and secrets only.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from . import paths
from .secrets import looks_secret

log = logging.getLogger("openai_images")

LIMIT = 20
FILE_NAME = "recent-prompts.json"


def recent_prompts_path() -> Path:
    return paths.user_config_dir() / FILE_NAME


class RecentPrompts:
    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else recent_prompts_path()

    def load(self) -> list[str]:
        """The prompts, newest first; [] when there is no readable list."""
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            log.warning("cannot read the recent prompts (%s)", type(exc).__name__)
            return []
        prompts = data.get("prompts") if isinstance(data, dict) else None
        if not isinstance(prompts, list):
            return []
        return [p for p in prompts if isinstance(p, str) and p.strip()][:LIMIT]

    def remember(self, prompt: str) -> list[str]:
        """Put `prompt` first (once), keep `LIMIT`, save; returns the new list. A save that
        fails (a linked or foreign folder) keeps the list for this session only."""
        prompt = prompt.strip()
        prompts = self.load()
        if not prompt or looks_secret(prompt):
            return prompts
        prompts = [prompt, *(p for p in prompts if p != prompt)][:LIMIT]
        try:
            paths.ensure_private_dir(self.path.parent)
            text = json.dumps({"version": 1, "prompts": prompts}, indent=1) + "\n"
            paths.write_private_file(self.path, text.encode("utf-8"))
        except (OSError, paths.FolderError) as exc:
            log.warning("cannot save the recent prompts (%s)", type(exc).__name__)
        return prompts
