-- The slowest request of each rollup, so that a latency quantile estimated inside a bucket
-- is never drawn above a request that was actually seen (collectors/requests/buckets.ts).
-- Rows written before this column existed stay NULL: their quantiles keep the bucket bound.
ALTER TABLE request_rollups ADD COLUMN max_duration_ns bigint CHECK (max_duration_ns >= 0);
