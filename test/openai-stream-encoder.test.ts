import t from 'tap'
import type { ChatChunk } from '../src/canonical/chat-chunk.ts'
import { encodeOpenAIStream } from '../src/ingress/openai/encode-stream.ts'
import { upstreamProtocolError } from '../src/errors.ts'

const chunk = (content: string): ChatChunk => ({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })

/** A provider stream that records whether it was let go, and can fail after its chunks. */
function providerStream (chunks: ChatChunk[], failWith?: Error): AsyncIterator<ChatChunk> & { returned: boolean } {
  let position = 0
  return {
    returned: false,
    async next () {
      const next = chunks[position++]
      if (next !== undefined) return { done: false, value: next }
      if (failWith !== undefined) throw failWith
      return { done: true, value: undefined }
    },
    async return () {
      this.returned = true
      return { done: true, value: undefined }
    }
  }
}

async function collect (events: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = []
  for await (const event of events) out.push(event)
  return out
}

t.test('a whole stream: role on the first delta, one id, then [DONE], and onEnd once', async (t) => {
  const ends: unknown[] = []
  const rest = providerStream([chunk('b'), { ...chunk(''), id: 'other', choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }])
  const events = await collect(encodeOpenAIStream(chunk('a'), rest, { includeUsage: true, onEnd: (outcome) => ends.push(outcome) }))
  t.equal(events.length, 4, 'two deltas, the usage chunk and [DONE]')
  t.match(events[0], /"role":"assistant","content":"a"/)
  t.notMatch(events[1], /"role"/, 'role only once')
  t.ok(events.slice(0, 3).every((event) => event.includes('"id":"chatcmpl-1"')), 'one id throughout')
  t.match(events[2], /"choices":\[\],"usage":\{"prompt_tokens":1/)
  t.equal(events[3], 'data: [DONE]\n\n')
  t.same(ends, [{ usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }, error: undefined }])
})

t.test('a provider failure mid-stream ends with one error event and no [DONE]', async (t) => {
  const ends: Array<{ error: unknown }> = []
  const events = await collect(encodeOpenAIStream(chunk('a'), providerStream([], upstreamProtocolError('groq', 'cut off')), { includeUsage: false, onEnd: (outcome) => ends.push(outcome) }))
  t.equal(events.length, 2)
  t.match(events[1], /^data: \{"error":\{"message":"[^"]*cut off/)
  t.notOk(events.some((event) => event.includes('[DONE]')))
  t.equal(ends.length, 1)
  t.ok(ends[0]?.error instanceof Error)
})

t.test('a consumer that stops after the first event lets the provider stream go', async (t) => {
  let ended = 0
  const rest = providerStream([chunk('b')])
  const events = encodeOpenAIStream(chunk('a'), rest, { includeUsage: false, onEnd: () => { ended++ } })
  for await (const event of events) {
    t.match(event, /"content":"a"/)
    break
  }
  t.ok(rest.returned, 'the provider stream was returned although the encoder never read it')
  t.equal(ended, 1)
  await events.return?.()
  t.equal(ended, 1, 'onEnd is not reported twice')
})

t.test('a chunk that cannot be encoded ends the stream with an error event and lets the provider stream go', async (t) => {
  // JSON.stringify throws on a BigInt.
  const rest = providerStream([chunk(1n as unknown as string), chunk('c')])
  const events = await collect(encodeOpenAIStream(chunk('a'), rest, { includeUsage: false }))
  t.equal(events.length, 2)
  t.match(events[1], /^data: \{"error":/)
  t.ok(rest.returned)
})
