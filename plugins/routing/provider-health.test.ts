import t from 'tap'
import { createProviderHealth, DEFAULT_HEALTH_POLICY, type Transition } from './provider-health.ts'

function setup (overrides: Partial<typeof DEFAULT_HEALTH_POLICY> = {}): { health: ReturnType<typeof createProviderHealth>, transitions: Transition[] } {
  const transitions: Transition[] = []
  const health = createProviderHealth('groq', { ...DEFAULT_HEALTH_POLICY, cooldownMs: 1000, ...overrides }, (transition) => transitions.push(transition))
  return { health, transitions }
}

t.test('five failures in a row open the circuit; after the cool-down one probe goes through', async (t) => {
  const { health, transitions } = setup()
  for (let attempt = 0; attempt < 4; attempt++) {
    t.ok(health.admit(0))
    health.failed(0, 'groq: 503', 503)
  }
  t.equal(health.snapshot(0).circuit, 'closed', 'four failures are not enough')
  t.ok(health.admit(0))
  health.failed(10, 'groq: 503', 503)
  t.equal(health.snapshot(10).circuit, 'open')
  t.notOk(health.admit(500), 'open: skipped')
  t.same(health.unavailable(500), { reason: 'open', until: 1010 })
  t.ok(health.admit(1010), 'the probe')
  t.notOk(health.admit(1011), 'only one probe at a time')
  health.succeeded(1020)
  t.equal(health.snapshot(1020).circuit, 'closed')
  t.ok(health.admit(1021))
  t.same(transitions.map((transition) => `${transition.from}→${transition.to}`), ['closed→open', 'open→half-open', 'half-open→closed'])
  t.match(transitions[0]?.reason, /5 failures in a row/)
})

t.test('a failed probe opens the circuit again for another cool-down', async (t) => {
  const { health } = setup({ consecutiveFailures: 1 })
  health.admit(0)
  health.failed(0, 'boom')
  t.ok(health.admit(1000))
  health.failed(1000, 'boom again')
  t.notOk(health.admit(1500))
  t.equal(health.snapshot(1500).lastError?.message, 'boom again')
  t.ok(health.admit(2000))
})

t.test('a probe that ends without a verdict lets the next probe through', async (t) => {
  const { health } = setup({ consecutiveFailures: 1 })
  health.admit(0)
  health.failed(0, 'boom')
  t.ok(health.admit(1000))
  health.released()
  t.ok(health.admit(1001))
})

t.test('half the recent window failing opens the circuit, once there are enough samples', async (t) => {
  const { health } = setup()
  for (let round = 0; round < 4; round++) {
    health.succeeded(0)
    health.failed(0, 'x')
  }
  t.equal(health.snapshot(0).circuit, 'closed', '4 of 8: too few samples')
  health.succeeded(0)
  health.failed(0, 'x')
  t.equal(health.snapshot(0).circuit, 'open', '5 of 10 failed')
  t.match(health.snapshot(0), { recentFailures: 5, recentSamples: 10 })
})

t.test('the window forgets old outcomes', async (t) => {
  const { health } = setup()
  for (let index = 0; index < 4; index++) health.failed(0, 'x')
  for (let index = 0; index < 20; index++) health.succeeded(0)
  t.match(health.snapshot(0), { recentFailures: 0, recentSamples: 20, consecutiveFailures: 0 })
})

t.test('429 cools the provider down for retry-after, capped, 30 s by default when absent', async (t) => {
  const { health, transitions } = setup({ cooldownMs: 30_000, maxRetryAfterMs: 60_000 })
  health.rateLimited(0, 5, 'slow down')
  t.notOk(health.admit(4999))
  t.same(health.unavailable(4999), { reason: 'cooldown', until: 5000 })
  t.equal(health.snapshot(1000).cooldownUntil, 5000)
  t.ok(health.admit(5000))
  t.equal(health.snapshot(5000).circuit, 'closed', 'a 429 is not a circuit failure')
  health.rateLimited(10_000, undefined, 'slow down')
  t.equal(health.snapshot(10_000).cooldownUntil, 40_000, 'absent: the default cool-down')
  health.rateLimited(50_000, 3600, 'come back in an hour')
  t.equal(health.snapshot(50_000).cooldownUntil, 110_000, 'capped')
  t.same(transitions.map((transition) => transition.to), ['cooldown', 'available', 'cooldown', 'cooldown'], 'one log per transition')
})

t.test('a cooldown or an open circuit seen elsewhere is imposed here, flagged so that it is not told back', async (t) => {
  const { health, transitions } = setup({ cooldownMs: 1_000 })
  health.rateLimited(0, 2, 'slow down')
  t.match(transitions.at(-1), { to: 'cooldown', until: 2000 }, 'a 429 seen here says until when, for the other replicas')
  t.equal(transitions.at(-1)?.imposed, undefined)

  health.impose('cooldown', 1500, 100)
  t.equal(health.snapshot(100).cooldownUntil, 2000, 'a shorter cooldown from elsewhere changes nothing')
  health.impose('cooldown', 3000, 100)
  t.equal(health.snapshot(100).cooldownUntil, 3000, 'a longer one extends it')
  t.match(transitions.at(-1), { to: 'cooldown', until: 3000, imposed: true })
  t.ok(health.admit(3000))

  health.impose('open', 5000, 3000)
  t.notOk(health.admit(4999), 'opened by another replica: skipped here too')
  t.match(transitions.at(-1), { to: 'open', until: 5000, imposed: true })
  t.ok(health.admit(5000), 'and probed here when it elapses')
  health.succeeded(5000)
  t.equal(health.snapshot(5000).circuit, 'closed')
  health.impose('open', 4000, 6000)
  t.equal(health.snapshot(6000).circuit, 'closed', 'a moment already past is ignored')
})
