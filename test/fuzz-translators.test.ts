import t from 'tap'
import fc from 'fast-check'
import { PINNED_MODELS, startAllSimulators, simulatorEnv, startGateway } from './helpers/gateway.ts'

// Property: every field a client controls that reaches a translator (model, tools and their schemas,
// tool_choice, response_format, metadata, system blocks, unread extras), filled with deep nesting, large values
// and odd strings, gets a success or a 4xx in the ingress's own shape from every provider, never a 5xx or a
// hang, and never moves a provider's circuit. FUZZ_RUNS raises the case count (default 20 per provider and ingress).

const RUNS = Number(process.env.FUZZ_RUNS ?? 20)
const all = await startAllSimulators(t)
const gateway = await startGateway(t, { ...simulatorEnv(all), LOG_LEVEL: 'silent' })
const MODELS = Object.values(PINNED_MODELS)

const oddString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', '\u0000', '\r\n', '\uD800', '__proto__', 'constructor', '#/$defs/x', '💥'.repeat(200), 'a'.repeat(20_000))
)
// Fastify refuses a body with a `__proto__` key outright (a 400, tested in test/hostile-model-names.test.ts's
// neighbours); as a key it would stop every case at the parser, so keys are any other odd string.
const oddKey = oddString.filter((key) => key !== '__proto__')

/** Mostly what the ingress accepts, sometimes anything: the hostile parts must get past validation to matter. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, anything: fc.Arbitrary<U>): fc.Arbitrary<T | U> =>
  fc.oneof({ arbitrary: valid, weight: 9 }, { arbitrary: anything, weight: 1 })
const toolName = mostly(fc.stringMatching(/^[a-zA-Z0-9_-]{1,64}$/), oddString)

/** JSON-Schema-like values, with the keywords the translators rewrite, nested up to 10 deep. */
const schema = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
    { arbitrary: fc.record({
      type: fc.oneof(fc.constantFrom('object', 'string', 'number', 'integer', 'array', 'boolean', 'null'), fc.array(fc.constantFrom('string', 'null', 'object')), oddString),
      properties: fc.dictionary(oddKey, tie('node'), { maxKeys: 4 }),
      items: tie('node'),
      anyOf: fc.array(tie('node'), { maxLength: 3 }),
      oneOf: fc.array(tie('node'), { maxLength: 3 }),
      allOf: fc.array(tie('node'), { maxLength: 2 }),
      $ref: fc.oneof(fc.constantFrom('#/$defs/a', '#/$defs/b', '#/definitions/a', '#/$defs/constructor'), oddString),
      $defs: fc.dictionary(fc.constantFrom('a', 'b', 'constructor'), tie('node'), { maxKeys: 2 }),
      const: fc.jsonValue({ maxDepth: 2 }),
      enum: fc.array(fc.oneof(oddString, fc.integer()), { maxLength: 4 }),
      required: fc.oneof(fc.array(oddString, { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })),
      description: oddString
    }, { requiredKeys: [] }), weight: 6 }
  )
})).node
const objectSchema = schema.filter((value): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value))

const metadata = fc.oneof(fc.jsonValue({ maxDepth: 8 }), fc.dictionary(oddKey, oddString, { maxKeys: 5 }))

const chatBody = (model: string) => fc.record({
  model: mostly(fc.constant(model), fc.oneof(oddString, fc.constant(model.split(':')[0] + ':' + 'x'.repeat(300)))),
  messages: fc.constant([{ role: 'user', content: 'hi' }]),
  stream: fc.boolean(),
  tools: mostly(
    fc.array(fc.record({ type: fc.constant('function'), function: fc.record({ name: toolName, description: oddString, parameters: mostly(objectSchema, schema) }, { requiredKeys: ['name'] }) }), { minLength: 1, maxLength: 3 }),
    fc.jsonValue({ maxDepth: 3 })
  ),
  tool_choice: mostly(fc.constantFrom('auto', 'none', 'required'), fc.oneof(fc.record({ type: fc.constant('function'), function: fc.record({ name: toolName }) }), fc.jsonValue({ maxDepth: 2 }))),
  response_format: mostly(
    fc.oneof(fc.record({ type: fc.constant('json_schema'), json_schema: fc.record({ name: fc.string(), schema: objectSchema }) }), fc.record({ type: fc.constantFrom('json_object', 'text') })),
    fc.jsonValue({ maxDepth: 3 })
  ),
  metadata,
  user: mostly(fc.string(), oddString),
  extra_field: metadata
}, { requiredKeys: ['model', 'messages'] })

