"""One lake, many writers: the warehouse as a DuckLake with a PostgreSQL catalog.

For runs spread over several processes or machines (sharded flows on a Prefect work pool).
Every shard writes its reports into ONE DuckLake: metadata in a PostgreSQL database (the
catalog, which serialises commits), data as Parquet files under a directory every writer can
reach (`data_path`, e.g. an NFS mount). The publish step then materialises the analysts'
single `warehouse.duckdb` from the lake. On one machine the single-file warehouse
(`warehouse.open_warehouse`) stays the default; nothing here is needed for it.

    from warehouse.lake import Lake

    lake = Lake.from_url("postgres://ogi@db.internal:5432/ogi_lake?data_path=/shared/lake")
    lake.init()                                     # create + migrate (safe to call from every shard)
    lake.load_portals("crawlers/data/registry.csv") # once per run, by the parent
    res = lake.write_reports(items, documents=docs, run_id=run_id, portal_runs=per_portal)
    #   items: the dicts `warehouse.load_reports` takes: {report, report_id, portal_id, page_url,
    #          document_url, sha256, loaded_at}
    #   docs:  keyword dicts of `warehouse.record_document` ({url, sha256, http_status, ...})
    #   per_portal: {portal_id: {pages, reports_found, new, changed, failed, status, error}}
    #   -> {"inserted": n, "replaced": n, "unchanged": n, "kept": n, "documents": n, "portal_runs": n,
    #       "attempts": k, "snapshot_id": s, "outcomes": [...one per item...]}
    lake.record_run(run_id, started_at, finished_at, stats, status="ok", flow="nightly")
    lake.materialise("data/warehouse.duckdb", export_dir="data/parquet")  # parent, after the shards
    lake.close()

URLs: `postgres://…` / `postgresql://…` (libpq URI; `postgres:dbname=… host=…` keyword form too),
`sqlite:///abs/path/catalog.sqlite`, or a plain catalog path (`*.sqlite`, `*.ducklake`); the
data directory comes from the `data_path` query parameter or the `data_path=` argument. The
catalog remembers its data path: every writer must see the directory at the same path (mount
the share at one path on every machine); another path is refused. Passwords are best kept in
PGPASSWORD or ~/.pgpass (they are masked in errors and logs anyway). Nothing is downloaded: the
ducklake and postgres extensions load from their pinned wheels.

Guarantees:
- `write_reports` is ONE lake transaction (one snapshot): the reports with all their rows, the
  wide-cache rows, the documents and the per-portal figures appear together or not at all. A
  writer killed mid-way leaves nothing visible (its uncommitted Parquet files are orphans that
  `cleanup()` removes).
- Same semantics as `warehouse.load_reports` (it is called inside that transaction): a report
  whose load fingerprint is unchanged is not rewritten; a changed one replaces all its rows.
  Re-writing a shard converges.
- Concurrent writers: DuckLake retries commits that do not conflict (inserts into the same
  table); a real conflict (two writers deleting from the same data file) aborts the
  transaction, and `write_reports` retries the whole batch with backoff (`attempts`).
  Shards must own disjoint reports (they split the registry by portal, and a report_id derives
  from its portal), as two writers inserting the same NEW report_id at the same instant do not
  conflict in DuckLake; `status()` counts such duplicates and `materialise` refuses to publish
  them (re-writing the report with `write_reports(..., force=True)` repairs it).
- `materialise` keeps a build file next to the public one (`<public dir>/build/lake-<name>`) and
  brings it up to date by load fingerprint, so a night's cost grows with what changed: changed
  reports are copied, the full-text index segments only new/changed sections, then
  `warehouse.publish` atomically replaces the public file.

The lake schema is created by the same numbered migrations as the single file
(`warehouse.ensure_schema` on the lake); DuckLake has no indexes, keys or sequences, which the
warehouse does not use. View-column comments stay in the materialised file only.
"""
from __future__ import annotations

import logging
import random
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import duckdb

