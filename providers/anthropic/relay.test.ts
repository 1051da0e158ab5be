import t from 'tap'
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import type { Usage } from '../../src/canonical/usage.ts'
import { GatewayError } from '../../src/canonical/errors.ts'
import { relay } from './relay.ts'
import { readFixture, readJsonFixture } from '../../test/helpers/fixtures.ts'

function eventsOf (text: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = []
  createParser({ onEvent: (event) => { events.push(event) } }).feed(text)
  return events
}

/** Reads a recorded stream as the relay does, and says what the reader reported. */
function read (text: string) {
  const reader = relay.createStreamReader('anthropic')
  const usages: Usage[] = []
  let output = 0
  const meanings = eventsOf(text).map((event) => reader.event(event, { usage: (usage) => { usages.push(usage) }, output: (chars) => { output += chars } }))
  return { usages, output, meanings }
}

t.test('a recorded tool-call stream: usage merged from message_start and message_delta, argument sizes, the last event', async (t) => {
  const { usages, output, meanings } = read((await readFixture('anthropic', 'tool-call.stream.sse')).toString())
  t.same(usages.at(-1), { prompt_tokens: 506, completion_tokens: 153, total_tokens: 659, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 } })
  t.ok(output > 0, `output ${output} chars`)
  t.equal(meanings.at(-1), 'end')
  t.equal(meanings.filter((meaning) => meaning !== undefined).length, 1, 'only message_stop ends it')
})

t.test('an error event is the provider\'s error, with the status its type stands for', async (t) => {
  const { meanings } = read('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n')
  const error = meanings[0]
  t.ok(error instanceof GatewayError)
  t.match(error, { upstreamStatus: 529, status: 503, code: 'overloaded_error', message: /Overloaded/ })
})

t.test('a whole answer\'s usage, and none for a body without it', async (t) => {
  t.same(relay.answerUsage(await readJsonFixture('anthropic', 'tool-call.json')), { prompt_tokens: 514, completion_tokens: 152, total_tokens: 666 }, 'input_tokens 514 and output_tokens 152, as recorded')
  t.equal(relay.answerUsage({ type: 'message' }), undefined)
  t.equal(relay.answerUsage('text'), undefined)
})
