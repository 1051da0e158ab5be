import type { ChatChunk, ChunkChoice, ChunkDelta, ToolCallDelta } from '../canonical/chat-chunk.ts'
import type { CallContext } from '../provider/contract.ts'
import type { SseEvent } from '../http/sse.ts'
import type { StreamTranslator } from '../provider/stream-translator.ts'
import { GatewayError, upstreamProtocolError } from '../canonical/errors.ts'
import type { OpenAICompatibleDialect } from './dialect.ts'
import { isWireChunk, type WireChunk, type WireToolCall } from './wire.ts'
import { mapFinishReason, normalizeUsage, splitContent, stringifyArguments } from './normalize.ts'
import { parseOpenAICompatibleError } from './errors.ts'

type WireChoice = NonNullable<WireChunk['choices']>[number]

/**
 * Provider SSE events -> canonical chunks, one upstream event at a time. Repairs what the providers get wrong
 * for OpenAI clients: tool calls without `index`/`type` (Mistral), content + finish + usage in one chunk
 * (Together, Mistral), usage or errors in vendor fields (the dialect's `vendorFields`), `role` on every delta, `reasoning` instead of `reasoning_content`,
 * thinking parts inside `content`. Throws when the provider fails mid-stream or stops early.
 */
export function createOpenAICompatibleStreamTranslator (
  ctx: CallContext,
  emit: (chunk: ChatChunk) => void,
  dialect: OpenAICompatibleDialect
): StreamTranslator {
  const toolIndexes = new Map<string, number>()
  const rolesSeen = new Set<number>()
  let nextToolIndex = 0
  let finished = false
  let envelope: { id: string, created: number, model: string, fingerprint: string | undefined } | undefined

  return { event, end }

  function event (event: SseEvent): boolean {
    if (event.data === '[DONE]') {
      finished = true
      return true
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(event.data)
    } catch {
      throw upstreamProtocolError(ctx.provider, 'the provider sent a stream event that is not JSON')
    }
    if (event.event === 'error' || (typeof parsed === 'object' && parsed !== null && 'error' in parsed && parsed.error != null)) {
      throw midStreamError(parsed, ctx, dialect)
    }
    if (!isWireChunk.Check(parsed)) {
      throw upstreamProtocolError(ctx.provider, 'the provider sent a stream chunk of an unexpected shape')
    }
    const wire = parsed
    const vendor = dialect.vendorFields?.(wire)
    if (vendor?.error !== undefined) throw midStreamError({ error: { message: vendor.error } }, ctx, dialect)
    envelope ??= { id: wire.id ?? ctx.newId('chatcmpl-'), created: wire.created ?? ctx.now(), model: wire.model ?? ctx.model, fingerprint: wire.system_fingerprint ?? undefined }

    const deltas: ChunkChoice[] = []
    const finishes: ChunkChoice[] = []
    const choices = wire.choices ?? []
    for (let position = 0; position < choices.length; position++) {
      const choice = choices[position] as WireChoice
      const index = choice.index ?? position
      const delta = toDelta(choice, index)
      // The delta's text is its content as split from any thinking parts; an empty one it leaves out.
      const logprobs = dialect.logprobs === undefined ? choice.logprobs : dialect.logprobs.chunk(choice, delta?.content ?? '')
      // A chunk that carries log probabilities is news even when its text is empty.
      if (logprobs != null) deltas.push({ index, delta: delta ?? {}, logprobs, finish_reason: null })
      else if (delta !== undefined) deltas.push({ index, delta, finish_reason: null })
      if (choice.finish_reason != null) {
        const reason = mapFinishReason(choice.finish_reason, dialect, ctx)
        if (reason === 'error') {
          throw new GatewayError('upstream_error', 502, `${dialect.displayName}: the provider stopped generating with an error`, { provider: ctx.provider })
        }
        finishes.push({ index, delta: {}, finish_reason: reason })
        finished = true
      }
    }
    if (deltas.length > 0) emit(chunkOf(deltas))
    if (finishes.length > 0) emit(chunkOf(finishes))
    const usage = wire.usage ?? vendor?.usage
    if (usage != null) emit({ ...chunkOf([]), usage: normalizeUsage(usage) })
    return false
  }

  function end (): void {
    if (!finished) throw upstreamProtocolError(ctx.provider, 'the provider closed the stream before it finished')
  }

  function chunkOf (choices: ChunkChoice[]): ChatChunk {
    const { id, created, model, fingerprint } = envelope ?? { id: ctx.newId('chatcmpl-'), created: ctx.now(), model: ctx.model, fingerprint: undefined }
    const chunk: ChatChunk = { id, object: 'chat.completion.chunk', created, model, choices }
    if (fingerprint !== undefined) chunk.system_fingerprint = fingerprint
    return chunk
  }

  function toDelta (choice: WireChoice, choiceIndex: number): ChunkDelta | undefined {
    const wire = choice.delta
    if (wire === undefined) return undefined
    const delta: ChunkDelta = {}
    let meaningful = false
    // Together repeats `role` on every delta; only the first one is news.
    const isFirst = wire.role === 'assistant' && !rolesSeen.has(choiceIndex)
    if (isFirst) {
      rolesSeen.add(choiceIndex)
      delta.role = 'assistant'
    }
    const { text, thinking } = splitContent(wire.content)
    if (text !== undefined && (text !== '' || isFirst)) {
      delta.content = text
      meaningful = true
    }
    const reasoning = wire.reasoning_content ?? wire.reasoning ?? thinking
    if (typeof reasoning === 'string' && reasoning !== '') {
      delta.reasoning_content = reasoning
      meaningful = true
    }
    if (typeof wire.refusal === 'string') {
      delta.refusal = wire.refusal
      meaningful = true
    }
    if (wire.tool_calls != null && wire.tool_calls.length > 0) {
      delta.tool_calls = wire.tool_calls.map((call, position) => toToolCallDelta(call, choiceIndex, position))
      meaningful = true
    }
    return meaningful || delta.role !== undefined ? delta : undefined
  }

  function toToolCallDelta (call: WireToolCall, choiceIndex: number, position: number): ToolCallDelta {
    // Providers that omit `index` send each call whole; number them in order of first appearance by id.
    let index = call.index
    if (index === undefined) {
      const key = `${choiceIndex}:${call.id ?? `#${position}`}`
      index = toolIndexes.get(key)
      if (index === undefined) {
        index = nextToolIndex++
        toolIndexes.set(key, index)
      }
    }
    const out: ToolCallDelta = { index }
    if (call.id != null) {
      out.id = call.id
      out.type = 'function'
    }
    const name = call.function?.name
    const args = call.function?.arguments
    if (call.function !== undefined) {
      out.function = {}
      if (name != null) out.function.name = name
      if (args !== undefined && args !== null) out.function.arguments = stringifyArguments(args)
      else if (name != null) out.function.arguments = ''
    }
    return out
  }
}

function midStreamError (parsed: unknown, ctx: CallContext, dialect: OpenAICompatibleDialect): GatewayError {
  const mapped = parseOpenAICompatibleError(502, parsed, undefined, ctx.provider, dialect)
  return new GatewayError('upstream_error', 502, mapped.message, { provider: ctx.provider, code: mapped.code })
}