from . import load as wl
from . import queries as wq
from .ducklake import _lit, attach_lake, catalog_kind, mirror_tables
from .extensions import OFFLINE_CONFIG, load_extension

log = logging.getLogger(__name__)

ALIAS = "lake"
BUILD = "lake_build"  # the materialised file, attached to the lake's connection while it is built
# Messages of errors worth retrying: a conflicting concurrent commit, a busy catalog.
RETRYABLE = ("conflict", "Failed to commit DuckLake transaction", "database is locked",
             "could not serialize access", "deadlock detected", "duplicate key value violates unique constraint")


class LakeError(RuntimeError):
    """The lake cannot be written or materialised as asked (the message says why)."""


def parse_url(url: str, data_path: str | Path | None = None) -> tuple[str, Path]:
    """(catalog, data_path) of a lake URL; see the module docstring for the forms."""
    text = str(url)
    query_path = None
    if text.startswith(("postgres://", "postgresql://", "sqlite://")):
        parts = urlsplit(text)
        query = parse_qsl(parts.query, keep_blank_values=True)
        query_path = next((v for k, v in query if k == "data_path"), None)
        rest = urlencode([(k, v) for k, v in query if k != "data_path"])
        if parts.scheme == "sqlite":
            catalog = parts.path if not parts.netloc else f"/{parts.netloc}{parts.path}"
        else:
            catalog = urlunsplit((parts.scheme, parts.netloc, parts.path, rest, ""))
    else:
        catalog = text
    chosen = data_path or query_path
    if not chosen:
        raise LakeError(f"no data path for lake {redact(text)}: add ?data_path=/shared/dir or pass data_path=")
    return catalog, Path(chosen)


def redact(url: str) -> str:
    """The URL without its password (for logs and errors)."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def scrub(text: str, catalog: str | Path) -> str:
    """`text` (e.g. a DuckDB error quoting the connection string) without the catalog's password."""
    catalog = str(catalog)
    secret = urlsplit(catalog).password if "://" in catalog else None
    if not secret:
        found = [p.split("=", 1)[1] for p in catalog.split() if p.startswith("password=")]
        secret = found[0] if found else None
    return text.replace(secret, "***") if secret else text


def retrying(fn: Callable[[], Any], *, attempts: int = 20, delay: float = 0.1,
             what: str = "lake write") -> tuple[Any, int]:
    """Run `fn` (one whole lake transaction) until it succeeds or a non-retryable error; returns
    (result, attempts used). Backoff grows linearly with jitter."""
    for attempt in range(1, attempts + 1):
        try:
            return fn(), attempt
        except duckdb.Error as exc:
            if attempt == attempts or not any(s in str(exc) for s in RETRYABLE):
                raise
            log.info("%s: conflict (attempt %d/%d), retrying: %s", what, attempt, attempts,
                     str(exc).splitlines()[0][:200])
            time.sleep(delay * attempt * (0.5 + random.random()))
    raise AssertionError("unreachable")