const messagesBody = (model: string) => fc.record({
  model: mostly(fc.constant(model), oddString),
  max_tokens: mostly(fc.integer({ min: 1, max: 100 }), fc.jsonValue({ maxDepth: 1 })),
  messages: fc.constant([{ role: 'user', content: 'hi' }]),
  stream: fc.boolean(),
  system: fc.oneof(oddString, fc.array(fc.record({ type: fc.constant('text'), text: oddString, cache_control: metadata }, { requiredKeys: ['type', 'text'] }), { maxLength: 2 })),
  tools: fc.array(fc.record({ name: toolName, description: oddString, input_schema: mostly(objectSchema, schema), type: mostly(fc.constant('custom'), fc.constantFrom('web_search_20250305', 'bash_20250124')) }, { requiredKeys: ['name'] }), { minLength: 1, maxLength: 3 }),
  tool_choice: mostly(fc.record({ type: fc.constantFrom('auto', 'any', 'none') }), fc.oneof(fc.record({ type: fc.constant('tool'), name: toolName }), fc.jsonValue({ maxDepth: 2 }))),
  metadata: mostly(fc.record({ user_id: oddString }), metadata),
  top_k: mostly(fc.integer({ min: 0, max: 1000 }), fc.jsonValue({ maxDepth: 1 })),
  container: metadata
}, { requiredKeys: ['model', 'max_tokens', 'messages'] })

const isOpenAIError = (body: unknown): boolean => {
  const error = (body as { error?: Record<string, unknown> } | null)?.error
  return error !== undefined && typeof error.message === 'string' && typeof error.type === 'string' && 'param' in error && 'code' in error
}
const isAnthropicError = (body: unknown): boolean => {
  const shaped = body as { type?: unknown, error?: { type?: unknown, message?: unknown } } | null
  return shaped?.type === 'error' && typeof shaped.error?.type === 'string' && typeof shaped.error.message === 'string'
}

/** Answers per ingress and status class, so the test can show that its cases reached the translators. */
const outcomes = new Map<string, number>()
const noteOutcome = (path: string, status: number): void => {
  const key = `${path} ${Math.floor(status / 100)}xx`
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
}

/** Success (whole or a stream that ends in its terminator or an error event), or a 4xx in the ingress's shape. */
async function answeredInShape (path: string, body: unknown, isErrorShape: (body: unknown) => boolean): Promise<boolean> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000)
  })
  const text = await response.text()
  noteOutcome(path, response.status)
  if (response.status >= 500) return false
  if (response.status >= 400) return isErrorShape(JSON.parse(text))
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) return true
  return path.endsWith('/messages') ? /event: (message_stop|error)\n/.test(text) : /data: (\[DONE\]|\{"error")/.test(text)
}

for (const model of MODELS) {
  t.test(`${model}: fuzzed fields through both ingresses`, async (t) => {
    await fc.assert(fc.asyncProperty(chatBody(model), async (body) => await answeredInShape('/v1/chat/completions', body, isOpenAIError)), { numRuns: RUNS })
    await fc.assert(fc.asyncProperty(messagesBody(model), async (body) => await answeredInShape('/v1/messages', body, isAnthropicError)), { numRuns: RUNS })
    t.pass('every case answered in shape')
  })
}

t.test('no provider circuit moved, and the cases reached the providers', async (t) => {
  t.comment(JSON.stringify(Object.fromEntries(outcomes)))
  // A fuzzer whose every case dies in schema validation tests nothing behind it.
  t.ok((outcomes.get('/v1/chat/completions 2xx') ?? 0) >= MODELS.length * RUNS / 10, 'chat cases answered by a provider')
  t.ok((outcomes.get('/v1/messages 2xx') ?? 0) >= MODELS.length * RUNS / 10, 'messages cases answered by a provider')
  const health = await (await fetch(`${gateway.url}/providers/health`)).json() as { providers: Array<{ provider: string, status: string, circuit: string | null, consecutiveFailures: number }> }
  for (const entry of health.providers) {
    t.equal(entry.circuit, 'closed', `${entry.provider}: circuit closed`)
    t.equal(entry.consecutiveFailures, 0, `${entry.provider}: no failure counted`)
  }
})
