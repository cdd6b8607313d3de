"""Run the plug-ins inside real GIMP and Krita: `make test-hosts [HOSTS="gimp-3.0 krita-6.0"]`.

    .venv/bin/python tests/hosts/run.py [--hosts "gimp-3.0 krita-5.2"] [--scenarios smoke,...]
                                        [--no-selftest]

For each host: the cached root folder (built on first use), a fresh profile
with the plug-in installed from the working tree, the loopback Images API
stand-in, every scenario of tests/hosts/scenarios that has a script for the
host, and the self-test (a copy of the plug-in with a syntax error must fail
the smoke scenario, with the error in the message). Exits non-zero when any
host fails, printing the tail of its log. Where this machine cannot build root
folders, prints one SKIP line per host and exits 0. Details: README.md here.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import profiles  # noqa: E402
import roots  # noqa: E402
import scenarios  # noqa: E402

WORK = Path(os.environ.get("HOSTS_WORK", roots.REPO / "build" / "hosts"))
DUMMY_KEY = "sk-test-host-harness-not-a-real-key"


@contextlib.contextmanager
def standin(args: list[str], log: Path) -> Iterator[str | None]:
    """The local Images API stand-in on 127.0.0.1 for one scenario (if standin/ exists yet).

    One per scenario, so a scenario's requests and faults never meet another's;
    ARGS come from the scenario's check.py (STANDIN_ARGS, e.g. ["--legacy"]).
    """
    if not (roots.REPO / "standin" / "__main__.py").is_file():
        yield None
        return
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "standin", "--port", "0", "--verbose", *args],
            cwd=roots.REPO,
            stdout=subprocess.PIPE,
            stderr=sink,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        try:
            base = (process.stdout.readline() if process.stdout else "").strip()
            if not base.startswith("http://127.0.0.1"):
                raise RuntimeError(f"standin printed {base!r}, not its URL:\n{roots.tail(log)}")
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)


def host_env(
    base_url: str | None, scenario: str, app: str, bundle: str = "linux-x86_64"
) -> dict[str, str]:
    home = profiles.HOME_IN_HOST
    env = {
        "HARNESS_BUNDLE": bundle,  # the plug-in's platform: windows-x64 runs the lean engine
        "OPENAI_API_KEY": DUMMY_KEY,
        "OPENAI_IMAGES_DATA_DIR": f"{home}/openai-images-data",
        "OPENAI_IMAGES_CONFIG_DIR": f"{home}/openai-images-config",
        "HARNESS_SCENARIO": f"{home}/harness/scenarios/{scenario}/{app}.py",
        "HARNESS_OUT": f"{home}/out/{scenario}",
        # show DeprecationWarning & co. once per place: a warning from our files fails the run
        "PYTHONWARNINGS": "default",
    }
    if base_url:
        env["OPENAI_BASE_URL"] = base_url
    return env


@contextlib.contextmanager
def host_lock(host: profiles.Host) -> Iterator[None]:
    """One run per host and work folder at a time (they share build/hosts/<host>/)."""
    with (WORK / f"{host.name}.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"hosts: waiting for another run of {host.name} in {WORK}", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def run_host(
    host: profiles.Host, names: list[str] | None, selftest: bool, bundles: Path | None
) -> bool:
    """Every scenario on HOST, then the self-test; prints one line per scenario."""
    rootfs = roots.ensure_rootfs(host.suite, WORK / f"rootfs-{host.suite}.log")
    vendor = roots.ensure_vendor(roots.rootfs_python(rootfs), WORK / "vendor.log")
    home = WORK / host.name / "home"
    if host.bundle != "linux-x86_64" and bundles is None:
        bundles = build_bundle(host)
    profiles.make_profile(host, rootfs, home, vendor, bundles)
    ok = True
    for name in scenarios.discover(host.app, names):
        outcome = run_one(host, rootfs, home, name)
        ok &= report(host.name, name, outcome, WORK / host.name / f"{name}.log")
    if selftest:
        ok &= run_selftest(host, rootfs, home, vendor, bundles)
    return ok


def build_bundle(host: profiles.Host) -> Path:
    """The host's bundle built from the tree (tree runs of the -windows hosts)."""
    dist = WORK / f"bundles-{host.bundle}"
    log = WORK / f"bundles-{host.bundle}.log"
    command = [sys.executable, str(roots.REPO / "packaging" / "bundle.py"), "--dist", str(dist),
               "--only", f"{host.app}-{host.bundle}", "--clean"]
    with log.open("w") as out:
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"building the {host.bundle} bundle failed:\n{roots.tail(log)}")
    return dist


