"""Issue 21: the history sidecar names who signed an answer's Content Credentials,
read with the C2PA project's own library (`c2pa`, a dev and CLI-only dependency).

The stand-in signs its answers here with a real manifest (tests/c2pa_signing.py:
a certificate chain made for the test, c2pa's Builder); the real CLI runs
against it, and the sidecar it leaves must name the issuer, the claim generator
and the title. The hosts' path (a runner given no reader) records presence only.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from core.cli.content_credentials import reader, summary
from core.jobs.options import JobOptions
from core.jobs.runner import JobRunner
from core.pixels.geometry import Bounds
from core.store.history import History
from standin import credentials
from tests.c2pa_signing import GENERATOR, GENERATOR_VERSION, ISSUER, TITLE, make_chain, signer_for
from tests.conftest import TEST_KEY
from tests.test_cli_script import ROOT, cli, environment

EXPECTED = {"issuer": ISSUER, "claim_generator": f"{GENERATOR}/{GENERATOR_VERSION}",
            "title": TITLE}


@pytest.fixture(scope="module")
def sign():
    return signer_for(*make_chain())


@pytest.fixture
def signed(monkeypatch, sign):
    """The stand-in's answers signed for real; the signed bytes, as they went out."""
    out: list[bytes] = []

    def mark(encoded: bytes) -> bytes:
        out.append(sign(encoded))
        return out[-1]

    monkeypatch.setattr(credentials, "mark", mark)
    return out


@pytest.mark.parametrize("ext", ["png", "webp", "jpg"])
def test_the_cli_records_who_signed_the_answer(standin, user_dirs, signed, tmp_path, ext):
    env = environment(standin, user_dirs)
    done = cli(env, "generate", "-p", "a kite", "-o", tmp_path / f"k.{ext}", "--json")
    assert done.returncode == 0, done.stderr
    [candidate] = json.loads(done.stdout)["candidates"]
    meta = json.loads(open(candidate["history_sidecar"]).read())["meta"]
    assert meta["content_credentials"] is True
    assert meta["content_credentials_manifest"] == EXPECTED
    # the manifest read is the one on the wire, kept byte for byte beside the result
    answers = [p for p in (user_dirs[0] / "history").glob("*/*.answer.*")]
    assert [a.read_bytes() for a in answers] == [signed[-1]]


def test_the_hosts_path_records_presence_only(standin, signed, tmp_path):
    """A runner as the plug-ins make it has no reader: c2pa never runs inside a host."""
    from core.api.client import ClientConfig, ImagesClient

    client = ImagesClient(ClientConfig(api_key=TEST_KEY, base_url=standin.base_url))
    runner = JobRunner(client, History(tmp_path / "h"))
    assert runner.read_manifest is None
    job = runner.submit_generate("a kite", Bounds(0, 0, 64, 64), JobOptions(model="gpt-image-2"))
    assert job.wait(60) and job.state == "done", job.error
    client.close()
    meta = job.result.candidates[0].entry.meta
    assert meta.content_credentials is True and meta.content_credentials_manifest is None


def test_a_marker_that_is_no_manifest_is_present_but_unread(standin, user_dirs, tmp_path):
    """The stand-in's own marker has no claim and no signature: the library refuses it,
    and the job goes on with presence recorded."""
    env = environment(standin, user_dirs)
    done = cli(env, "generate", "-p", "a kite", "-o", tmp_path / "k.png", "--json")
    assert done.returncode == 0, done.stderr
    [candidate] = json.loads(done.stdout)["candidates"]
    meta = json.loads(open(candidate["history_sidecar"]).read())["meta"]
    assert meta["content_credentials"] is True and meta["content_credentials_manifest"] is None
    read = reader()
    assert read is not None and read(credentials.mark(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)) is None


def test_the_summary_takes_a_v1_claim_generator_and_ignores_junk():
    store = {"active_manifest": "m", "manifests": {"m": {
        "claim_generator": "OpenAI/1.0 c2pa-rs/0.33", "title": "image.png",
        "signature_info": {"issuer": "OpenAI", "alg": "Es256"}}}}
    assert summary(store) == {"issuer": "OpenAI", "claim_generator": "OpenAI/1.0 c2pa-rs/0.33",
                              "title": "image.png"}
    assert summary({"active_manifest": "x", "manifests": {}}) is None
    assert summary({"active_manifest": "m", "manifests": {"m": {"title": 5}}}) == {}
    assert summary([1, 2]) is None


def test_the_hosts_never_import_c2pa():
    """Loading the core as the plug-ins do (runner, delivery, setup) leaves c2pa unloaded."""
    probe = ("import sys; import core.setup, core.jobs.runner, core.jobs.delivery; "
             "print('c2pa' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "False"
