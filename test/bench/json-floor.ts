import Fastify from 'fastify'
import { Pool } from 'undici'

// The JSON floor: the floor plus the least work any gateway that translates must do, and nothing else. Fastify
// parses the request's JSON, it is encoded again for the provider, and the provider's answer is read whole, parsed
// and encoded again for the client. Beside the floor, it shows how much of a translating gateway's added latency
// the JSON round trips alone account for (`npm run bench`, scenario a).

const upstream = new URL(process.env.UPSTREAM_URL ?? '')
const pool = new Pool(upstream.origin, { connections: 128 })
const headers = { 'content-type': 'application/json', authorization: `Bearer ${process.env.UPSTREAM_KEY ?? ''}` }
const app = Fastify({ logger: false })
app.post('/v1/chat/completions', async (request, reply) => {
  const response = await pool.request({ method: 'POST', path: `${upstream.pathname}/chat/completions`, headers, body: JSON.stringify(request.body) })
  const answer: unknown = JSON.parse(await response.body.text())
  return reply.code(response.statusCode).type('application/json').send(JSON.stringify(answer))
})
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
process.once('SIGTERM', () => { void app.close().then(() => process.exit(0)) })