def run_one(host: profiles.Host, rootfs: Path, home: Path, name: str) -> scenarios.Outcome:
    out = home / "out" / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    profiles.chown_tree(home / "out")
    log = home.parent / f"{name}.log"
    standin_args = scenarios.standin_args(name)
    with standin(standin_args, home.parent / f"{name}.standin.log") as base_url:
        env = host_env(base_url, name, host.app, host.bundle)
        command = [str(roots.HERE / "in-rootfs.sh"), str(rootfs), str(home)]
        command += profiles.host_command(host, rootfs, env, env["HARNESS_OUT"])
        return scenarios.run_scenario(name, host.name, host.app, command, out, log)


def run_selftest(
    host: profiles.Host, rootfs: Path, home: Path, vendor: Path, bundles: Path | None
) -> bool:
    """A plug-in with a syntax error must fail smoke, and the message must say so."""
    broken_home = WORK / f"{host.name}-selftest" / "home"
    shutil.rmtree(broken_home, ignore_errors=True)
    # a copy of the warm profile: no second resource database or plug-in query
    skip_out = lambda folder, _names: ["out"] if Path(folder) == home else []  # noqa: E731
    shutil.copytree(home, broken_home, symlinks=True, ignore=skip_out)
    profiles.install_plugin(host, rootfs, broken_home, vendor, broken=True, bundles=bundles)
    outcome = run_one(host, rootfs, broken_home, "smoke")
    message = "\n".join(outcome.problems)
    if not outcome.passed and "SyntaxError" in message:
        first = next(line for line in message.splitlines() if "SyntaxError" in line)
        print(
            f"PASS {host.name:10} {'selftest':18} {outcome.seconds:6.1f} s  broken plug-in "
            f"rejected: {first.strip()}",
            flush=True,
        )
        return True
    why = "smoke passed" if outcome.passed else "no SyntaxError in the message:\n" + message
    print(
        f"FAIL {host.name:10} {'selftest':18} a plug-in with a syntax error passed smoke ({why})",
        flush=True,
    )
    return False


def report(host: str, name: str, outcome: scenarios.Outcome, log: Path) -> bool:
    status = "PASS" if outcome.passed else "FAIL"
    print(f"{status} {host:10} {name:18} {outcome.seconds:6.1f} s", flush=True)
    if not outcome.passed:
        for problem in outcome.problems:
            print("  " + problem.replace("\n", "\n    "))
        print(f"  --- tail of {log} ---\n{roots.tail(log)}", flush=True)
    return outcome.passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", default="", help="space-separated host names (default: all)")
    parser.add_argument("--scenarios", default="", help="comma-separated (default: all)")
    parser.add_argument("--no-selftest", dest="selftest", action="store_false")
    parser.add_argument(
        "--bundles", type=Path, help="install from these bundles (a dist/ folder), not the tree"
    )
    args = parser.parse_args(argv)
    chosen = args.hosts.split() or list(profiles.HOSTS)
    unknown = [h for h in chosen if h not in profiles.HOSTS]
    if unknown:
        parser.error(f"unknown host(s) {unknown}; known: {' '.join(profiles.HOSTS)}")
    hosts = [profiles.HOSTS[h] for h in chosen]
    names = [n for n in args.scenarios.split(",") if n] or None

    reason = roots.why_cannot_build([h.suite for h in hosts])
    if reason:
        for host in hosts:
            print(f"SKIP {host.name}: {reason}")
        return 0

    WORK.mkdir(parents=True, exist_ok=True)
    failed, started = [], time.monotonic()
    if not (roots.REPO / "standin" / "__main__.py").is_file():
        print("hosts: standin/ not there yet: running without the API stand-in", flush=True)
    for host in hosts:
        try:
            with host_lock(host):
                ok = run_host(host, names, args.selftest, args.bundles and args.bundles.resolve())
        except RuntimeError as e:
            print(f"FAIL {host.name}: {e}", flush=True)
            ok = False
        if not ok:
            failed.append(host.name)
    minutes = (time.monotonic() - started) / 60
    passed = len(hosts) - len(failed)
    print(f"hosts: {minutes:.1f} min; failed: {' '.join(failed) or 'none'}")
    print(f"test-hosts: {passed} passed, {len(failed)} failed")  # the closing line CI reads
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        # the host runs died with their namespaces (in-rootfs.sh): nothing to clean up
        print("\nhosts: interrupted", file=sys.stderr)
        sys.exit(130)
