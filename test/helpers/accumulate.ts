import { Readable } from 'node:stream'
import type { ChatChunk } from '../../src/canonical/chat-chunk.ts'
import type { Usage } from '../../src/canonical/usage.ts'
import type { ProviderDefinition } from '../../src/provider/contract.ts'
import { createCallContext } from '../../src/call/call-provider.ts'
import { replayStream } from './replay-stream.ts'

export interface Accumulated {
  text: string
  reasoning: string
  tools: Array<{ index: number, id: string | undefined, name: string | undefined, arguments: string }>
  finishReasons: string[]
  usage: Usage | undefined
  roles: number
  chunks: ChatChunk[]
}

/** Folds canonical chunks the way an OpenAI client would, checking tool-call identity rules on the way. */
export function accumulate (chunks: readonly ChatChunk[]): Accumulated {
  const out: Accumulated = { text: '', reasoning: '', tools: [], finishReasons: [], usage: undefined, roles: 0, chunks: [...chunks] }
  for (const chunk of chunks) {
    if (chunk.usage != null) out.usage = chunk.usage
    for (const choice of chunk.choices) {
      if (choice.delta.role !== undefined) out.roles++
      out.text += choice.delta.content ?? ''
      out.reasoning += choice.delta.reasoning_content ?? ''
      for (const call of choice.delta.tool_calls ?? []) {
        const existing = out.tools.find((tool) => tool.index === call.index)
        if (existing === undefined) {
          out.tools.push({ index: call.index, id: call.id, name: call.function?.name, arguments: call.function?.arguments ?? '' })
        } else {
          if (call.id !== undefined && call.id !== existing.id) throw new Error('changed tool call identity')
          existing.arguments += call.function?.arguments ?? ''
        }
      }
      if (choice.finish_reason !== null) out.finishReasons.push(choice.finish_reason)
    }
  }
  return out
}

/** Replays raw SSE bytes through a provider's stream translator. */
export async function translateFixture (definition: ProviderDefinition, bytes: Buffer, model = 'test-model'): Promise<Accumulated> {
  const ctx = createCallContext(definition.name, model, 'req-test', true)
  return accumulate(await replayStream(definition.createStreamTranslator, Readable.from([bytes]), ctx))
}

export function testContext (provider: string, model = 'test-model', stream = false) {
  return createCallContext(provider, model, 'req-test', stream)
}
