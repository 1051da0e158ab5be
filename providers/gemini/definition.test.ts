import t from 'tap'
import { Readable } from 'node:stream'
import { definition } from './definition.ts'
import { toGeminiRequest } from './request.ts'
import { toGeminiSchema } from './schema.ts'
import { decodeToolCallId } from './tool-call-id.ts'
import { readFixture, readJsonFixture, splitAt } from '../../test/helpers/fixtures.ts'
import { accumulate, testContext, translateFixture } from '../../test/helpers/accumulate.ts'
import { caught } from '../../test/helpers/gateway.ts'
import { replayStream } from '../../test/helpers/replay-stream.ts'
import { GatewayError } from '../../src/canonical/errors.ts'
import type { ChatRequest } from '../../src/canonical/chat-request.ts'

const request = (fields: Partial<ChatRequest>): ChatRequest => ({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], ...fields })

t.test('request: system, roles, image, tool call with its signature, tool result and follow-up in native form', async (t) => {
  const upstream = toGeminiRequest(request({
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'developer', content: 'Answer in English.' },
      { role: 'user', content: [{ type: 'text', text: 'What is in this picture, and the weather there?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_1__thought__SIG-1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1__thought__SIG-1', content: '{"temperature":21}' },
      { role: 'user', content: 'And tomorrow?' }
    ],
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } } }],
    tool_choice: 'auto',
    temperature: 0.2,
    max_tokens: 100,
    stop: 'END',
    seed: 7
  }))
  t.equal(upstream.path, '/models/gemini-2.5-flash:generateContent')
  t.same(upstream.body, {
    contents: [
      { role: 'user', parts: [{ text: 'What is in this picture, and the weather there?' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'SIG-1' }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 21 } } }] },
      { role: 'user', parts: [{ text: 'And tomorrow?' }] }
    ],
    systemInstruction: { parts: [{ text: 'You are terse.' }, { text: 'Answer in English.' }] },
    tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }] }],
    toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
    generationConfig: { temperature: 0.2, maxOutputTokens: 100, stopSequences: ['END'], seed: 7 }
  })
})

t.test('request: streams, consecutive turns, parallel results, tool_choice and JSON output', async (t) => {
  const upstream = toGeminiRequest(request({
    stream: true,
    messages: [
      { role: 'user', content: 'a' },
      { role: 'user', content: 'b' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '' } }, { id: 'c2', type: 'function', function: { name: 'g', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'plain text' },
      { role: 'tool', tool_call_id: 'c2', content: '[1,2]' }
    ],
    tool_choice: { type: 'function', function: { name: 'g' } },
    response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { n: { type: ['integer', 'null'] } }, $schema: 'x' } } }
  }))
  t.equal(upstream.path, '/models/gemini-2.5-flash:streamGenerateContent?alt=sse')
  t.same(upstream.body.contents, [
    { role: 'user', parts: [{ text: 'a' }, { text: 'b' }] },
    { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }, { functionCall: { name: 'g', args: {} } }] },
    { role: 'user', parts: [{ functionResponse: { name: 'f', response: { content: 'plain text' } } }, { functionResponse: { name: 'g', response: { content: '[1,2]' } } }] }
  ])
  t.same(upstream.body.toolConfig, { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['g'] } })
  t.same(upstream.body.generationConfig, { responseMimeType: 'application/json', responseSchema: { type: 'object', properties: { n: { type: 'integer', nullable: true } } } })
  t.same(toGeminiRequest(request({ tool_choice: 'required' })).body.toolConfig, { functionCallingConfig: { mode: 'ANY' } })
  t.same(toGeminiRequest(request({ tool_choice: 'none', n: 2 })).body, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }], toolConfig: { functionCallingConfig: { mode: 'NONE' } }, generationConfig: { candidateCount: 2 } })
})

