import t from 'tap'
import { EventEmitter } from 'node:events'
import type { ServerResponse } from 'node:http'
import { watchClient } from './client-presence.ts'

/** A response that the test closes, finished or not. */
function response (finished: boolean): ServerResponse {
  return Object.assign(new EventEmitter(), { writableFinished: finished }) as unknown as ServerResponse
}

t.test('onClose hears the response end, however it ended, once', async (t) => {
  const res = response(true)
  const presence = watchClient(res)
  let heard = 0
  presence.onClose(() => { heard++ })
  res.emit('close')
  res.emit('close')
  t.equal(heard, 1)
  t.equal(presence.gone, false, 'a finished response is not a client that left')
})

t.test('a listener added after the response closed is called at once: a slot held for it is never stranded', async (t) => {
  const res = response(false)
  const presence = watchClient(res)
  res.emit('close')
  t.equal(presence.gone, true)
  let heard = false
  presence.onClose(() => { heard = true })
  t.equal(heard, true)
})
