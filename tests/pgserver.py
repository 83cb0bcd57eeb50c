"""A throwaway PostgreSQL server for tests: initdb + pg_ctl in a temporary directory, on a free
loopback port, stopped and removed at the end.

    from tests.pgserver import pg_server          # session fixture (import it into a test module)

    def test_x(pg_server):
        dsn = pg_server.create_database("lake_x")  # postgresql://ogi@127.0.0.1:PORT/lake_x

    with PgServer.start() as pg: ...               # the same outside pytest (bench/)

The binaries come from Debian's `postgresql` package (`scripts/setup.sh` installs it):
`$OGI_PG_BINDIR`, else `initdb` on PATH, else the newest `/usr/lib/postgresql/*/bin`. The pytest
fixture skips with the reason when none is found. PostgreSQL refuses to run as root, so under
root (CI) the cluster is created and run as the unprivileged `postgres` user (or `nobody`)
through `subprocess.run(user=…)`, in a directory under /tmp owned by that user. Only TCP on
127.0.0.1 is opened (trust authentication, which is fine for a loopback throwaway).
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SUPERUSER = "ogi"


def find_bindir() -> Path | None:
    """Directory holding initdb/pg_ctl/psql, or None when PostgreSQL is not installed."""
    env = os.environ.get("OGI_PG_BINDIR")
    if env:
        return Path(env) if (Path(env) / "initdb").is_file() else None
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent

    def version(d: str) -> tuple:
        parts = Path(d).parent.name.split(".")
        return tuple(int(p) for p in parts if p.isdigit())

    found = [d for d in glob.glob("/usr/lib/postgresql/*/bin") if os.path.isfile(os.path.join(d, "initdb"))]
    return Path(max(found, key=version)) if found else None


def _run_as() -> pwd.struct_passwd | None:
    """The unprivileged account to run PostgreSQL as when we are root (None when not root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' account exists")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    bindir: Path
    root: Path
    port: int
    host: str = "127.0.0.1"
    user: pwd.struct_passwd | None = None
    databases: list[str] = field(default_factory=list)

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        kw = {}
        if self.user is not None:
            kw = dict(user=self.user.pw_uid, group=self.user.pw_gid, extra_groups=[])
        env = dict(os.environ, LC_ALL="C", PGTZ="UTC")
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env, cwd=self.root, **kw)

    @classmethod
    def start(cls, bindir: Path | None = None, *, attempts: int = 3) -> "PgServer":
        """initdb a fresh cluster in a new temporary directory and start it on a free port."""
        bindir = bindir or find_bindir()
        if bindir is None:
            raise FileNotFoundError("PostgreSQL binaries (initdb, pg_ctl) not found; install Debian's "
                                    "`postgresql` package (scripts/setup.sh does) or set OGI_PG_BINDIR")
        user = _run_as()
        root = Path(tempfile.mkdtemp(prefix="ogi-pg-", dir="/tmp" if user else None))
        if user is not None:
            os.chown(root, user.pw_uid, user.pw_gid)
        server = cls(bindir, root, 0, user=user)
        try:
            out = server._run(str(bindir / "initdb"), "-D", str(server.datadir), "-A", "trust", "-U", SUPERUSER,
                              "-E", "UTF8", "--no-locale", "--no-sync")
            if out.returncode:
                raise RuntimeError(f"initdb failed: {out.stderr.strip()[-2000:]}")
            for attempt in range(attempts):
                server.port = free_port(server.host)
                opts = (f"-h {server.host} -p {server.port} -k {server.root} -c fsync=off "
                        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
                out = server._run(str(bindir / "pg_ctl"), "-D", str(server.datadir), "-o", opts,
                                  "-l", str(server.root / "server.log"), "-w", "-t", "60", "start", timeout=90)
                if out.returncode == 0:
                    return server
                if attempt == attempts - 1:
                    log = (server.root / "server.log")
                    raise RuntimeError(f"pg_ctl start failed: {out.stderr.strip()} "
                                       f"{log.read_text(errors='replace')[-2000:] if log.exists() else ''}")
        except BaseException:
            server.stop()
            raise
        raise AssertionError("unreachable")

    def dsn(self, database: str = "postgres") -> str:
        """libpq URI of a database on this server (usable as a DuckLake catalog)."""
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        out = self._run(str(self.bindir / "psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                        "-d", self.dsn(database), "-c", sql)
        if out.returncode:
            raise RuntimeError(f"psql failed: {out.stderr.strip()}")
        return out.stdout

    def create_database(self, name: str) -> str:
        """CREATE DATABASE `name` (a fresh one per lake) and return its DSN."""
        self.psql(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return self.dsn(name)

    def stop(self) -> None:
        """Stop the server (immediate shutdown: it is thrown away) and remove its directory."""
        if (self.datadir / "postmaster.pid").exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop",
                      timeout=60)
            for _ in range(100):
                if not (self.datadir / "postmaster.pid").exists():
                    break
                time.sleep(0.05)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "PgServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server for the whole session (skipped when the binaries are absent)."""
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL binaries not found (Debian package `postgresql`, installed by "
                    "scripts/setup.sh; or set OGI_PG_BINDIR)")
    server = PgServer.start(bindir)
    try:
        yield server
    finally:
        server.stop()
