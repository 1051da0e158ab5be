import { EventEmitter } from 'node:events'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { createRequestRecord } from '../../src/observability/request-record.ts'

// The metrics plugin's own cost per request, measured in-process without network noise: records shaped like a
// real request (one attempt, usage, a stream's first-chunk time), accounted through the same `close` path a
// response takes. Compare the result with the gateway's CPU per request from `npm run bench`.

const app = await buildApp({ env: { OPENAI_API_KEY: 'k', GROQ_API_KEY: 'k', DEFAULT_PROVIDER: 'openai', LOG_LEVEL: 'warn', STORE_URL: 'memory' } })
await app.ready()

function once (index: number): void {
  const record = createRequestRecord('/v1/chat/completions', index % 2 === 0, 'gpt-4o-mini', () => 120)
  const now = performance.now()
  record.attempts.push({ provider: index % 3 === 0 ? 'groq' : 'openai', model: index % 3 === 0 ? 'llama-3.3-70b-versatile' : 'gpt-4o-mini', status: 200, success: true, startedAt: now - 3, latencyMs: 2 })
  record.usage = { prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 }
  if (index % 2 === 0) record.firstChunkAt = now - 1
  const raw = Object.assign(new EventEmitter(), { writableFinished: true, statusCode: 200 })
  // As Fastify decorates a real request: no record yet, no virtual key, no reservation.
  const request = { id: `req-${index}`, log: app.log, record: null, headers: {}, virtualKey: null, reservation: null, presentedKeyDigest: null, routePlan: null } as unknown as FastifyRequest
  app.metrics.observe(request, { raw } as unknown as FastifyReply, record)
  raw.emit('close')
}

for (let index = 0; index < 20_000; index++) once(index)
const iterations = 200_000
const cpuBefore = process.cpuUsage()
const started = process.hrtime.bigint()
for (let index = 0; index < iterations; index++) once(index)
const wallNs = Number(process.hrtime.bigint() - started)
const cpu = process.cpuUsage(cpuBefore)
await app.close()

const cpuUs = (cpu.user + cpu.system) / iterations
console.log(`metrics accounting: ${(wallNs / iterations / 1000).toFixed(2)} µs wall, ${cpuUs.toFixed(2)} µs CPU per request (${iterations} requests, GC included)`)
