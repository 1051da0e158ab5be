import t from 'tap'
import { parseOpenAICompatibleError } from './errors.ts'
import { testDialect } from '../../test/helpers/test-dialect.ts'

const parse = (status: number, body: unknown, retryAfter?: number) => parseOpenAICompatibleError(status, body, retryAfter, 'testco', testDialect())

t.test('reads every error shape these providers send', async (t) => {
  t.match(parse(400, { error: { message: 'bad temperature', type: 'invalid_request_error', code: 'bad_value', param: 'temperature' } }),
    { status: 400, kind: 'invalid_request', code: 'bad_value', param: 'temperature', message: 'Testco error (400): bad temperature', upstreamStatus: 400 })
  t.match(parse(401, { message: 'Unauthorized' }), { status: 401, kind: 'authentication', message: 'Testco error (401): Unauthorized' })
  t.match(parse(422, { detail: [{ loc: ['body', 'n'], msg: 'too big' }] }), { status: 422, message: /Testco error \(422\): \[\{"loc":\["body","n"\]/ })
  t.match(parse(400, { error: 'legacy text' }), { message: 'Testco error (400): legacy text', code: null })
  t.match(parse(400, { error: { message: 'x' }, code: 1234 }), { code: '1234' }, 'a numeric top-level code as text')
})

t.test('a body that says nothing gets the status, never the raw body', async (t) => {
  t.match(parse(500, '<html>oops</html>'), { status: 500, message: 'Testco error (500): the provider answered 500' })
  t.match(parse(503, { error: { message: '' } }), { message: 'Testco error (503): the provider answered 503', kind: 'overloaded' })
})

t.test('retry-after is kept; 429 is rate limited', async (t) => {
  t.match(parse(429, { error: { message: 'slow down' } }, 12), { status: 429, kind: 'rate_limited', retryAfterSeconds: 12 })
})

t.test("a status of the provider's own is told as the standard one, and the original is kept for the record", async (t) => {
  t.match(parse(498, { error: { message: 'flex capacity' } }), { status: 503, kind: 'overloaded', upstreamStatus: 498, message: 'Testco error (498): flex capacity' })
  t.match(parse(520, {}), { status: 502, kind: 'upstream_error', upstreamStatus: 520 }, 'an unknown 5xx is a 502')
})
