"""Unit tests of the host harness's pure parts (no root folder, no host needed):
reading host logs for our plug-in's errors, and scenario discovery."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scenarios  # noqa: E402

GIMP_SYNTAX_ERROR = """\
gimp-console-3.0: LibGimpBase-WARNING: gimp: gimp_wire_read(): unexpected EOF
  File "/home/tester/.config/GIMP/3.0/plug-ins/openai-images/openai-images.py", line 30
    def broken_on_purpose(:
                          ^
SyntaxError: invalid syntax
GIMP-Warning: Welcome to GIMP 3.0.4!
(python-eval.py:160): LibGimp-WARNING **: python-eval.py: gimp_flush(): error: Broken pipe
(openai-images.py:42): LibGimp-WARNING **: openai-images.py: gimp_flush(): error: Broken pipe
"""

KRITA_LOAD_FAILURE = """\
/usr/lib/x86_64-linux-gnu/krita-python-libs/krita added to PYTHONPATH
krita.scripting: "Traceback (most recent call last):"
krita.scripting: "  File \\"/home/t/pykrita/openai_images/canvas.py\\", line 26"
krita.scripting: "ModuleNotFoundError: No module named 'openai_images.core.pixels.planning'"
krita.scripting: "Could not import openai_images"
krita.scripting: Error loading plugin "openai_images"
Warning: requested data for unknown action "path-break-at-selection"
"""


def test_gimp_syntax_error_in_our_entry_is_one_problem_with_its_location():
    problems = scenarios.problems_from_our_code(GIMP_SYNTAX_ERROR)
    assert len(problems) == 1
    assert 'openai-images.py", line 30' in problems[0]
    assert problems[0].endswith("SyntaxError: invalid syntax")


def test_broken_pipe_noise_of_every_gimp_plugin_is_not_a_problem():
    noise = GIMP_SYNTAX_ERROR.splitlines()[-1]
    assert "openai-images.py" in noise
    assert scenarios.problems_from_our_code(noise) == []


def test_krita_load_failure_is_reported_unquoted_as_one_message():
    problems = scenarios.problems_from_our_code(KRITA_LOAD_FAILURE)
    assert len(problems) == 1
    message = problems[0]
    assert message.startswith("Traceback (most recent call last):")
    assert '"/home/t/pykrita/openai_images/canvas.py"' in message
    assert message.endswith('Error loading plugin "openai_images"')


def test_tracebacks_and_warnings_of_other_code_are_not_ours():
    log = (
        "Traceback (most recent call last):\n"
        '  File "/usr/lib/python3/dist-packages/foo.py", line 1, in <module>\n'
        "ValueError: not ours\n"
        "Warning: requested data for unknown action\n"
    )
    assert scenarios.problems_from_our_code(log) == []


def test_a_warning_line_naming_our_module_is_a_problem():
    line = "/home/tester/pykrita/openai_images/docker.py:12: DeprecationWarning: old call"
    assert scenarios.problems_from_our_code("ok\n" + line + "\nok") == [line]


def test_smoke_comes_first_and_scenarios_are_per_app():
    gimp = scenarios.discover("gimp")
    krita = scenarios.discover("krita")
    assert gimp[0] == "smoke" and krita[0] == "smoke"
    assert all((scenarios.SCENARIOS / n / "gimp.py").is_file() for n in gimp)
    assert all((scenarios.SCENARIOS / n / "krita.py").is_file() for n in krita)
    assert scenarios.discover("krita", ["smoke", "no-such"]) == ["smoke"]


def _scenario(tmp_path, monkeypatch, check_source: str):
    folder = tmp_path / "scenarios" / "demo"
    folder.mkdir(parents=True)
    (folder / "check.py").write_text(check_source)
    monkeypatch.setattr(scenarios, "SCENARIOS", tmp_path / "scenarios")
    out = tmp_path / "out"
    out.mkdir()
    return out


def _host_printing(out, log_line: str, result: str) -> list[str]:
    """A stand-in for a host run: prints LOG_LINE, writes RESULT as result.json."""
    return ["bash", "-c", f"echo {log_line!r}; echo {result!r} > {out}/result.json"]


PROVOKED = "GIMP-Error: Calling error for procedure 'plug-in-openai-images-edit':"


def test_a_scenario_passes_when_its_check_accepts_the_facts(tmp_path, monkeypatch):
    check = "EXPECTED_LOG = [r'Calling error for procedure']\n"
    check += "def check(result):\n    assert result.facts['n'] == 2, 'n is wrong'\n"
    out = _scenario(tmp_path, monkeypatch, check)
    command = _host_printing(out, PROVOKED, '{"facts": {"n": 2}, "error": null}')
    outcome = scenarios.run_scenario("demo", "gimp-3.0", "gimp", command, out, tmp_path / "log")
    assert outcome.problems == []


def test_unexpected_log_errors_and_failed_checks_are_both_reported(tmp_path, monkeypatch):
    check = "def check(result):\n    assert result.facts['n'] == 3, 'n is wrong'\n"
    out = _scenario(tmp_path, monkeypatch, check)
    command = _host_printing(out, PROVOKED, '{"facts": {"n": 2}, "error": null}')
    outcome = scenarios.run_scenario("demo", "gimp-3.0", "gimp", command, out, tmp_path / "log")
    assert len(outcome.problems) == 2
    assert PROVOKED in outcome.problems[0]
    assert outcome.problems[1] == "check failed: n is wrong"


@pytest.mark.slow  # the harness sleeps 2 s + 4 s before its two retries after rc 134
def test_a_host_that_never_ran_the_scenario_fails_with_its_exit_status(tmp_path, monkeypatch):
    out = _scenario(tmp_path, monkeypatch, "def check(result):\n    pass\n")
    outcome = scenarios.run_scenario(
        "demo", "krita-6.0", "krita", ["bash", "-c", "exit 134"], out, tmp_path / "log"
    )
    assert outcome.problems == ["the host ended (rc=134) without running the scenario"]


def test_a_retry_after_an_abort_runs_on_another_display():
    command = ["env", "A=1", "xvfb-run", "-n", "123", "-e", "x.log", "krita", "--nosplash"]
    moved = scenarios._on_new_display(command)
    assert moved[:4] == command[:4] and moved[5:] == command[5:]
    assert moved[4] != "123" and moved[4].isdigit()
    gimp = ["env", "gimp-console-3.0", "-n", "7"]  # no xvfb-run: nothing to move
    assert scenarios._on_new_display(gimp) == gimp
