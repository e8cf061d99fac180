// The server under test of `npm run bench:bombs`, in a process of its own so that the load
// generator's work never shares its event loop. Prints its URL on stdout, then serves until
// killed.
import { createPool } from '../db/pool.ts';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';

const url = process.argv[2]!;
const db = createPool(url, 8);
const config = loadConfig({ LOG_LEVEL: 'silent', PILOTHOUSE_SELF_TRACING: 'false', PILOTHOUSE_DEMO: 'off', DATABASE_URL: url });
const app = await buildApp({ config, db, console: false });
console.log(await app.listen({ port: 0, host: '127.0.0.1' }));
process.on('SIGTERM', () => void app.close().then(() => db.end()).then(() => process.exit(0)));
