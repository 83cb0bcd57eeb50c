-- 007: the registry's own view of each government, so coverage is visible in the warehouse.
-- portals.status: ok | unreachable (the access probe got no answer; still crawled) | shared (the
-- listed portal is the parent government's) | no_portal (no known portal: nothing to crawl) |
-- out_of_scope (台湾, 香港, 澳门); NULL for registries without the column (demo, tests).
-- portals.parent_code: the division code of the parent government; portals.portal_url: its home page.
ALTER TABLE portals ADD COLUMN IF NOT EXISTS status VARCHAR;
ALTER TABLE portals ADD COLUMN IF NOT EXISTS parent_code VARCHAR;
ALTER TABLE portals ADD COLUMN IF NOT EXISTS portal_url VARCHAR;
