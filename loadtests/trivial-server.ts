// A fastify server with one route that answers at once: the floor the load runner measures
// on this machine (generator, loopback and fastify, no Pilothouse). Prints its URL.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/ping', async () => ({ ok: true }));
const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(url + '\n');
