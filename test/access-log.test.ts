import t from 'tap'
import { postChat, readToEnd, simulatorEnv, startGateway, startSimulators } from './helpers/gateway.ts'

// The access log: one line per request at info, once it is over; the arrival line only at debug.

interface LogLine { level: number, msg: string, reqId?: string, costUsd?: number, [field: string]: unknown }
const parse = (lines: string[]): LogLine[] => lines.map((line) => JSON.parse(line) as LogLine)

t.test('at info, one line per request once it is over, with the provider, model and tokens of a model request', async (t) => {
  const simulators = await startSimulators(t)
  const gateway = await startGateway(t, { ...simulatorEnv(simulators), LOG_LEVEL: 'info' })
  const before = gateway.logs.length

  const chat = await fetch(`${gateway.url}/v1/chat/completions?team=a&note=private`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai:gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
  })
  await chat.text()
  const stream = await postChat(gateway.url, { model: 'openai:gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] })
  await readToEnd(stream.body?.getReader())
  const missing = await fetch(`${gateway.url}/v1/nowhere`)
  await missing.text()
  const probe = await fetch(`${gateway.url}/healthz`)
  await probe.text()

  const lines = parse(gateway.logs.slice(before))
  t.same(lines.map((line) => line.msg), ['request completed', 'request completed', 'request completed'], 'one line each, none on arrival, none for the health probe (its route logs at warn)')
  const [chatLine, streamLine, missingLine] = lines
  t.match(chatLine, {
    level: 30,
    reqId: chat.headers.get('x-request-id'),
    method: 'POST',
    path: '/v1/chat/completions',
    statusCode: 200,
    responseTimeMs: Number,
    stream: false,
    provider: 'openai',
    model: 'gpt-4o-mini',
    attempts: 1,
    tokensIn: Number,
    tokensOut: Number
  })
  t.equal(chatLine?.costUsd?.toFixed(9), chat.headers.get('x-switchyard-cost-usd'), 'priced as the cost header is')
  t.notOk(JSON.stringify(lines).includes('private'), 'the query string is not logged')
  t.match(streamLine, { reqId: stream.headers.get('x-request-id'), stream: true, provider: 'openai', statusCode: 200, tokensOut: Number, costUsd: Number })
  t.match(missingLine, { method: 'GET', path: '/v1/nowhere', statusCode: 404 })
  t.notOk('provider' in (missingLine ?? {}), 'a request that is not a model request says nothing of providers')
})

t.test('at debug, the arrival line too; at warn, nothing for a request that went well', async (t) => {
  const simulators = await startSimulators(t)
  const debug = await startGateway(t, { ...simulatorEnv(simulators), LOG_LEVEL: 'debug' })
  const before = debug.logs.length
  const reply = await postChat(debug.url, { model: 'openai:gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
  await reply.text()
  const lines = parse(debug.logs.slice(before)).filter((line) => line.reqId === reply.headers.get('x-request-id'))
  t.match(lines, [{ level: 20, msg: 'incoming request', method: 'POST', path: '/v1/chat/completions' }, { level: 30, msg: 'request completed' }])

  const quiet = await startGateway(t, { ...simulatorEnv(simulators), LOG_LEVEL: 'warn' })
  const quietBefore = quiet.logs.length
  await (await postChat(quiet.url, { model: 'openai:gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).text()
  t.same(quiet.logs.slice(quietBefore), [])
})
