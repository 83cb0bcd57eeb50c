-- 004: numbers you can trust.
-- Cell provenance: how each cell was read (grid | positional | stream | ocr | narrative) and on
-- which page; null_reason says why a cell the source does fill was left NULL (uncertain read).
-- A NULL value with a NULL null_reason is a blank cell in the source. Rows loaded before this
-- migration keep NULL here until they are re-parsed (`ogi reparse --stale`).
ALTER TABLE active_disclosure ADD COLUMN method VARCHAR;
ALTER TABLE active_disclosure ADD COLUMN page INTEGER;
ALTER TABLE active_disclosure ADD COLUMN null_reason VARCHAR;
ALTER TABLE applications ADD COLUMN method VARCHAR;
ALTER TABLE applications ADD COLUMN page INTEGER;
ALTER TABLE applications ADD COLUMN null_reason VARCHAR;
ALTER TABLE review_litigation ADD COLUMN method VARCHAR;
ALTER TABLE review_litigation ADD COLUMN page INTEGER;
ALTER TABLE review_litigation ADD COLUMN null_reason VARCHAR;

-- SHA-256 of a report's non-blank cells (set by the loader): finds the same report found twice.
ALTER TABLE reports ADD COLUMN cells_fingerprint VARCHAR;

-- One identity per agency (rebuilt by warehouse/agencies.py after loads).
CREATE TABLE IF NOT EXISTS agencies (
    agency_id VARCHAR NOT NULL,
    name VARCHAR,
    local_name VARCHAR,
    names VARCHAR[],
    kind VARCHAR,
    division_code VARCHAR,
    division_name VARCHAR,
    province_code VARCHAR,
    parent_agency_id VARCHAR,
    n_reports INTEGER,
    first_year INTEGER,
    last_year INTEGER,
    refreshed_at TIMESTAMP NOT NULL
);

-- Which agency each report row belongs to and which report row it is the same as.
CREATE TABLE IF NOT EXISTS report_identity (
    report_id VARCHAR NOT NULL,
    agency_id VARCHAR,
    canonical_report_id VARCHAR NOT NULL,
    matched_by VARCHAR,
    load_fingerprint VARCHAR,
    refreshed_at TIMESTAMP NOT NULL
);