class _InTransaction:
    """The writer's connection as seen by the `warehouse.load` functions: each of them manages
    its own transaction (begin/commit/rollback), which become no-ops here so that several of
    them run inside the writer's ONE transaction. Errors still propagate to the writer, which
    rolls back for real."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con = con

    def begin(self) -> None:
        pass

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


# Small tables written through a staging TEMP table of the same name (which shadows the lake's
# table for unqualified names): the `warehouse.load` function fills it row by row in memory,
# then the rows replace their keys in the lake in two set statements.
_STAGED_KEYS = {"portal_runs": ("run_id", "portal_id"), "runs": ("run_id",)}


def _objects_fingerprint_without_view_comments() -> str:
    from . import _objects_fingerprint

    return _objects_fingerprint(False)


def refresh_derived(con: duckdb.DuckDBPyConnection, changed: int) -> None:
    """Rebuild the tables derived from all reports (agency identity and cross-report checks,
    `warehouse.refresh_trust` when this version has it) in the materialised file, as the
    single-file path does after its loads. They are not copied from the lake."""
    import warehouse

    refresh = getattr(warehouse, "refresh_trust", None)
    if refresh is not None and changed:
        refresh(con)


class Lake:
    """A DuckLake holding the warehouse tables (see the module docstring for the whole API)."""

    def __init__(self, catalog: str | Path, data_path: str | Path, *, read_only: bool = False):
        self.catalog = str(catalog) if catalog_kind(str(catalog)) == "postgres" else Path(catalog)
        self.data_path = Path(data_path)
        self.read_only = read_only
        self._con: duckdb.DuckDBPyConnection | None = None

    @classmethod
    def from_url(cls, url: str, *, data_path: str | Path | None = None, read_only: bool = False) -> "Lake":
        """`Lake.from_url("postgres://user@host:5432/db?data_path=/shared/lake")`."""
        catalog, path = parse_url(url, data_path)
        return cls(catalog, path, read_only=read_only)

    @property
    def kind(self) -> str:
        return catalog_kind(self.catalog)

    def __repr__(self) -> str:
        return f"Lake({redact(str(self.catalog))!r}, data_path={str(self.data_path)!r})"

    # -- connection -------------------------------------------------------------------------
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """This process's connection; its default database is the lake (migrated when writable)."""
        if self._con is None:
            self._con = self._connect()
        return self._con

    def _connect(self) -> duckdb.DuckDBPyConnection:
        from . import ensure_schema

        con = duckdb.connect(config=dict(OFFLINE_CONFIG))
        try:
            con.execute("SET enable_progress_bar = false")
            try:  # fts is loaded only when materialising (writers never need it)
                attach_lake(con, self.catalog, self.data_path, alias=ALIAS, read_only=self.read_only)
            except duckdb.Error as exc:
                raise LakeError(f"cannot open lake {self!r}: {scrub(str(exc), self.catalog)}") from None
            con.execute(f"USE {ALIAS}")
            if not self.read_only:
                # Every writer may race to create/migrate a new lake: the loser retries and
                # then finds the migrations applied.
                retrying(lambda: ensure_schema(con, view_column_comments=False), what="lake schema")
        except Exception:
            con.close()
            raise
        return con

    def init(self) -> dict[str, Any]:
        """Create the lake when missing and apply pending migrations; returns `status()`."""
        if self.read_only:
            raise LakeError("init needs a writable lake")
        self.con
        return self.status()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> "Lake":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------
    def _transaction(self, body: Callable[[Any], Any], *, attempts: int, what: str) -> tuple[Any, int, int]:
        if self.read_only:
            raise LakeError("this lake was opened read-only")
        con = self.con

        def once() -> Any:
            con.begin()
            try:
                out = body(_InTransaction(con))
                con.commit()
            except BaseException:
                wl.rollback_quietly(con)
                raise
            return out

        out, used = retrying(once, attempts=attempts, what=what)
        return out, used, self.snapshot_id()

    def _stage(self, con: Any, table: str, fill: Callable[[Any], Any]) -> int:
        """Fill a TEMP `table` through `fill(con)` (a warehouse.load function), then replace the
        staged keys in the lake's table with the staged rows."""
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {ALIAS}.main.{table} LIMIT 0")
        try:
            fill(con)
            keys = _STAGED_KEYS[table]
            match = " AND ".join(f"l.{k} = s.{k}" for k in keys)
            con.execute(f"DELETE FROM {ALIAS}.main.{table} l WHERE EXISTS "
                        f"(SELECT 1 FROM temp.main.{table} s WHERE {match})")
            con.execute(f"INSERT INTO {ALIAS}.main.{table} BY NAME SELECT * FROM temp.main.{table}")
            return con.execute(f"SELECT count(*) FROM temp.main.{table}").fetchone()[0]
        finally:
            con.execute(f"DROP TABLE IF EXISTS temp.main.{table}")

    def write_reports(self, items: Iterable[Mapping[str, Any]], *,
                      documents: Iterable[Mapping[str, Any]] = (),
                      run_id: str | None = None,
                      portal_runs: Mapping[str, Mapping[str, Any]] | None = None,
                      force: bool = False, attempts: int = 20) -> dict[str, Any]:
        """Write one batch (a shard's round) in ONE lake transaction, retried on conflicts.

        `items` as for `warehouse.load_reports`; an item with `keep_existing` true is a
        placeholder, written only when the lake has no row for its report_id yet ("kept"
        otherwise). `documents` are dicts with the keywords of `warehouse.record_document`
        (other keys are ignored; run_id defaults to `run_id`; bulk `record_documents`: one row
        per URL, the later fetch wins); `portal_runs` the
        per-portal figures of `run_id` (`warehouse.record_portal_runs`). `force` deletes the
        batch's reports first, so they are rewritten even when unchanged (repairs a report that
        two writers inserted at once)."""
        items = [dict(it) for it in items]
        doc_keys = {c for c, _ in wl.DOCUMENT_COLUMNS} - {"recorded_at"}
        documents = [{"run_id": run_id, **{k: v for k, v in d.items() if k in doc_keys}} for d in documents]
        if portal_runs and not run_id:
            raise ValueError("portal_runs needs run_id")

        def body(con: Any) -> dict[str, Any]:
            if force and items:
                ids = sorted({str(it.get("report_id")) for it in items})
                for t in wl.REPORT_TABLES + self._cache_tables():
                    con.execute(f"DELETE FROM {t} WHERE report_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
            outcomes = ["kept"] * len(items)
            keep = [str(it.get("report_id")) for it in items if it.get("keep_existing")]
            present = wq.existing_report_ids(con, keep)
            todo = [k for k, it in enumerate(items)
                    if not (it.get("keep_existing") and str(it.get("report_id")) in present)]
            for k, res in zip(todo, wl.load_reports(con, [items[k] for k in todo]) if todo else []):
                outcomes[k] = res
            n_docs = wl.record_documents(con, self._changed_documents(con, documents)) if documents else 0
            n_pr = self._stage(con, "portal_runs", lambda c: wl.record_portal_runs(c, run_id, portal_runs)) \
                if portal_runs else 0
            return {"outcomes": outcomes, "documents": n_docs, "portal_runs": n_pr}

        out, used, snap = self._transaction(body, attempts=attempts, what="lake write_reports")
        counts = {k: out["outcomes"].count(k) for k in ("inserted", "replaced", "unchanged", "kept")}
        return {**counts, "documents": out["documents"], "portal_runs": out["portal_runs"], "attempts": used,
                "snapshot_id": snap, "outcomes": out["outcomes"]}

    @staticmethod
    def _changed_documents(con: Any, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The documents whose stored row differs in more than run_id/recorded_at: a rerun that
        fetched nothing new writes no document row (and so no snapshot, no conflict)."""
        same_cols = [c for c, _ in wl.DOCUMENT_COLUMNS if c not in ("run_id", "recorded_at")]
        if any(not d.get("url") for d in documents):
            return documents  # record_documents raises its "url is required"
        latest = {d["url"]: d for d in documents}
        sql, params = wq.among(latest)
        stored = {r[0]: tuple(r) for r in con.execute(
            f"SELECT {', '.join(same_cols)} FROM documents WHERE url IN {sql}", params).fetchall()}
        names = [c for c, _ in wl.DOCUMENT_COLUMNS]
        out = []
        for url, d in latest.items():
            row = dict(zip(names, wl._document_row(**{**d, "recorded_at": None})))
            if stored.get(url) != tuple(row[c] for c in same_cols):
                out.append(d)
        return out

    @staticmethod
    def _cache_tables() -> tuple[str, ...]:
        from .views import cache_tables

        return cache_tables()

    def load_portals(self, registry_csv_path: str | Path, *, attempts: int = 20) -> int:
        """Replace the lake's `portals` with the registry CSV (`warehouse.load_portals`)."""
        n, _, _ = self._transaction(lambda con: wl.load_portals(con, registry_csv_path),
                                    attempts=attempts, what="lake load_portals")
        return n

    def record_run(self, run_id: str, started_at: Any, finished_at: Any, stats: Mapping[str, Any] | None, *,
                   status: str | None = None, flow: str | None = None, error: str | None = None,
                   attempts: int = 20) -> None:
        """Upsert one run into the lake's `runs` (`warehouse.record_run`)."""
        self._transaction(lambda con: self._stage(con, "runs", lambda c: wl.record_run(
            c, run_id, started_at, finished_at, stats, status=status, flow=flow, error=error)),
            attempts=attempts, what="lake record_run")

    def delete_reports(self, report_ids: Iterable[str], *, attempts: int = 20) -> int:
        """Remove reports (every row, caches included) in one transaction; returns how many."""
        ids = sorted({str(r) for r in report_ids})

        def body(con: Any) -> int:
            n = con.execute("SELECT count(DISTINCT report_id) FROM reports WHERE report_id IN "
                            "(SELECT unnest(?::VARCHAR[]))", [ids]).fetchone()[0]
            for t in wl.REPORT_TABLES + self._cache_tables():
                con.execute(f"DELETE FROM {t} WHERE report_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
            return int(n)

        n, _, _ = self._transaction(body, attempts=attempts, what="lake delete_reports")
        return n

    # -- reading ----------------------------------------------------------------------------
    def snapshot_id(self) -> int:
        return int(self.con.execute(f"SELECT max(snapshot_id) FROM {ALIAS}.snapshots()").fetchone()[0])

    def load_fingerprints(self, report_ids: list[str]) -> dict[str, str]:
        """report_id -> load fingerprint, of those of these reports the lake holds (a rerun skips the rest)."""
        from .queries import load_fingerprints

        return load_fingerprints(self.con, report_ids)

    def duplicate_report_ids(self) -> list[str]:
        return [r[0] for r in self.con.execute(
            "SELECT report_id FROM reports GROUP BY report_id HAVING count(*) > 1 ORDER BY 1").fetchall()]

    def status(self) -> dict[str, Any]:
        """Catalog kind, data path, current snapshot, schema version, rows per table, data files."""
        from .migrator import current_version
        from .queries import table_counts

        con = self.con
        files = self._data_files()
        return {"catalog": redact(str(self.catalog)), "kind": self.kind, "data_path": str(self.data_path),
                "snapshot_id": self.snapshot_id(), "schema_version": current_version(con),
                "tables": table_counts(con), "data_files": files[0], "data_bytes": files[1],
                "duplicate_report_ids": len(self.duplicate_report_ids())}

    def _data_files(self) -> tuple[int, int]:
        tables = [r[0] for r in self.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main'",
            [ALIAS]).fetchall()]
        n = size = 0
        for t in tables:
            row = self.con.execute(f"SELECT count(*), coalesce(sum(data_file_size_bytes), 0) "
                                   f"FROM ducklake_list_files('{ALIAS}', ?)", [t]).fetchone()
            n, size = n + row[0], size + row[1]
        return int(n), int(size)

    def cleanup(self, *, older_than_hours: float = 24.0) -> dict[str, int]:
        """Delete Parquet files no snapshot references (left by killed writers) and files of
        expired snapshots, when older than `older_than_hours` (so running writers are safe)."""
        con = self.con
        cutoff = f"now() - INTERVAL '{float(older_than_hours)} hours'"
        orphans = con.execute(f"SELECT count(*) FROM ducklake_delete_orphaned_files('{ALIAS}', "
                              f"older_than => {cutoff})").fetchone()[0]
        old = con.execute(f"SELECT count(*) FROM ducklake_cleanup_old_files('{ALIAS}', "
                          f"older_than => {cutoff})").fetchone()[0]
        return {"orphaned_files_deleted": int(orphans), "old_files_deleted": int(old)}

    # -- publishing -------------------------------------------------------------------------
    def materialise(self, public_path: str | Path, *, build_path: str | Path | None = None,
                    export_dir: str | Path | None = None, search: bool = True) -> dict[str, Any]:
        """Build the analysts' single DuckDB file from the lake and publish it atomically.

        The build file (default `<public dir>/build/lake-<public name>`) is kept between runs
        and synchronised with one lake snapshot by load fingerprint; then the derived tables
        and the full-text index are refreshed (`search`), the file is published with
        `warehouse.publish` and, with `export_dir`, the Parquet export is written from the build:
        the lake's snapshot plus the tables derived across reports (agencies, report identity,
        cross-year checks), which the lake does not hold. Returns figures and timings. Needs no
        write access to the lake."""
        import warehouse
        from .views import create_views

        public = Path(public_path)
        build = Path(build_path) if build_path else public.parent / "build" / f"lake-{public.name}"
        if build.resolve() == public.resolve():
            raise ValueError("build_path and public_path must differ")
        build.parent.mkdir(parents=True, exist_ok=True)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        con = self.con  # extensions are loaded and the lake attached: the build file joins it
        load_extension(con, "fts")  # before ATTACH: the build file holds the full-text index
        con.execute(f"ATTACH {_lit(str(build))} AS {BUILD}")
        try:
            con.execute(f"USE {BUILD}")
            con.execute("SET checkpoint_threshold = '1GB'")
            warehouse.ensure_schema(con)
            con.begin()
            try:
                snap = int(con.execute(f"SELECT max(snapshot_id) FROM {ALIAS}.snapshots()").fetchone()[0])
                dups = con.execute(f"SELECT count(*) FROM (SELECT report_id FROM {ALIAS}.main.reports "
                                   "GROUP BY 1 HAVING count(*) > 1)").fetchone()[0]
                if dups:
                    raise LakeError(f"{dups} report_id(s) were written twice by concurrent writers; "
                                    "re-write them with Lake.write_reports(..., force=True) "
                                    "(see Lake.duplicate_report_ids())")
                lake_fp = con.execute(f"SELECT value FROM {ALIAS}.main.warehouse_meta WHERE key = ?",
                                      [warehouse._OBJECTS_KEY]).fetchone()
                same_caches = bool(lake_fp) and lake_fp[0] == _objects_fingerprint_without_view_comments()
                changed, replaced = mirror_tables(con, ALIAS, BUILD, cache=same_caches)
                if changed and not same_caches:  # the lake was written by other code: re-pivot here
                    create_views(con)
                con.commit()
            except BaseException:
                wl.rollback_quietly(con)
                raise
            timings["sync_s"] = time.perf_counter() - t0
            t1 = time.perf_counter()
            refresh_derived(con, changed + replaced)
            fts = warehouse.refresh_search(con) if search else None
            timings["search_s"] = time.perf_counter() - t1
            t2 = time.perf_counter()
            pub = warehouse.publish(build, public, con=con)  # CHECKPOINTs the default database: the build
            timings["publish_s"] = time.perf_counter() - t2
            exported = None
            if export_dir is not None:  # from the build: the lake's snapshot plus what is derived from it
                t3 = time.perf_counter()
                exported = self.export_parquet(export_dir)
                timings["export_s"] = time.perf_counter() - t3
        finally:
            con.execute(f"USE {ALIAS}")
            con.execute(f"DETACH {BUILD}")
        timings["total_s"] = time.perf_counter() - t0
        return {"public": str(pub.path), "build": str(build), "snapshot_id": snap, "reports": pub.reports,
                "reports_changed": changed, "tables_replaced": replaced, "bytes": pub.bytes,
                "schema_version": pub.schema_version, "search": fts, "exported": exported,
                "timings": {k: round(v, 3) for k, v in timings.items()}}

    def export_parquet(self, out_dir: str | Path) -> dict[str, int]:
        """The Parquet export (`warehouse.export.export_parquet`) of the connection's current
        database: the build inside `materialise`; the lake itself otherwise (without the tables
        derived across reports, which only a materialised file holds)."""
        from .export import export_parquet

        return export_parquet(self.con, out_dir)


__all__ = ["Lake", "LakeError", "parse_url", "redact", "retrying"]
