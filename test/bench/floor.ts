import Fastify from 'fastify'
import { Pool } from 'undici'

// The floor: a bare pass-through on this stack. Fastify + an undici pool, the body passed through as bytes, the
// response piped back. No validation, translation, routing or metrics: what is left is the stack's own cost. Not
// quite the cheapest: reading a non-streamed answer whole and sending it with a length was 14–23 µs faster at c=1
// than piping it (docs/performance.md). It is kept as it is, so that every recorded run compares with the same floor.

const upstream = new URL(process.env.UPSTREAM_URL ?? '')
const pool = new Pool(upstream.origin, { connections: 128 })
const headers = { 'content-type': 'application/json', authorization: `Bearer ${process.env.UPSTREAM_KEY ?? ''}` }
const app = Fastify({ logger: false })
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => { done(null, body) })
app.post('/v1/chat/completions', async (request, reply) => {
  const response = await pool.request({ method: 'POST', path: `${upstream.pathname}/chat/completions`, headers, body: request.body as Buffer })
  return reply.code(response.statusCode).header('content-type', response.headers['content-type']).send(response.body)
})
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
process.once('SIGTERM', () => { void app.close().then(() => process.exit(0)) })
