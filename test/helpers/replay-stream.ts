import type { Readable } from 'node:stream'
import type { ChatChunk } from '../../src/canonical/chat-chunk.ts'
import { translatedEvents } from '../../src/call/translated-stream.ts'
import { PushedStream } from '../../src/call/pushed-stream.ts'
import { readableSource } from './readable-source.ts'
import type { GatewayError } from '../../src/canonical/errors.ts'
import type { CallContext } from '../../src/provider/contract.ts'
import type { SseEvent } from '../../src/http/sse.ts'
import type { CreateStreamTranslator } from '../../src/provider/stream-translator.ts'
import { createCallContext } from '../../src/call/call-provider.ts'

const ignore = (): void => {}

/** A provider body read the way the gateway reads it, with hooks that do nothing: for tests of the reader itself. */
export function chunkStream (create: CreateStreamTranslator, body: Readable, ctx: CallContext = echoContext): PushedStream<ChatChunk> {
  return new PushedStream<ChatChunk>(readableSource(body), translatedEvents(create, ctx, ignore), { onChunk: undefined, fail: (error) => error as GatewayError, finish: ignore })
}

/** Every chunk a translator makes of a body, through the gateway's own stream reader; rejects as a call would. */
export async function replayStream (create: CreateStreamTranslator, body: Readable, ctx: CallContext = echoContext): Promise<ChatChunk[]> {
  const stream = chunkStream(create, body, ctx)
  const first = await stream.first()
  const chunks: ChatChunk[] = first === undefined ? [] : [first]
  for await (const chunk of stream) chunks.push(chunk)
  return chunks
}

const echoContext = createCallContext('test', 'test-model', 'req-test', true)

/** A translator that makes each SSE event into one chunk carrying it, to test how bytes become events. */
export const echoEvents: CreateStreamTranslator = (_ctx, emit) => ({
  event: (event) => {
    emit({ id: 'echo', object: 'chat.completion.chunk', created: 0, model: 'echo', choices: [{ index: 0, delta: { content: JSON.stringify({ event: event.event, data: event.data }) }, finish_reason: null }] })
    return false
  },
  end: ignore
})

/** The event an `echoEvents` chunk carries. */
export function echoedEvent (chunk: ChatChunk): Pick<SseEvent, 'event' | 'data'> {
  return JSON.parse(chunk.choices[0]?.delta.content ?? '{}') as Pick<SseEvent, 'event' | 'data'>
}
