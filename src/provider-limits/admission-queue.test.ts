import t from 'tap'
import { clientClosed } from '../canonical/errors.ts'
import type { ClientPresence } from '../call/client-presence.ts'
import { createAdmissionQueue, type Candidate, type Waiter } from './admission-queue.ts'
import type { Busy, Permit, ProviderLimiter } from './provider-limiter.ts'

/** A limiter with `slots` free slots, handing them out in the order asked. */
function slotLimiter (slots: number): ProviderLimiter & { free: (n?: number) => void, taken: string[] } {
  let free = slots
  const taken: string[] = []
  const busy: Busy = { busy: true, reason: 'concurrency', freesAt: Date.now() + 60_000 }
  return {
    provider: 'p',
    taken,
    lane: () => 'p',
    take (model) {
      if (free === 0) return busy
      free--
      taken.push(model)
      const permit: Permit = { busy: false, release: () => {} }
      return permit
    },
    free (n = 1) { free += n },
    observe () {},
    onRelease () {},
    headroom: async () => [],
    learned: () => []
  }
}

function presence (): ClientPresence & { leave: () => void } {
  let listener: ((reason: ReturnType<typeof clientClosed>) => void) | undefined
  return {
    gone: false,
    endedBy: undefined,
    onGone: (fn) => { listener = fn; return () => { listener = undefined } },
    onClose: () => {},
    leave: () => listener?.(clientClosed())
  }
}

const candidate = (limiter: ProviderLimiter, model: string): Candidate => ({ index: 0, provider: 'p', model, lane: 'p', tokens: () => 1, limiter })

t.test('round-robin across keys within a priority, higher priorities first, arrival order within a key', async (t) => {
  const limiter = slotLimiter(0)
  const queue = createAdmissionQueue({ maxWaitMs: 10_000, maxDepth: 100 })
  t.teardown(queue.close)
  const wait = (key: string, name: string, priority: Waiter['priority'] = 'normal') =>
    queue.wait({ key, priority }, [candidate(limiter, name)], [{ busy: true, reason: 'concurrency', freesAt: Date.now() + 1_000 }], presence())
  const admitted = ['a1', 'a2', 'a3', 'b1', 'c1', 'b2'].map((name) => wait(name[0] as string, name))
  admitted.push(wait('d', 'low', 'low'), wait('e', 'high', 'high'))
  t.equal(queue.depth(), 8)
  t.equal(queue.waiting('p'), 8)
  limiter.free(8)
  queue.notify()
  await Promise.all(admitted)
  t.same(limiter.taken, ['high', 'a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'low'])
  t.equal(queue.depth(), 0)
})

t.test('full, too long a wait, a wait that runs out and a client that leaves: each a clear refusal', async (t) => {
  const limiter = slotLimiter(0)
  const queue = createAdmissionQueue({ maxWaitMs: 50, maxDepth: 1 })
  t.teardown(queue.close)
  const soon: Busy = { busy: true, reason: 'concurrency', freesAt: Date.now() + 20 }
  const late: Busy = { busy: true, reason: 'requests', freesAt: Date.now() + 30_000 }
  await t.rejects(queue.wait({ key: 'a', priority: 'normal' }, [candidate(limiter, 'x')], [late], presence()), { status: 429, code: 'rate_limit_exceeded' }, 'would wait past maxWaitMs')
  const waiting = queue.wait({ key: 'a', priority: 'normal' }, [candidate(limiter, 'x')], [soon], presence())
  await t.rejects(queue.wait({ key: 'b', priority: 'normal' }, [candidate(limiter, 'y')], [soon], presence()), { status: 429, code: 'queue_full' })
  await t.rejects(waiting, { status: 429, code: 'queue_timeout' }, 'no slot came within maxWaitMs')
  const client = presence()
  const leaving = queue.wait({ key: 'a', priority: 'normal' }, [candidate(limiter, 'x')], [soon], client)
  client.leave()
  await t.rejects(leaving, { name: 'GatewayError', kind: 'client_closed' })
  // One that left before it came to the queue is not given a place at all.
  const gone = { ...presence(), gone: true }
  await t.rejects(queue.wait({ key: 'a', priority: 'normal' }, [candidate(limiter, 'x')], [soon], gone), { name: 'GatewayError', kind: 'client_closed' })
  t.equal(queue.depth(), 0)
  t.same(limiter.taken, [], 'nothing was admitted')
})
