import t from 'tap'
import { createInFlightRegistry } from '../src/call/client-presence.ts'
import { shuttingDown, type GatewayError } from '../src/canonical/errors.ts'

t.test('entries come and go in any order, and the size follows', async (t) => {
  const registry = createInFlightRegistry()
  const ended: string[] = []
  const entries = ['a', 'b', 'c', 'd'].map((name) => registry.add(() => { ended.push(name) }))
  t.equal(registry.size, 4)
  registry.delete(entries[1]!) // middle
  registry.delete(entries[3]!) // the newest, at the head
  registry.delete(entries[3]!) // twice: a no-op
  t.equal(registry.size, 2)
  registry.endAll(shuttingDown())
  t.same(ended.sort(), ['a', 'c'], 'only the entries still registered are ended')
  registry.delete(entries[0]!) // the oldest, at the tail
  registry.delete(entries[2]!)
  t.equal(registry.size, 0)
  ended.length = 0
  registry.endAll(shuttingDown())
  t.same(ended, [], 'an empty registry ends nothing')
  registry.add(() => { ended.push('e') })
  registry.endAll(shuttingDown())
  t.same(ended, ['e'], 'the registry is usable after emptying')
})

t.test('endAll gives every entry the reason, even when ending one removes others', async (t) => {
  const registry = createInFlightRegistry()
  const reasons: GatewayError[] = []
  const entries: Array<ReturnType<typeof registry.add>> = []
  for (let index = 0; index < 5; index++) {
    entries.push(registry.add((reason) => {
      reasons.push(reason)
      // A request that ends removes itself, as its response's close does; here it also removes its neighbour.
      registry.delete(entries[index]!)
      if (index > 0) registry.delete(entries[index - 1]!)
    }))
  }
  const reason = shuttingDown()
  registry.endAll(reason)
  t.equal(reasons.length, 5, 'each entry registered when endAll began was ended once')
  t.ok(reasons.every((seen) => seen === reason))
  t.equal(registry.size, 0)
})
