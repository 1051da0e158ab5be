import t from 'tap'
import fc from 'fast-check'
import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { echoEvents, echoedEvent, replayStream } from './helpers/replay-stream.ts'
import { GatewayError } from '../src/canonical/errors.ts'
import type { ProviderDefinition } from '../src/provider/contract.ts'
import { createCallContext } from '../src/call/call-provider.ts'
import { splitAt } from './helpers/fixtures.ts'
import { definition as openai } from '../providers/openai/definition.ts'
import { definition as groq } from '../providers/groq/definition.ts'
import { definition as together } from '../providers/together/definition.ts'
import { definition as mistral } from '../providers/mistral/definition.ts'
import { definition as gemini } from '../providers/gemini/definition.ts'
import { definition as anthropic } from '../providers/anthropic/definition.ts'
import { definition as cohere } from '../providers/cohere/definition.ts'

// Property: the SSE parser and every stream translator, fed recorded streams cut at arbitrary bytes with junk
// spliced in, either finish or fail with a GatewayError — never a TypeError or another crash past the boundary.

const RUNS = Number(process.env.FUZZ_RUNS ?? 200)
const DEFINITIONS: ProviderDefinition[] = [openai, groq, together, mistral, gemini, anthropic, cohere]

async function recordedStreams (provider: string): Promise<Buffer[]> {
  const folder = fileURLToPath(new URL(`../providers/${provider}/fixtures/`, import.meta.url))
  const names = (await readdir(folder)).filter((name) => name.endsWith('.sse'))
  return await Promise.all(names.map(async (name) => await readFile(`${folder}${name}`)))
}

function eventBoundaries (bytes: Buffer): number[] {
  const text = bytes.toString('latin1')
  const found = [0]
  for (let at = text.indexOf('\n\n'); at >= 0; at = text.indexOf('\n\n', at + 2)) found.push(at + 2)
  return found
}

const junk = fc.oneof(
  fc.constantFrom('data: {"choices": [\n\n', 'data: {}\n\n', 'data: null\n\n', 'data: []\n\n', 'data: "text"\n\n', 'event: error\ndata: {"error":{}}\n\n',
    'data: {"type":"content_block_delta","index":9}\n\n', 'data: {"candidates":[{"content":{"parts":[{"functionCall":{}}]}}]}\n\n', ':\n\n', 'data: [DONE]\n\n', '\r\n\r\n'),
  fc.string().map((text) => `data: ${text.replace(/[\r\n]/g, ' ')}\n\n`),
  fc.string({ unit: 'binary' })
)

for (const definition of DEFINITIONS) {
  t.test(`${definition.name}: recorded streams with junk spliced in and arbitrary cuts`, async (t) => {
    const streams = await recordedStreams(definition.name)
    t.ok(streams.length > 0, 'has recorded streams')
    await fc.assert(fc.asyncProperty(
      fc.nat(streams.length - 1),
      fc.array(fc.tuple(fc.nat(), fc.boolean(), junk), { maxLength: 3 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      async (which, insertions, cuts) => {
        let bytes = streams[which] ?? Buffer.alloc(0)
        for (const [at, onBoundary, text] of insertions) {
          // Junk goes anywhere, or exactly between two events, where it is parsed as an event of its own.
          const boundaries = eventBoundaries(bytes)
          const offset = onBoundary && boundaries.length > 0 ? boundaries[at % boundaries.length] ?? 0 : at % (bytes.length + 1)
          bytes = Buffer.concat([bytes.subarray(0, offset), Buffer.from(text), bytes.subarray(offset)])
        }
        const offsets = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))]
        const ctx = createCallContext(definition.name, 'fuzz-model', 'fuzz', true)
        try {
          await replayStream(definition.createStreamTranslator, splitAt(bytes, offsets), ctx)
          return true
        } catch (error) {
          return error instanceof GatewayError
        }
      }), { numRuns: RUNS })
  })
}

t.test('the SSE parser takes any bytes in any cuts', async (t) => {
  await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 8 }), async (bytes, cuts) => {
    const buffer = Buffer.from(bytes)
    const chunks = await replayStream(echoEvents, splitAt(buffer, [...new Set(cuts.map((cut) => cut % (buffer.length + 1)))]))
    return chunks.every((chunk) => typeof echoedEvent(chunk).data === 'string')
  }), { numRuns: RUNS * 2 })
  t.pass('never threw')
})
