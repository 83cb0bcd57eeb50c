-- 003: segmented section text for the full-text index (filled by warehouse/fts.py).
CREATE TABLE IF NOT EXISTS section_search (
    doc_id VARCHAR NOT NULL,
    report_id VARCHAR NOT NULL,
    section_key VARCHAR NOT NULL,
    text_md5 VARCHAR,
    tokens VARCHAR
);
