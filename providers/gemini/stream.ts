import type { ChatChunk, ChunkChoice, ChunkDelta, ToolCallDelta } from '../../src/canonical/chat-chunk.ts'
import type { Usage } from '../../src/canonical/usage.ts'
import type { CallContext } from '../../src/provider/contract.ts'
import type { SseEvent } from '../../src/http/sse.ts'
import type { StreamTranslator } from '../../src/provider/stream-translator.ts'
import { upstreamProtocolError } from '../../src/canonical/errors.ts'
import { isWireResponse } from './wire.ts'
import { mapFinishReason, readParts, toLogprobs, toUsage } from './normalize.ts'
import { parseGeminiError } from './errors.ts'

/**
 * Gemini `?alt=sse` events -> canonical chunks, one event at a time (wire notes §4). Gemini sends no [DONE]:
 * the stream is over when the body ends. Usage is cumulative and repeated, so only the last one counts, and it
 * goes out once, after the last choice chunk. A function call arrives whole and leaves as one tool-call delta.
 */
export function createGeminiStreamTranslator (ctx: CallContext, emit: (chunk: ChatChunk) => void): StreamTranslator {
  let envelope: { id: string, created: number, model: string } | undefined
  let usage: Usage | undefined
  let finished = false
  const started = new Set<number>()
  const toolCounts = new Map<number, number>()

  return { event, end }

  function event (event: SseEvent): boolean {
    let parsed: unknown
    try {
      parsed = JSON.parse(event.data)
    } catch {
      throw upstreamProtocolError(ctx.provider, 'Gemini sent a stream event that is not JSON')
    }
    const wrapped = Array.isArray(parsed) ? parsed[0] : parsed
    if (typeof wrapped === 'object' && wrapped !== null && 'error' in wrapped) {
      const code = (wrapped as { error?: { code?: unknown } }).error?.code
      throw parseGeminiError(typeof code === 'number' ? code : 500, wrapped, undefined, ctx.provider)
    }
    if (!isWireResponse.Check(parsed)) throw upstreamProtocolError(ctx.provider, 'Gemini sent a stream event of an unexpected shape')
    envelope ??= {
      id: parsed.responseId === undefined ? ctx.newId('chatcmpl-') : `chatcmpl-${parsed.responseId}`,
      created: ctx.now(),
      model: parsed.modelVersion ?? ctx.model
    }
    if (parsed.usageMetadata !== undefined) usage = toUsage(parsed.usageMetadata)

    // The finish goes out in a chunk of its own, after the candidate's last delta, as OpenAI sends it: the SDKs'
    // stream helpers close a tool call's arguments only when a later chunk comes.
    const choices: ChunkChoice[] = []
    const finishes: ChunkChoice[] = []
    const candidates = parsed.candidates ?? []
    if (candidates.length === 0 && parsed.promptFeedback?.blockReason !== undefined) {
      choices.push({ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null })
      finishes.push({ index: 0, delta: {}, finish_reason: 'content_filter' })
      finished = true
    }
    candidates.forEach((candidate, position) => {
      const index = candidate.index ?? position
      const delta: ChunkDelta = {}
      if (!started.has(index)) {
        started.add(index)
        delta.role = 'assistant'
      }
      const { text, reasoning, calls: whole } = readParts(candidate.content?.parts ?? [], ctx)
      // Each call arrives whole, so it leaves as one delta under the candidate's next tool index.
      const calls: ToolCallDelta[] = whole.map((call) => {
        const callIndex = toolCounts.get(index) ?? 0
        toolCounts.set(index, callIndex + 1)
        return { index: callIndex, ...call }
      })
      if (text !== '' || (delta.role !== undefined && calls.length === 0)) delta.content = text
      if (reasoning !== '') delta.reasoning_content = reasoning
      if (calls.length > 0) delta.tool_calls = calls
      const logprobs = toLogprobs(candidate.logprobsResult)
      if (logprobs !== null) choices.push({ index, delta, logprobs, finish_reason: null })
      else if (Object.keys(delta).length > 0) choices.push({ index, delta, finish_reason: null })
      if (candidate.finishReason === undefined) return
      finishes.push({ index, delta: {}, finish_reason: mapFinishReason(candidate.finishReason, (toolCounts.get(index) ?? 0) > 0, ctx) })
      finished = true
    })
    if (choices.length > 0) emit({ ...envelope, object: 'chat.completion.chunk', choices })
    if (finishes.length > 0) emit({ ...envelope, object: 'chat.completion.chunk', choices: finishes })
    return false
  }

  function end (): void {
    if (!finished) throw upstreamProtocolError(ctx.provider, 'the Gemini stream ended before a finish reason')
    if (usage !== undefined && envelope !== undefined) emit({ ...envelope, object: 'chat.completion.chunk', choices: [], usage })
  }
}