t.test('request: clear 400s for what Gemini cannot take', async (t) => {
  const unknownCall = caught(() => toGeminiRequest(request({ messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] })))
  t.ok(unknownCall instanceof GatewayError)
  t.match(unknownCall, { status: 400, param: 'messages[0].tool_call_id' })
  t.match(caught(() => toGeminiRequest(request({ messages: [{ role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{bad' } }] }] }))),
    { status: 400, param: 'messages[0].tool_calls[0].function.arguments' })
  t.match(caught(() => toGeminiRequest(request({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/picture' } }] }] }))),
    { status: 400, param: 'messages[0].content[0].image_url.url', message: /media type/ })
  t.same(toGeminiRequest(request({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.JPG?x=1' } }] }] })).body.contents,
    [{ role: 'user', parts: [{ fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.JPG?x=1' } }] }])
  t.match(caught(() => toGeminiRequest(request({ messages: [{ role: 'user', content: [{ type: 'input_audio' }] }] }))), { status: 400, param: 'messages[0].content[0].type' })
})

t.test('schema: JSON Schema converted to the OpenAPI subset Gemini accepts', async (t) => {
  t.same(toGeminiSchema({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    title: 'Query',
    additionalProperties: false,
    properties: {
      kind: { const: 'search' },
      mode: { oneOf: [{ type: 'string' }, { type: 'number' }] },
      level: { enum: [1, 2] },
      place: { $ref: '#/$defs/place' },
      tags: { type: 'array', items: { type: 'string', examples: ['a'] }, default: [] },
      options: { type: 'object', properties: {} }
    },
    required: ['kind', 'ghost'],
    $defs: { place: { type: 'object', properties: { city: { type: 'string' } } } }
  }, { owner: 'tool \'query\'', param: 'tools[0].function.parameters' }), {
    type: 'object',
    properties: {
      kind: { enum: ['search'] },
      mode: { anyOf: [{ type: 'string' }, { type: 'number' }] },
      level: {},
      place: { type: 'object', properties: { city: { type: 'string' } } },
      tags: { type: 'array', items: { type: 'string' } },
      options: { type: 'object' }
    },
    required: ['kind']
  })
  const noArguments = toGeminiRequest(request({ tools: [{ type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } }] }))
  t.same(noArguments.body.tools, [{ functionDeclarations: [{ name: 'now' }] }], 'a tool without arguments has no parameters')
})

t.test('response: recorded text and tool call with thought summary and signature', async (t) => {
  const text = definition.fromUpstreamResponse(await readJsonFixture('gemini', 'text.json'), testContext('gemini', 'gemini-2.5-flash'))
  t.match(text, { object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: String }, finish_reason: 'stop' }] })
  t.ok((text.choices[0]?.message.content ?? '').length > 20)
  t.match(text.usage, { prompt_tokens: Number, completion_tokens: Number, completion_tokens_details: { reasoning_tokens: Number } })
  const raw = await readJsonFixture('gemini', 'text.json') as { usageMetadata: { promptTokenCount: number, candidatesTokenCount: number, thoughtsTokenCount: number, totalTokenCount: number } }
  t.equal(text.usage?.completion_tokens, raw.usageMetadata.candidatesTokenCount + raw.usageMetadata.thoughtsTokenCount, 'thinking tokens count as output')
  t.equal(text.usage?.total_tokens, raw.usageMetadata.totalTokenCount)

  const tool = definition.fromUpstreamResponse(await readJsonFixture('gemini', 'tool-call.json'), testContext('gemini', 'gemini-2.5-pro'))
  const choice = tool.choices[0]
  t.equal(choice?.finish_reason, 'tool_calls', 'STOP with a function call is tool_calls')
  t.equal(choice?.message.content, null)
  t.type(choice?.message.reasoning_content, 'string', 'the thought summary is reasoning_content')
  const call = choice?.message.tool_calls?.[0]
  t.match(call, { type: 'function', function: { name: String } })
  t.doesNotThrow(() => JSON.parse(call?.function.arguments ?? ''))
  t.ok((decodeToolCallId(call?.id ?? '').thoughtSignature ?? '').length > 50, 'the signature rides in the id')
})

t.test('response: a blocked prompt and every finish reason family', async (t) => {
  const blocked = definition.fromUpstreamResponse({ promptFeedback: { blockReason: 'SAFETY' } }, testContext('gemini'))
  t.match(blocked.choices, [{ finish_reason: 'content_filter', message: { content: null } }])
  const cases: Array<[string, string]> = [['MAX_TOKENS', 'length'], ['SAFETY', 'content_filter'], ['RECITATION', 'content_filter'], ['PROHIBITED_CONTENT', 'content_filter'], ['OTHER', 'stop'], ['SOMETHING_NEW', 'stop']]
  for (const [reason, expected] of cases) {
    const response = definition.fromUpstreamResponse({ candidates: [{ content: { parts: [{ text: 'x' }], role: 'model' }, finishReason: reason }] }, testContext('gemini'))
    t.equal(response.choices[0]?.finish_reason, expected, reason)
  }
  t.throws(() => definition.fromUpstreamResponse({ candidates: 'nope' }, testContext('gemini')), /unexpected shape/)
})

const STREAMS = ['text.stream.sse', 'tool-call.stream.sse', 'after-tool-result.stream.sse', 'thinking.stream.sse', 'prompt-blocked.stream.sse']

t.test('stream: recorded streams, whole and cut at awkward byte offsets, give the same answer', async (t) => {
  for (const name of STREAMS) {
    const bytes = await readFixture('gemini', name)
    const whole = await translateFixture(definition, bytes, 'gemini-test')
    for (const offsets of [[1], [7, 8, 9], [Math.floor(bytes.length / 2)], [bytes.length - 3, bytes.length - 2]]) {
      const ctx = testContext('gemini', 'gemini-test', true)
      const cut = accumulate(await replayStream(definition.createStreamTranslator, splitAt(bytes, offsets), ctx))
      t.same({ text: cut.text, tools: cut.tools.map((tool) => tool.name), finish: cut.finishReasons }, { text: whole.text, tools: whole.tools.map((tool) => tool.name), finish: whole.finishReasons }, `${name} cut at ${offsets.join(',')}`)
    }
    t.equal(whole.roles, 1, `${name}: role once`)
    t.equal(whole.finishReasons.length, 1, `${name}: one finish`)
  }
})

t.test('stream: text, tool call, thinking and a blocked prompt translate as an OpenAI client expects', async (t) => {
  const text = await translateFixture(definition, await readFixture('gemini', 'text.stream.sse'))
  t.ok(text.text.length > 10)
  t.same(text.finishReasons, ['stop'])
  t.ok(text.usage !== undefined && text.usage.prompt_tokens > 0 && text.usage.completion_tokens > 0, 'usage once, from the last chunk')
  t.equal(text.chunks.filter((chunk) => chunk.usage != null).length, 1)
  t.same(text.chunks.at(-1)?.choices, [], 'usage comes last, on a chunk without choices')

  const tool = await translateFixture(definition, await readFixture('gemini', 'tool-call.stream.sse'))
  t.same(tool.finishReasons, ['tool_calls'])
  t.equal(tool.tools.length, 1)
  t.match(tool.tools[0], { index: 0, name: 'get_country', arguments: '{}' })
  t.ok((decodeToolCallId(tool.tools[0]?.id ?? '').thoughtSignature ?? '').startsWith('EpwICpkI'), 'signature carried')

  const thinking = await translateFixture(definition, await readFixture('gemini', 'thinking.stream.sse'))
  t.ok(thinking.reasoning.length > 20, 'thought parts become reasoning_content')
  t.ok(thinking.text.length > 20)
  t.notOk(thinking.text.includes(thinking.reasoning.slice(0, 30)), 'thoughts stay out of the answer')

  const blocked = await translateFixture(definition, await readFixture('gemini', 'prompt-blocked.stream.sse'))
  t.same(blocked.finishReasons, ['content_filter'])
})

t.test('stream: an error event or a stream cut short becomes a failure', async (t) => {
  const ctx = testContext('gemini', 'gemini-test', true)
  const errorEvent = 'data: {"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"}}]}\r\n\r\ndata: {"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}\r\n\r\n'
  await t.rejects(replayStream(definition.createStreamTranslator, Readable.from([errorEvent]), ctx), { status: 503, message: /overloaded/ })
  const cutShort = 'data: {"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"}}]}\r\n\r\n'
  await t.rejects(replayStream(definition.createStreamTranslator, Readable.from([cutShort]), ctx), /ended before a finish reason/)
  await t.rejects(replayStream(definition.createStreamTranslator, Readable.from(['data: {oops\r\n\r\n']), ctx), /not JSON/)
})

t.test('errors: recorded bodies map to the right status, and a bad key to 401', async (t) => {
  const badKey = definition.parseUpstreamError(400, await readJsonFixture('gemini', 'error-400-api-key.json'), undefined)
  t.match(badKey, { status: 401, kind: 'authentication', upstreamStatus: 401, code: 'invalid_provider_key', message: /invalid provider key/ })
  t.match(definition.parseUpstreamError(404, await readJsonFixture('gemini', 'error-404-model.json'), undefined), { status: 404, code: 'NOT_FOUND' })
  t.match(definition.parseUpstreamError(429, await readJsonFixture('gemini', 'error-429.json'), undefined), { status: 429, kind: 'rate_limited' })
  t.match(definition.parseUpstreamError(429, await readJsonFixture('gemini', 'error-429-retry-info.json'), undefined), { retryAfterSeconds: 35 }, 'RetryInfo when no header')
  t.match(definition.parseUpstreamError(429, await readJsonFixture('gemini', 'error-429-retry-info.json'), 5), { retryAfterSeconds: 5 }, 'the header wins')
  t.match(definition.parseUpstreamError(503, [{ error: { code: 503, message: 'overloaded', status: 'UNAVAILABLE' } }], undefined), { status: 503, message: /overloaded/ })
  t.match(definition.parseUpstreamError(500, 'not json', undefined), { status: 500, message: /answered 500/ })
})
