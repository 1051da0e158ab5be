import { assistantMessage, type ChatResponse } from '../../src/canonical/chat-response.ts'
import type { CallContext } from '../../src/provider/contract.ts'
import { upstreamProtocolError } from '../../src/canonical/errors.ts'
import { isWireResponse, type WireCandidate } from './wire.ts'
import { mapFinishReason, readParts, toLogprobs, toUsage } from './normalize.ts'

/** Gemini GenerateContentResponse -> canonical response (wire notes §8). */
export function fromGeminiResponse (body: unknown, ctx: CallContext): ChatResponse {
  if (!isWireResponse.Check(body)) {
    throw upstreamProtocolError(ctx.provider, 'Gemini answered with a response of an unexpected shape')
  }
  const candidates = body.candidates ?? []
  const choices: ChatResponse['choices'] = candidates.length > 0
    ? candidates.map((candidate, position) => toChoice(candidate, position, ctx))
    // A blocked prompt is a 200 with no candidates: an empty answer, filtered.
    : [{ index: 0, message: { role: 'assistant', content: null, refusal: null }, finish_reason: 'content_filter', logprobs: null }]
  const response: ChatResponse = {
    id: body.responseId === undefined ? ctx.newId('chatcmpl-') : `chatcmpl-${body.responseId}`,
    object: 'chat.completion',
    created: ctx.now(),
    model: body.modelVersion ?? ctx.model,
    choices
  }
  if (body.usageMetadata !== undefined) response.usage = toUsage(body.usageMetadata)
  return response
}

function toChoice (candidate: WireCandidate, position: number, ctx: CallContext): ChatResponse['choices'][number] {
  const { text, reasoning, calls: toolCalls } = readParts(candidate.content?.parts ?? [], ctx)
  const message = assistantMessage(text, toolCalls, reasoning, text === '' && (toolCalls.length > 0 || candidate.finishReason !== 'STOP'))
  return {
    index: candidate.index ?? position,
    message,
    finish_reason: mapFinishReason(candidate.finishReason ?? 'STOP', toolCalls.length > 0, ctx),
    logprobs: toLogprobs(candidate.logprobsResult)
  }
}
