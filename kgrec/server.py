"""The managed local Neo4j 5.26 Community server, assembled from Maven Central.

Layout (all under ``settings.home``, git-ignored)::

    neo4j/pom.xml              copy of the packaged kgrec/resources/maven/pom.xml Maven runs from
    neo4j/lib/                 server + Browser jars (shared by every instance)
    instances/<name>/conf/     neo4j.conf written by kgrec
    instances/<name>/data/     store files
    instances/<name>/logs/     neo4j.log, debug.log, ...
    instances/<name>/password  random password of user neo4j (mode 0600)

Processes are started and stopped through Neo4j's own launcher
(``org.neo4j.server.startup.Neo4jCommand start|stop``), which applies heap settings and
JVM flags from neo4j.conf exactly like the official distribution.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from kgrec.errors import KgrecError
from kgrec.settings import Settings

POM = files("kgrec") / "resources" / "maven" / "pom.xml"
SUPPORTED_JAVA = (17, 21)
LAUNCHER = "org.neo4j.server.startup.Neo4jCommand"
ADMIN = "org.neo4j.server.startup.Neo4jAdminCommand"


@dataclass(frozen=True)
class ServerState:
    running: bool
    pid: int | None
    bolt_uri: str
    http_uri: str


# -- Java ---------------------------------------------------------------------------------
def java_binary() -> str:
    home = os.environ.get("JAVA_HOME")
    candidate = Path(home) / "bin" / "java" if home else None
    if candidate and candidate.exists():
        return str(candidate)
    found = shutil.which("java")
    if not found:
        raise KgrecError("Java not found: Neo4j 5.26 needs Java 17 or 21",
                         hint="install OpenJDK 17 and put `java` on PATH (or set JAVA_HOME)")
    return found


def java_major(java: str | None = None) -> int:
    out = subprocess.run([java or java_binary(), "-version"], capture_output=True, text=True)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        raise KgrecError(f"cannot tell the Java version from: {out.stderr.strip()[:120]}")
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 else major


def check_java() -> str:
    java = java_binary()
    major = java_major(java)
    if major not in SUPPORTED_JAVA:
        raise KgrecError(f"Java {major} found at {java}; Neo4j 5.26 needs Java 17 or 21",
                         hint="set JAVA_HOME to a JDK 17 or 21")
    return java


# -- install ------------------------------------------------------------------------------
def is_installed(settings: Settings) -> bool:
    return any(settings.neo4j_lib.glob("neo4j-5.26.*.jar")) and settings.password_file.exists()


def install(settings: Settings, quiet: bool = False) -> bool:
    """Fetch jars with Maven (once) and initialise the instance. Returns False if already done."""
    java = check_java()
    fresh = False
    if not any(settings.neo4j_lib.glob("neo4j-5.26.*.jar")):
        mvn = shutil.which("mvn")
        if not mvn:
            raise KgrecError("Maven (mvn) not found: it assembles Neo4j from Maven Central",
                             hint="install Apache Maven 3.8+")
        cmd = [mvn, "-B", "-f", str(_home_pom(settings)), "dependency:copy-dependencies",
               f"-Dkgrec.lib={settings.neo4j_lib}"]
        if quiet:
            cmd.insert(2, "-q")
        result = subprocess.run(cmd, capture_output=quiet, text=True)
        if result.returncode != 0:
            raise KgrecError("Maven could not assemble Neo4j: "
                             + (result.stdout or "")[-400:].strip().replace("\n", " "))
        fresh = True
    if not settings.password_file.exists():
        _init_instance(settings, java)
        fresh = True
    write_config(settings)
    protect_auth_file(settings)
    return fresh


def _home_pom(settings: Settings) -> Path:
    """The packaged pom.xml copied into the home, so Maven never writes inside the installed package."""
    target = settings.neo4j_lib.parent / "pom.xml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(POM.read_bytes())
    return target


def _init_instance(settings: Settings, java: str) -> None:
    inst = settings.instance_dir
    for sub in ("conf", "data", "logs", "run", "plugins", "import"):
        (inst / sub).mkdir(parents=True, exist_ok=True)
    if (inst / "data" / "dbms" / "auth.ini").exists():
        raise KgrecError(f"{inst}/data already has users but the password file is missing",
                         hint=f"remove {inst} to start over (this deletes its data)")
    write_config(settings)
    password = new_password()
    set_initial_password(settings, java, password)
    tmp = settings.password_file.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    os.replace(tmp, settings.password_file)
    protect_auth_file(settings)


def new_password() -> str:
    """A random password that cannot be mistaken for a command-line option."""
    while True:
        password = secrets.token_urlsafe(18)
        if not password.startswith("-"):
            return password


def set_initial_password(settings: Settings, java: str, password: str) -> None:
    """``neo4j-admin dbms set-initial-password`` without the password on any command line.

    The arguments go through a picocli argument file (``@file``, mode 0600, deleted afterwards): both the
    launcher and the JVM it forks see only ``@<path>`` in their argv, so ``ps`` never shows the password.
    """
    args = settings.instance_dir / "run" / f".initial-password-{secrets.token_hex(4)}.args"
    args.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(args, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(f"dbms\nset-initial-password\n{password}\n")
        result = subprocess.run([java, "-cp", f"{settings.neo4j_lib}/*", ADMIN, f"@{args}"],
                                env=_neo4j_env(settings), capture_output=True, text=True)
    finally:
        args.unlink(missing_ok=True)
    if result.returncode != 0:
        raise KgrecError("neo4j-admin set-initial-password failed: "
                         + result.stderr.strip()[-300:].replace(password, "****"))


def protect_auth_file(settings: Settings) -> None:
    """Neo4j's ``data/dbms/auth.ini`` (the password hash) readable by the owner only (0600, folder 0700)."""
    dbms = settings.instance_dir / "data" / "dbms"
    if dbms.is_dir():
        os.chmod(dbms, 0o700)
        for path in dbms.glob("auth*"):
            if path.is_file():
                os.chmod(path, 0o600)


