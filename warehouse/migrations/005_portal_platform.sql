-- 005: the platform each portal runs, and portals blocked by anti-bot walls.
-- portals.platform: the platform base the crawler detected most often on the portal's pages in its
-- latest crawl (trs, hanweb, gdcolumn, anhui, kaipu, … or generic); kept across registry reloads.
-- portal_runs.platform: the same, per run. portal_runs.status gains `blocked` (an anti-bot wall
-- answered HTTP 412/468/521 with a script challenge; the wall is named in portal_runs.error).
ALTER TABLE portals ADD COLUMN IF NOT EXISTS platform VARCHAR;
ALTER TABLE portal_runs ADD COLUMN IF NOT EXISTS platform VARCHAR;
