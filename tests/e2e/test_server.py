"""The managed Neo4j: lifecycle idempotence, 127.0.0.1 only, password file, clear errors."""

from __future__ import annotations

import os
import socket
import stat
import time
from pathlib import Path

import pytest

from kgrec import server
from kgrec.settings import Settings, load_settings
from tests.cli_helpers import run_cli
from tests.conftest import suite_env


def _non_loopback_ipv4() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # no packet is sent for UDP connect
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.fixture(scope="module")
def lifecycle_env() -> dict[str, str]:
    """A second instance, so stopping it never disturbs the suite's shared server."""
    env = suite_env()
    env["KGREC_INSTANCE"] = env["KGREC_INSTANCE"] + "-lifecycle"
    env["KGREC_BOLT_PORT"] = str(int(env["KGREC_BOLT_PORT"]) + 50)
    env["KGREC_HTTP_PORT"] = str(int(env["KGREC_HTTP_PORT"]) + 50)
    yield env
    server.stop(load_settings(env=env))


def test_lifecycle_is_idempotent(lifecycle_env: dict[str, str]) -> None:
    first = run_cli("db", "install", env=lifecycle_env)
    assert first.returncode == 0, first.stderr
    second = run_cli("db", "install", env=lifecycle_env)
    assert "Already installed" in second.stdout

    started = run_cli("db", "start", env=lifecycle_env)
    assert started.returncode == 0, started.stderr
    assert "Started Neo4j" in started.stdout
    assert f"bolt://127.0.0.1:{lifecycle_env['KGREC_BOLT_PORT']}" in started.stdout
    assert "/browser/" in started.stdout
    again = run_cli("db", "start", env=lifecycle_env)
    assert again.returncode == 0 and "Already running" in again.stdout

    status = run_cli("db", "status", env=lifecycle_env)
    assert status.returncode == 0, status.stderr
    assert "5.26" in status.stdout and "community" in status.stdout

    stopped = run_cli("db", "stop", env=lifecycle_env)
    assert stopped.returncode == 0 and "Stopped Neo4j" in stopped.stdout
    assert "not running" in run_cli("db", "stop", env=lifecycle_env).stdout

    after = run_cli("db", "status", env=lifecycle_env)
    assert after.returncode == 1
    assert "error: the managed Neo4j is not running" in after.stderr
    assert "kgrec db start" in after.stderr


def test_port_taken_by_another_process_is_named(lifecycle_env: dict[str, str]) -> None:
    port = int(lifecycle_env["KGREC_BOLT_PORT"])
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blocker:
        # the previous test's stop can leave the port in TIME_WAIT; a listening socket still blocks it
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("127.0.0.1", port))
        blocker.listen(1)
        result = run_cli("db", "start", env=lifecycle_env)
    assert result.returncode == 1
    assert f"port {port} (Bolt) on 127.0.0.1 is already taken" in result.stderr
    assert not server.state(load_settings(env=lifecycle_env)).running


def test_password_file_is_private(settings: Settings) -> None:
    mode = stat.S_IMODE(os.stat(settings.password_file).st_mode)
    assert mode == 0o600
    assert len(settings.password_file.read_text().strip()) >= 20


def test_listens_on_loopback_only(settings: Settings) -> None:
    for port in (settings.bolt_port, settings.http_port):
        with socket.create_connection(("127.0.0.1", port), timeout=3):
            pass
        address = _non_loopback_ipv4()
        if address is not None:
            with pytest.raises(OSError):
                socket.create_connection((address, port), timeout=3).close()
    conf = (settings.instance_dir / "conf" / "neo4j.conf").read_text()
    assert "server.default_listen_address=127.0.0.1" in conf


def test_browser_is_served(settings: Settings) -> None:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{settings.http_port}/browser/", timeout=10) as resp:
        body = resp.read().decode(errors="replace")
    assert resp.status == 200 and "<html" in body.lower()


def test_wrong_password_from_environment(settings: Settings) -> None:
    env = suite_env() | {"NEO4J_URI": settings.effective_uri, "NEO4J_PASSWORD": "definitely-wrong"}
    result = run_cli("db", "status", env=env)
    assert result.returncode == 1
    assert "wrong password (from env NEO4J_PASSWORD)" in result.stderr
    assert "Traceback" not in result.stderr


