import { createParser } from 'eventsource-parser'
import type { ChatChunk } from '../canonical/chat-chunk.ts'
import type { CallContext } from '../provider/contract.ts'
import type { CreateStreamTranslator } from '../provider/stream-translator.ts'
import type { StreamDecoder } from './pushed-stream.ts'
import { utf8Chunks } from './utf8-chunks.ts'

/**
 * The decoder for a provider's streamed answer as canonical chunks: the body's bytes are parsed into SSE events
 * (split UTF-8 sequences and lines, CRLF, comments and multi-line `data` handled by `eventsource-parser`) and
 * pushed through the provider's translator as they arrive. A last event without its blank line is still delivered
 * at the end. `eventArrived` hears of every event and keep-alive comment (the idle timeout starts again).
 */
export function translatedEvents (create: CreateStreamTranslator, ctx: CallContext, eventArrived: () => void): (emit: (chunk: ChatChunk) => void) => StreamDecoder {
  return (emit) => sseTranslation(create(ctx, emit), eventArrived)
}

function sseTranslation (translator: ReturnType<CreateStreamTranslator>, eventArrived: () => void): StreamDecoder {
  const text = utf8Chunks()
  let complete = false
  const parser = createParser({
    onEvent: (event) => {
      eventArrived()
      if (!complete && translator.event(event)) complete = true
    },
    onComment: eventArrived
  })
  return {
    data: (bytes) => {
      parser.feed(text.decode(bytes))
      return complete
    },
    end: () => {
      // A last event without its terminating blank line is still an event (some recordings end that way).
      if (!complete) parser.feed(text.end() + '\n\n')
      translator.end()
    }
  }
}
