import t, { type Test } from 'tap'
import { startSimulator as startOpenAI } from '../providers/openai/simulator.ts'
import { startSimulator as startAnthropic } from '../providers/anthropic/simulator.ts'
import { startSimulator as startGemini } from '../providers/gemini/simulator.ts'
import { startSimulator as startCohere } from '../providers/cohere/simulator.ts'
import type { ProviderSimulator } from '../src/dev/http-simulator.ts'
import { readFixture } from './helpers/fixtures.ts'
import { sseEvents } from './helpers/recorded-answer.ts'

// The simulators are held to the recordings, not only to the SDKs: a stream from a simulator has the shape its
// provider's recorded stream has (event order, where the role, the finish and the usage go, the terminator).
// Each comparison reads the same features from both and sets them side by side, runs of one feature collapsed.

const collapse = (items: readonly string[]): string[] => items.filter((item, index) => item !== items[index - 1])

/** Event names in order, `[DONE]` included, from raw SSE. */
function eventNames (text: string): string[] {
  return text.split(/\r?\n\r?\n/).flatMap((frame) => {
    const name = /^event: *(.+)$/m.exec(frame)?.[1]
    if (name !== undefined) return [name.trim()]
    return /^data: *\[DONE\]/m.test(frame) ? ['[DONE]'] : []
  })
}

const weather = { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }

async function streamFrom (t: Test, simulator: ProviderSimulator, path: string, headers: Record<string, string>, body: unknown): Promise<string> {
  const response = await fetch(`${simulator.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  t.equal(response.status, 200, `${path} answered`)
  return await response.text()
}

t.test('openai: a tool-call stream\'s first chunk carries the role and the call\'s start, as recorded', async (t) => {
  const openai = await startOpenAI()
  t.teardown(() => openai.close())
  const simulated = await streamFrom(t, openai, '/chat/completions', { authorization: `Bearer ${openai.apiKey}` }, {
    model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [{ type: 'function', function: weather }], tool_choice: 'required'
  })
  const firstDelta = (text: string): string[] => Object.keys((sseEvents(Buffer.from(text))[0]?.data.choices as Array<{ delta: object }>)[0]?.delta ?? {}).sort()
  t.same(firstDelta(simulated), firstDelta((await readFixture('openai', 'tool-call.stream.sse')).toString()))
})

t.test('anthropic: text and tool streams have the recorded event order, ping included', async (t) => {
  const anthropic = await startAnthropic()
  t.teardown(() => anthropic.close())
  const headers = { 'x-api-key': anthropic.apiKey, 'anthropic-version': '2023-06-01' }
  const text = await streamFrom(t, anthropic, '/messages', headers, { model: 'claude-sonnet-4-6', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'Hi' }] })
  t.same(collapse(eventNames(text)), collapse(eventNames((await readFixture('anthropic', 'text.stream.sse')).toString())))
  const tool = await streamFrom(t, anthropic, '/messages', headers, {
    model: 'claude-sonnet-4-6', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'Weather?' }],
    tools: [{ name: 'get_weather', input_schema: weather.parameters }], tool_choice: { type: 'any' }
  })
  t.same(collapse(eventNames(tool)), collapse(eventNames((await readFixture('anthropic', 'tool-call-no-args.stream.sse')).toString())))
  const start = sseEvents(Buffer.from(tool))[0]?.data.message as { usage?: object } | undefined
  t.ok(start?.usage !== undefined && 'cache_read_input_tokens' in start.usage && 'cache_creation_input_tokens' in start.usage, 'message_start has the cache usage fields')
})

t.test('gemini: usage on every chunk, the finish on the last, a tool call\'s finish in a chunk of its own', async (t) => {
  const gemini = await startGemini()
  t.teardown(() => gemini.close())
  const headers = { 'x-goog-api-key': gemini.apiKey }
  /** Per event: what it carries, as one word each. */
  const shapes = (text: string): string[] => sseEvents(Buffer.from(text)).map(({ data }) => {
    const candidate = (data.candidates as Array<{ finishReason?: string, content?: { parts?: Array<Record<string, unknown>> } }>)[0]
    const parts = candidate?.content?.parts ?? []
    return [
      parts.some((part) => part.thought === true) ? 'thought' : parts.some((part) => 'functionCall' in part) ? 'call' : parts.some((part) => part.text !== '') ? 'text' : 'empty',
      candidate?.finishReason === undefined ? 'open' : 'finish',
      data.usageMetadata === undefined ? 'no-usage' : 'usage'
    ].join('+')
  })
  const text = await streamFrom(t, gemini, '/models/gemini-2.5-flash:streamGenerateContent?alt=sse', headers, { contents: [{ role: 'user', parts: [{ text: 'Count with me please' }] }] })
  t.same(collapse(shapes(text)), collapse(shapes((await readFixture('gemini', 'text.stream.sse')).toString())))
  const counts = sseEvents(Buffer.from(text)).map(({ data }) => (data.usageMetadata as { candidatesTokenCount?: number }).candidatesTokenCount ?? 0)
  t.ok(counts.every((count, index) => index === 0 || count >= (counts[index - 1] ?? 0)), `running token counts: ${counts.join(', ')}`)
  const tool = await streamFrom(t, gemini, '/models/gemini-2.5-flash:streamGenerateContent?alt=sse', headers, {
    contents: [{ role: 'user', parts: [{ text: 'Weather?' }] }],
    tools: [{ functionDeclarations: [weather] }],
    toolConfig: { functionCallingConfig: { mode: 'ANY' } }
  })
  t.same(shapes(tool), shapes((await readFixture('gemini', 'tool-call.stream.sse')).toString()))
  t.ok(text.includes('\r\n\r\n'), 'events end with CRLF CRLF, as recorded')

  // Thinking with summaries asked for: thought chunks first, without candidate tokens, and thinking counted throughout.
  const usageKeys = (stream: string): string[] => sseEvents(Buffer.from(stream)).map(({ data }) =>
    ['candidatesTokenCount', 'thoughtsTokenCount'].filter((key) => key in (data.usageMetadata as object)).join('+'))
  const thinking = await streamFrom(t, gemini, '/models/gemini-2.5-flash:streamGenerateContent?alt=sse', headers, {
    contents: [{ role: 'user', parts: [{ text: 'How do I cross the street?' }] }],
    generationConfig: { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } }
  })
  const recorded = (await readFixture('gemini', 'thinking.stream.sse')).toString()
  t.same(collapse(shapes(thinking)), collapse(shapes(recorded)))
  t.same(collapse(usageKeys(thinking)), collapse(usageKeys(recorded)))
})

t.test('cohere: the recorded event order, ending with [DONE]', async (t) => {
  const cohere = await startCohere()
  t.teardown(() => cohere.close())
  const text = await streamFrom(t, cohere, '/chat', { authorization: `Bearer ${cohere.apiKey}` }, { model: 'command-a-03-2025', stream: true, messages: [{ role: 'user', content: 'Hi' }] })
  t.same(collapse(eventNames(text)), collapse(eventNames((await readFixture('cohere', 'text.stream.sse')).toString())))
  t.equal(eventNames(text).at(-1), '[DONE]')
})