def test_server_not_reachable_gives_hint(settings: Settings) -> None:
    env = suite_env() | {"NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "x"}
    result = run_cli("db", "cypher", "RETURN 1", env=env)
    assert result.returncode == 1
    assert "Neo4j is not reachable at bolt://127.0.0.1:1" in result.stderr


def test_cypher_command_is_parameterised(settings: Settings) -> None:
    result = run_cli("db", "cypher", "RETURN $x + 1 AS y, $s AS s", "-p", "x=41",
                     "-p", "s=') DETACH DELETE n //", env=suite_env())
    assert result.returncode == 0, result.stderr
    assert "42" in result.stdout and "DETACH DELETE" in result.stdout


def _fake_java(tmp_path: Path, version: str) -> dict[str, str]:
    home = tmp_path / "jdk"
    (home / "bin").mkdir(parents=True)
    java = home / "bin" / "java"
    java.write_text(f'#!/bin/sh\necho \'openjdk version "{version}" 2020-01-01\' >&2\n')
    java.chmod(0o755)
    return {"JAVA_HOME": str(home)}


def test_wrong_java_version_is_refused(tmp_path: Path) -> None:
    env = suite_env() | _fake_java(tmp_path, "11.0.2")
    env["KGREC_INSTANCE"] = "never-installed"
    result = run_cli("db", "install", env=env)
    assert result.returncode == 1
    assert "Java 11 found" in result.stderr and "needs Java 17 or 21" in result.stderr


def test_missing_java_is_refused(tmp_path: Path) -> None:
    env = suite_env()
    env.pop("JAVA_HOME", None)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "python").symlink_to(Path(os.sys.executable))
    env["PATH"] = str(bindir)
    env["KGREC_INSTANCE"] = "never-installed"
    result = run_cli("db", "install", env=env)
    assert result.returncode == 1
    assert "Java not found" in result.stderr


def test_install_keeps_the_password_out_of_the_process_list() -> None:
    """`ps` during `kgrec db install` never shows the generated password; auth.ini is 0600."""
    import shutil
    import subprocess
    import threading

    env = suite_env()
    env["KGREC_INSTANCE"] = env["KGREC_INSTANCE"] + "-pwcheck"
    settings = load_settings(env=env)
    shutil.rmtree(settings.instance_dir, ignore_errors=True)
    seen: list[str] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            ps = subprocess.run(["ps", "-eww", "-o", "args"], capture_output=True, text=True)
            seen.extend(ps.stdout.splitlines())
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = run_cli("db", "install", env=env)
    finally:
        done.set()
        watcher.join()
    try:
        assert result.returncode == 0, result.stderr
        password = settings.password_file.read_text().strip()
        assert any("Neo4jAdminCommand" in line for line in seen), "ps never saw neo4j-admin run"
        assert not [line for line in seen if password in line]
        auth = settings.instance_dir / "data" / "dbms" / "auth.ini"
        assert stat.S_IMODE(os.stat(auth).st_mode) == 0o600
        assert password not in auth.read_text()                      # a salted hash, not the password
        assert not list((settings.instance_dir / "run").glob("*.args"))  # the argument file is gone
    finally:
        shutil.rmtree(settings.instance_dir, ignore_errors=True)


def test_auth_file_of_the_running_server_is_private(settings: Settings) -> None:
    auth = settings.instance_dir / "data" / "dbms" / "auth.ini"
    assert stat.S_IMODE(os.stat(auth).st_mode) == 0o600


def test_password_flag_warns_and_password_file_works(settings: Settings, tmp_path: Path) -> None:
    flag = run_cli("--password", settings.effective_password, "db", "status", env=suite_env())
    assert flag.returncode == 0, flag.stderr
    assert "warning: --password is visible to other users in the process list" in " ".join(flag.stderr.split())
    secret = tmp_path / "pw"
    secret.write_text(settings.effective_password + "\n")
    from_file = run_cli("--password-file", str(secret), "db", "status", env=suite_env())
    assert from_file.returncode == 0 and "warning" not in from_file.stderr, from_file.stderr
    from_env = run_cli("db", "status", env=suite_env() | {"NEO4J_PASSWORD_FILE": str(secret)})
    assert from_env.returncode == 0, from_env.stderr
    secret.write_text("wrong-one\n")
    wrong = run_cli("--password-file", str(secret), "db", "status", env=suite_env())
    assert wrong.returncode == 1 and "wrong password" in wrong.stderr and "wrong-one" not in wrong.stderr
    missing = run_cli("--password-file", str(tmp_path / "nope"), "db", "status", env=suite_env())
    assert missing.returncode == 1
    assert missing.stderr.startswith(f"error: --password-file {tmp_path / 'nope'}: cannot read (No such file")


def test_errors_are_one_line_and_debug_shows_the_traceback(settings: Settings) -> None:
    long_run = run_cli("write-back", "--run", "r" * 100_000, env=suite_env())
    lines = long_run.stderr.strip().splitlines()
    assert long_run.returncode == 1 and len(lines) <= 2 and "Traceback" not in long_run.stderr
    assert lines[0].startswith("error: ") and len(lines[0]) < 800
    bad = run_cli("db", "cypher", "MATCH (n RETURN n", env=suite_env())
    assert bad.returncode == 1 and bad.stderr.count("\n") <= 2 and "Traceback" not in bad.stderr
    debug = run_cli("--debug", "write-back", "--run", "r" * 100_000, env=suite_env())
    assert debug.returncode == 1 and "Traceback" in debug.stderr
    via_env = run_cli("write-back", "--run", "r" * 100_000, env=suite_env() | {"KGREC_DEBUG": "1"})
    assert "Traceback" in via_env.stderr
