-- A bulk statement logs its keys in arrays of up to 1,000 per bucket; compressing them (pglz, the default) cost a
-- 200k-row insert about 5 % of its throughput (bench/README.md, "Capture cost"). Kept out of line but uncompressed:
-- the change log is trimmed by retention, so its size matters less than the writer's time, and a pull reads the
-- arrays without decompressing them. Small arrays (single-row statements) stay inline either way. Changes only how
-- new rows are stored: instant, no rewrite.
alter table nizhal.change_log alter column pks set storage external;