def write_config(settings: Settings) -> None:
    inst = settings.instance_dir
    (inst / "conf").mkdir(parents=True, exist_ok=True)
    conf = f"""# Written by kgrec for instance {settings.instance!r}; edit kgrec.toml instead.
server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1
server.bolt.listen_address=127.0.0.1:{settings.bolt_port}
server.bolt.advertised_address=127.0.0.1:{settings.bolt_port}
server.http.listen_address=127.0.0.1:{settings.http_port}
server.http.advertised_address=127.0.0.1:{settings.http_port}
server.https.enabled=false
server.memory.heap.initial_size={settings.heap}
server.memory.heap.max_size={settings.heap}
server.memory.pagecache.size={settings.pagecache}
server.directories.data={inst / 'data'}
server.directories.logs={inst / 'logs'}
server.directories.run={inst / 'run'}
server.directories.plugins={inst / 'plugins'}
server.directories.import={inst / 'import'}
dbms.security.auth_enabled=true
dbms.usage_report.enabled=false
client.allow_telemetry=false
db.tx_log.rotation.retention_policy=1 files
server.jvm.additional=-XX:+UseG1GC
server.jvm.additional=-XX:-OmitStackTraceInFastThrow
server.jvm.additional=-XX:+DisableExplicitGC
server.jvm.additional=-Djdk.nio.maxCachedBufferSize=1024
server.jvm.additional=-Dio.netty.tryReflectionSetAccessible=true
server.jvm.additional=-Dlog4j2.disable.jmx=true
"""
    (inst / "conf" / "neo4j.conf").write_text(conf)


def _neo4j_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["NEO4J_HOME"] = str(settings.instance_dir)
    env["NEO4J_CONF"] = str(settings.instance_dir / "conf")
    return env


# -- lifecycle ----------------------------------------------------------------------------
def _pid(settings: Settings) -> int | None:
    pid_file = settings.instance_dir / "run" / "neo4j.pid"
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def state(settings: Settings) -> ServerState:
    pid = _pid(settings)
    return ServerState(pid is not None, pid, f"bolt://127.0.0.1:{settings.bolt_port}",
                       f"http://127.0.0.1:{settings.http_port}")


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def start(settings: Settings, timeout: float = 120.0) -> bool:
    """Start the managed server and wait for Bolt. Returns False if it was already running."""
    if not is_installed(settings):
        raise KgrecError("the managed Neo4j is not installed", hint="run `kgrec db install`")
    if state(settings).running:
        return False
    java = check_java()
    for name, port in (("Bolt", settings.bolt_port), ("HTTP", settings.http_port)):
        if port_in_use(port):
            raise KgrecError(f"port {port} ({name}) on 127.0.0.1 is already taken by another process",
                             hint="stop that process, or choose another port with "
                                  "KGREC_BOLT_PORT / KGREC_HTTP_PORT (or kgrec.toml)")
    write_config(settings)
    result = subprocess.run([java, "-cp", f"{settings.neo4j_lib}/*", LAUNCHER, "start"],
                            env=_neo4j_env(settings), capture_output=True, text=True)
    if result.returncode != 0:
        raise KgrecError("Neo4j failed to start: " + (result.stderr or result.stdout).strip()[-400:])
    _wait_for_bolt(settings, timeout)
    protect_auth_file(settings)
    return True


def _wait_for_bolt(settings: Settings, timeout: float) -> None:
    from kgrec.db import connect  # local import: db depends on settings only

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not state(settings).running:
            raise KgrecError("Neo4j exited during start-up: " + tail_log(settings, 5).replace("\n", " | "))
        try:
            with connect(settings) as driver:
                driver.verify_connectivity()
            return
        except Exception as exc:  # noqa: BLE001 - retried until the deadline
            last = exc
            time.sleep(0.5)
    raise KgrecError(f"Neo4j did not answer on Bolt within {timeout:.0f}s ({last})",
                     hint=f"see `kgrec db logs` ({settings.instance_dir / 'logs' / 'neo4j.log'})")


def stop(settings: Settings) -> bool:
    """Stop the managed server cleanly. Returns False if it was not running."""
    if not state(settings).running:
        return False
    result = subprocess.run([check_java(), "-cp", f"{settings.neo4j_lib}/*", LAUNCHER, "stop"],
                            env=_neo4j_env(settings), capture_output=True, text=True)
    if result.returncode != 0 and state(settings).running:
        raise KgrecError("Neo4j did not stop: " + (result.stderr or result.stdout).strip()[-300:])
    return True


def tail_log(settings: Settings, lines: int = 40) -> str:
    log = settings.instance_dir / "logs" / "neo4j.log"
    if not log.exists():
        return f"(no log yet at {log})"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def store_size_bytes(settings: Settings) -> int:
    data = settings.instance_dir / "data"
    return sum(p.stat().st_size for p in data.rglob("*") if p.is_file())
