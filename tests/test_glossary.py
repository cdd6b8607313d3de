"""The one set of words (core/glossary.py), the progress line both panels show, the
translation functions of both adapters, the plain-text rule for API text, and the
recent prompts kept across restarts (core/store/recent_prompts.py)."""

from __future__ import annotations

import builtins
import importlib.util
import os
import stat
import struct
from html.parser import HTMLParser
from pathlib import Path

import pytest

from core import glossary
from core.store.recent_prompts import LIMIT, RecentPrompts

ROOT = Path(__file__).resolve().parent.parent


def _load(path: Path, name: str):
    """A module of an adapter with no relative imports, loaded by its path (the adapters'
    packages register with their host on import)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the progress line -------------------------------------------------------------
def test_the_progress_line_names_stage_candidate_and_time():
    assert glossary.progress_line("rendering") == "Rendering"
    line = glossary.progress_line("rendering", candidate=1, count=3, elapsed=75.4)
    assert line == "Rendering (candidate 2 of 3) · 1 min 15 s"
    # one candidate: no "1 of 1"
    assert glossary.progress_line("downloading", candidate=0, count=1, elapsed=3) == (
        "Receiving the result · 3 s")
    assert glossary.progress_line("partial", partial_index=1, partials=3) == (
        "Rendering, preview 2 of 3")


def test_the_progress_line_goes_through_the_translation_handed_in():
    german = {"Rendering": "Wird gerendert", "candidate {k} of {n}": "Kandidat {k} von {n}"}
    line = glossary.progress_line("rendering", candidate=0, count=2,
                                  _=lambda s: german.get(s, s))
    assert line == "Wird gerendert (Kandidat 1 von 2)"


def test_a_stage_is_measured_only_where_it_can_be():
    assert glossary.stage_fraction("uploading", bytes_done=250, bytes_total=1000) == 0.25
    assert glossary.stage_fraction("downloading", bytes_done=2000, bytes_total=1000) == 1.0
    assert glossary.stage_fraction("uploading") is None  # no total: a busy bar
    assert glossary.stage_fraction("uploading", bytes_done=5, bytes_total=0) is None
    assert glossary.stage_fraction("rendering") is None
    # preview 2 of 2: the final image is one step more
    assert glossary.stage_fraction("partial", partial_index=1, partials=2) == pytest.approx(2 / 3)
    assert glossary.stage_fraction("partial", partial_index=0, partials=0) is None


def test_every_stage_of_the_core_has_words():
    from core.jobs.job_handle import STAGES

    assert set(STAGES) - {"notice"} <= set(glossary.STAGES)
    assert set(glossary.FINAL) == {"done", "failed", "cancelled"}


# -- translation ---------------------------------------------------------------------
def _write_mo(path: Path, catalogue: dict[str, str]) -> None:
    """A GNU .mo file (what msgfmt writes): header, two string tables, the strings."""
    keys = sorted(catalogue)
    ids = b"".join(k.encode() + b"\0" for k in keys)
    strs = b"".join(catalogue[k].encode() + b"\0" for k in keys)
    start = 7 * 4 + 16 * len(keys)
    offsets, o = [], 0
    for k in keys:
        offsets.append((len(k.encode()), start + o))
        o += len(k.encode()) + 1
    table, o = [], 0
    for k in keys:
        table.append((len(catalogue[k].encode()), start + len(ids) + o))
        o += len(catalogue[k].encode()) + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 28, 28 + 8 * len(keys), 0, 0)
    body = b"".join(struct.pack("ii", *p) for p in offsets + table)
    path.parent.mkdir(parents=True)
    path.write_bytes(header + body + ids + strs)


def test_gimp_translates_through_its_own_domain(tmp_path):
    i18n = _load(ROOT / "gimp_plugin" / "i18n.py", "gimp_i18n_under_test")
    _write_mo(tmp_path / "de" / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo",
              {"": "Content-Type: text/plain; charset=UTF-8\n", "Candidates": "Kandidaten"})
    german = i18n.catalogue(str(tmp_path), ["de"])
    assert german.gettext("Candidates") == "Kandidaten"
    assert german.gettext("Model") == "Model"  # not translated: the English stays
    assert i18n.catalogue(str(tmp_path), ["fr"]).gettext("Candidates") == "Candidates"
    assert i18n.DOMAIN == "openai-images"


def test_krita_uses_the_i18n_krita_puts_into_builtins(monkeypatch):
    monkeypatch.setenv("LANGUAGE", "C")  # no catalogue of ours: Krita's i18n or English
    i18n = _load(ROOT / "krita_plugin" / "i18n.py", "krita_i18n_under_test")
    monkeypatch.delattr(builtins, "i18n", raising=False)
    assert i18n._("Candidates") == "Candidates"
    monkeypatch.setattr(builtins, "i18n", lambda s: {"Candidates": "Kandidaten"}.get(s, ""),
                        raising=False)
    assert i18n._("Candidates") == "Kandidaten"
    assert i18n._("Model") == "Model"  # an empty answer is no translation


# -- API text is plain text ------------------------------------------------------------
class _TextOf(HTMLParser):
    """What a rich-text renderer shows: the character data, <br> as a new line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text, self.tags = "", []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "br":
            self.text += "\n"

    def handle_data(self, data):
        self.text += data


def test_a_tooltip_shows_html_from_the_api_literally():
    plain = _load(ROOT / "krita_plugin" / "plain_text.py", "krita_plain_text_under_test")
    hostile = "a <b>bold</b> cat <img src='http://x/y.png'> & \"friends\""
    revised = "salt &amp; pepper"  # no tag: escaping alone would show the entity as typed
    shown = _TextOf()
    shown.feed(plain.literal_tooltip(hostile, revised))
    assert shown.text == hostile + "\n" + revised
    assert shown.tags == ["p", "br"]  # nothing of the API's markup became a tag


# -- recent prompts ----------------------------------------------------------------------
def test_recent_prompts_survive_a_restart_newest_first_once_each(user_dirs):
    RecentPrompts().remember("a lighthouse")
    RecentPrompts().remember("a fox in the snow")
    RecentPrompts().remember("  a lighthouse ")
    assert RecentPrompts().load() == ["a lighthouse", "a fox in the snow"]
    path = RecentPrompts().path
    assert path.parent == user_dirs[1]  # the config folder, beside settings.json
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_recent_prompts_keep_the_limit_and_never_a_key(user_dirs):
    store = RecentPrompts()
    for i in range(LIMIT + 5):
        store.remember(f"prompt {i}")
    assert store.load() == [f"prompt {i}" for i in range(LIMIT + 4, 4, -1)]
    assert store.remember("sk-proj-abcdefghijklmnopqrstuvwxyz0123456789") == store.load()
    assert not any(p.startswith("sk-") for p in store.load())
    assert "sk-proj" not in store.path.read_text("utf-8")


def test_an_unreadable_list_reads_as_empty(user_dirs):
    store = RecentPrompts()
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{not json", "utf-8")
    assert store.load() == []
    store.path.write_text('{"prompts": ["ok", 3, ""]}', "utf-8")
    assert store.load() == ["ok"]
