-- Replicas cache what every caller shares (a credential's principal for a few seconds, the
-- SLO list for its evaluation minute). A change to what those caches hold is announced on
-- channel pilothouse_cache, so every replica drops the entry at once: revoking a token, ending
-- a session or changing a role takes effect on the next request everywhere.
CREATE FUNCTION pilothouse_cache_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('pilothouse_cache', TG_ARGV[0]);
  RETURN NULL;
END $$;

CREATE TRIGGER api_tokens_cache AFTER UPDATE OF revoked_at, role, expires_at, tenant_id OR DELETE ON api_tokens
  FOR EACH STATEMENT EXECUTE FUNCTION pilothouse_cache_notify('auth');
CREATE TRIGGER sessions_cache AFTER DELETE ON sessions
  FOR EACH STATEMENT EXECUTE FUNCTION pilothouse_cache_notify('auth');
CREATE TRIGGER memberships_cache AFTER INSERT OR UPDATE OR DELETE ON memberships
  FOR EACH STATEMENT EXECUTE FUNCTION pilothouse_cache_notify('auth');
CREATE TRIGGER users_cache AFTER UPDATE OF platform_role OR DELETE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION pilothouse_cache_notify('auth');
CREATE TRIGGER slo_specs_cache AFTER INSERT OR UPDATE OR DELETE ON slo_specs
  FOR EACH STATEMENT EXECUTE FUNCTION pilothouse_cache_notify('slo');
CREATE TRIGGER slo_evaluations_cache AFTER INSERT OR UPDATE OR DELETE ON slo_evaluations
  FOR EACH STATEMENT EXECUTE FUNCTION pilothouse_cache_notify('slo');
-- (api_tokens: not for last_used_at, which verification itself writes once a minute.)
