-- 001: core tables of the ogi warehouse.
-- No PRIMARY KEY / UNIQUE constraints on purpose: DuckDB cannot DROP COLUMN or ALTER TYPE on
-- tables with indexes, and the loader enforces uniqueness itself (delete + insert per report in
-- one transaction). Every fact row carries provenance: sha256, parser_version, loaded_at.

CREATE TABLE IF NOT EXISTS warehouse_meta (
    key VARCHAR NOT NULL,
    value VARCHAR
);

CREATE TABLE IF NOT EXISTS reports (
    report_id VARCHAR NOT NULL,
    portal_id VARCHAR,
    agency VARCHAR,
    year INTEGER,
    title VARCHAR,
    page_url VARCHAR,
    document_url VARCHAR,
    source VARCHAR,
    source_format VARCHAR,
    template VARCHAR,
    template_active_disclosure VARCHAR,
    template_applications VARCHAR,
    parse_status VARCHAR NOT NULL,
    error VARCHAR,
    warnings VARCHAR[],
    n_cells INTEGER,
    n_checks INTEGER,
    n_checks_failed INTEGER,
    sha256 VARCHAR,
    parser_version VARCHAR,
    load_fingerprint VARCHAR,
    loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS active_disclosure (
    report_id VARCHAR NOT NULL,
    table_key VARCHAR,
    row_key VARCHAR NOT NULL,
    column_key VARCHAR NOT NULL,
    value DOUBLE,
    sha256 VARCHAR,
    parser_version VARCHAR,
    loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS applications (
    report_id VARCHAR NOT NULL,
    row_key VARCHAR NOT NULL,
    applicant_key VARCHAR NOT NULL,
    value BIGINT,
    sha256 VARCHAR,
    parser_version VARCHAR,
    loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS review_litigation (
    report_id VARCHAR NOT NULL,
    group_key VARCHAR NOT NULL,
    column_key VARCHAR NOT NULL,
    value BIGINT,
    sha256 VARCHAR,
    parser_version VARCHAR,
    loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS check_results (
    report_id VARCHAR NOT NULL,
    check_no INTEGER NOT NULL,
    rule VARCHAR NOT NULL,
    scope VARCHAR,
    passed BOOLEAN NOT NULL,
    detail VARCHAR,
    check_values JSON,
    sha256 VARCHAR,
    parser_version VARCHAR,
    loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS report_sections (
    report_id VARCHAR NOT NULL,
    section_key VARCHAR NOT NULL,
    section_no INTEGER,
    text VARCHAR,
    sha256 VARCHAR,
    parser_version VARCHAR,
    loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS documents (
    url VARCHAR NOT NULL,
    sha256 VARCHAR,
    http_status INTEGER,
    content_type VARCHAR,
    bytes BIGINT,
    fetched_at TIMESTAMP,
    error VARCHAR,
    kind VARCHAR,
    portal_id VARCHAR,
    report_id VARCHAR,
    final_url VARCHAR,
    run_id VARCHAR,
    recorded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS portals (
    portal_id VARCHAR NOT NULL,
    name VARCHAR,
    province VARCHAR,
    level VARCHAR,
    division_code VARCHAR,
    start_urls VARCHAR[],
    allowed_hosts VARCHAR[],
    loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR NOT NULL,
    flow VARCHAR,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    status VARCHAR,
    stats JSON,
    error VARCHAR,
    recorded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS portal_runs (
    run_id VARCHAR NOT NULL,
    portal_id VARCHAR NOT NULL,
    pages INTEGER,
    reports_found INTEGER,
    new INTEGER,
    changed INTEGER,
    failed INTEGER,
    status VARCHAR,
    error VARCHAR,
    recorded_at TIMESTAMP NOT NULL
);
