import t from 'tap'
import { toOpenAICompatibleBody } from './request.ts'
import { GatewayError } from '../canonical/errors.ts'
import type { ChatRequest } from '../canonical/chat-request.ts'
import { testDialect } from '../../test/helpers/test-dialect.ts'

const request = (extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'test-1', messages: [{ role: 'user', content: 'hi' }], ...extra })

t.test('forwards only the fields the dialect takes, renamed where it says', async (t) => {
  const body = toOpenAICompatibleBody(request({ temperature: 0.5, seed: 7, top_k: 3, logit_bias: { 1: 2 } } as Partial<ChatRequest>), testDialect())
  t.same(body, { model: 'test-1', messages: [{ role: 'user', content: 'hi' }], temperature: 0.5, random_seed: 7 })
})

t.test('a client that sends both names keeps the provider\'s own', async (t) => {
  const body = toOpenAICompatibleBody(request({ seed: 7, random_seed: 9 } as Partial<ChatRequest>), testDialect())
  t.equal(body.random_seed, 9)
})

t.test('asks for stream usage when the dialect must, keeping the client\'s other stream options', async (t) => {
  const asked = toOpenAICompatibleBody(request({ stream: true, stream_options: { include_obfuscation: false } } as Partial<ChatRequest>), testDialect())
  t.same(asked.stream_options, { include_obfuscation: false, include_usage: true })
  const always = toOpenAICompatibleBody(request({ stream: true }), testDialect({ streamUsage: 'always' }))
  t.notOk('stream_options' in always, 'a provider that always streams usage is not asked')
})

t.test('refuses more choices than the provider makes, naming n', async (t) => {
  const error = t.throws(() => toOpenAICompatibleBody(request({ n: 2 }), testDialect())) as unknown as GatewayError
  t.ok(error instanceof GatewayError)
  t.match(error, { status: 400, param: 'n', code: 'unsupported_value', message: /Testco supports n up to 1; got 2/ })
})

t.test('strict messages: OpenAI keys only, developer becomes system, tool ids rewritten, text joined where required', async (t) => {
  const body = toOpenAICompatibleBody(request({
    messages: [
      { role: 'developer', content: [{ type: 'text', text: 'be ' }, { type: 'text', text: 'brief' }] },
      { role: 'user', content: 'hi', name: 'ann', extra: true } as never,
      { role: 'assistant', tool_calls: [{ id: 'call_abc-123-def', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_abc-123-def', content: '42' }
    ]
  }), testDialect())
  t.same(body.messages, [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'hi', name: 'ann' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'callabc12', type: 'function', function: { name: 'f', arguments: '{}' } }] },
    { role: 'tool', content: '42', tool_call_id: 'callabc12' }
  ])
})

t.test('an image where only text is taken is refused with the part named, never dropped', async (t) => {
  const error = t.throws(() => toOpenAICompatibleBody(request({
    messages: [{ role: 'system', content: [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } }] }]
  }), testDialect())) as unknown as GatewayError
  t.match(error, { status: 400, param: 'messages[0].content[1]', message: /Testco takes only text in system messages, not 'image_url'/ })
})

t.test('adjustBody has the last word', async (t) => {
  const body = toOpenAICompatibleBody(request({ temperature: 3 }), testDialect({ adjustBody: (wire) => { wire.temperature = 1 } }))
  t.equal(body.temperature, 1)
})
