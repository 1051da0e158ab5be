import t from 'tap'
import { startSimulator as startGemini } from '../providers/gemini/simulator.ts'
import { simulatorEnv, startGateway } from './helpers/gateway.ts'

// Tool schemas are client-sized structures that the Gemini translation expands ($refs inlined): a few hundred
// bytes must not be able to stop the gateway, and a recursive schema is the client's 400, naming the tool.

const gemini = await startGemini()
t.teardown(() => gemini.close())
const gateway = await startGateway(t, { ...simulatorEnv({ gemini }), LOG_LEVEL: 'warn' })

/** Each level refers to the next twice: 2^28 nodes once inlined, from under 3 KB of JSON. */
function doublingSchema (levels: number): Record<string, unknown> {
  const $defs: Record<string, unknown> = {}
  for (let level = 0; level < levels; level++) {
    const next = level + 1 < levels ? { $ref: `#/$defs/d${level + 1}` } : { type: 'string' }
    $defs[`d${level}`] = { type: 'object', properties: { left: next, right: next } }
  }
  return { type: 'object', properties: { root: { $ref: '#/$defs/d0' } }, $defs }
}

const selfReferencing = {
  type: 'object',
  properties: { tree: { $ref: '#/$defs/node' } },
  $defs: { node: { type: 'object', properties: { left: { $ref: '#/$defs/node' }, right: { $ref: '#/$defs/node' } } } }
}

async function post (path: string, body: unknown): Promise<{ status: number, json: Record<string, unknown> }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body)
  })
  return { status: response.status, json: await response.json() as Record<string, unknown> }
}

const chat = (parameters: Record<string, unknown>): unknown => ({
  model: 'gemini:gemini-2.5-flash',
  messages: [{ role: 'user', content: 'hi' }],
  tools: [{ type: 'function', function: { name: 'walk_tree', parameters } }]
})
const messages = (inputSchema: Record<string, unknown>): unknown => ({
  model: 'gemini:gemini-2.5-flash',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'hi' }],
  tools: [{ name: 'walk_tree', input_schema: inputSchema }]
})

t.test('a schema whose $refs expand exponentially is a 400 at once, and the gateway keeps answering', async (t) => {
  const schema = doublingSchema(28)
  t.ok(JSON.stringify(schema).length < 4000, 'the request is small')
  const healthy = fetch(`${gateway.url}/healthz`)
  const answer = await post('/v1/chat/completions', chat(schema))
  t.equal(answer.status, 400)
  t.match(answer.json, { error: { type: 'invalid_request_error', param: 'tools[0].function.parameters', message: /walk_tree.*nodes|nodes.*walk_tree/ } })
  t.equal((await healthy).status, 200)

  const anthropic = await post('/v1/messages', messages(schema))
  t.equal(anthropic.status, 400)
  t.match(anthropic.json, { type: 'error', error: { type: 'invalid_request_error', message: /walk_tree/ } })
  t.equal(gemini.requests.length, 0, 'nothing reached Gemini')
})

t.test('a self-referencing schema is a 400 naming the tool, on both ingresses', async (t) => {
  const answer = await post('/v1/chat/completions', chat(selfReferencing))
  t.equal(answer.status, 400)
  t.match(answer.json, { error: { message: /tool 'walk_tree'.*recursive/, param: 'tools[0].function.parameters' } })
  const anthropic = await post('/v1/messages', messages(selfReferencing))
  t.equal(anthropic.status, 400)
  t.match(anthropic.json, { type: 'error', error: { type: 'invalid_request_error', message: /tool 'walk_tree'.*recursive/ } })
})

t.test('a response_format schema is bounded the same way', async (t) => {
  const answer = await post('/v1/chat/completions', {
    model: 'gemini:gemini-2.5-flash',
    messages: [{ role: 'user', content: 'hi' }],
    response_format: { type: 'json_schema', json_schema: { name: 'tree', schema: selfReferencing } }
  })
  t.equal(answer.status, 400)
  t.match(answer.json, { error: { param: 'response_format.json_schema.schema', message: /response_format.*recursive/ } })
})

t.test('definitions named after Object built-ins are plain names', async (t) => {
  const answer = await post('/v1/chat/completions', chat({
    type: 'object',
    properties: { a: { $ref: '#/$defs/constructor' }, b: { $ref: '#/$defs/__proto__' }, toString: { type: 'number' } },
    $defs: { constructor: { type: 'string' } }
  }))
  t.equal(answer.status, 200)
  const sent = gemini.requests.at(-1)?.body as { tools: Array<{ functionDeclarations: Array<{ parameters: { properties: Record<string, unknown> } }> }> }
  const properties = sent.tools[0]?.functionDeclarations[0]?.parameters.properties
  t.same(properties?.a, { type: 'string' })
  t.same(properties?.b, {}, 'an unknown definition is an empty schema, not Object.prototype')
  t.same(properties?.toString, { type: 'number' })
})
