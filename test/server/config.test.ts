import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../server/config.ts';

test('defaults give a local server on 127.0.0.1:8080 with embedded data under .pilothouse', () => {
  const c = loadConfig({});
  assert.equal(c.PORT, 8080);
  assert.equal(c.HOST, '127.0.0.1');
  assert.equal(c.publicUrl, 'http://127.0.0.1:8080');
  assert.match(c.dataDir, /\.pilothouse$/);
  assert.equal(c.DATABASE_URL, undefined);
});

test('a wrong value names the variable and what it accepts', () => {
  assert.throws(() => loadConfig({ PORT: 'eighty' }), (e: Error) => e instanceof ConfigError && /PORT="eighty" is not valid: expected a TCP port from 0 to 65535/.test(e.message));
  assert.throws(() => loadConfig({ PORT: '70000' }), /PORT="70000"/);
  assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL="loud" is not valid: expected one of fatal, error/);
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL="mysql:\/\/x" is not valid: expected a postgres:\/\/ connection URL/);
});

test('every bad variable is reported at once, not one per restart', () => {
  assert.throws(() => loadConfig({ PORT: 'x', PROMETHEUS_URL: 'localhost:9090', METRICS_TOKEN: 'short' }), (e: Error) =>
    /PORT/.test(e.message) && /PROMETHEUS_URL/.test(e.message) && /METRICS_TOKEN/.test(e.message));
});

test('OIDC needs issuer and client id together, and https unless allowed', () => {
  assert.throws(() => loadConfig({ OIDC_ISSUER: 'https://id.example.com' }), /OIDC_CLIENT_ID is required/);
  assert.throws(() => loadConfig({ OIDC_ISSUER: 'http://id.example.com', OIDC_CLIENT_ID: 'c' }), /must be an https:\/\/ URL/);
  const ok = loadConfig({ OIDC_ISSUER: 'http://127.0.0.1:9999', OIDC_CLIENT_ID: 'c', OIDC_ALLOW_INSECURE: 'true' });
  assert.equal(ok.OIDC_ALLOW_INSECURE, true);
});

test('PUBLIC_URL wins over HOST and PORT for links, without a trailing slash', () => {
  assert.equal(loadConfig({ PUBLIC_URL: 'https://ph.example.com/', PORT: '9000' }).publicUrl, 'https://ph.example.com');
  assert.equal(loadConfig({ HOST: '0.0.0.0', PORT: '9000' }).publicUrl, 'http://localhost:9000');
});
