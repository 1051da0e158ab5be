import type { FinishReason } from '../../src/canonical/finish-reason.ts'
import type { Usage } from '../../src/canonical/usage.ts'
import type { ToolCall } from '../../src/canonical/chat-request.ts'
import type { CallContext } from '../../src/provider/contract.ts'
import { tokenLogprob, type ChoiceLogprobs } from '../../src/canonical/logprobs.ts'
import type { WireLogprobsResult, WirePart, WireUsage } from './wire.ts'
import { encodeToolCallId } from './tool-call-id.ts'

// Every documented Gemini finishReason (wire notes §3). STOP becomes tool_calls when the candidate called a
// function; anything not listed becomes stop.
const FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  LANGUAGE: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  IMAGE_PROHIBITED_CONTENT: 'content_filter',
  IMAGE_RECITATION: 'content_filter',
  MALFORMED_FUNCTION_CALL: 'stop',
  UNEXPECTED_TOOL_CALL: 'stop',
  TOO_MANY_TOOL_CALLS: 'stop',
  NO_IMAGE: 'stop',
  IMAGE_OTHER: 'stop',
  OTHER: 'stop',
  FINISH_REASON_UNSPECIFIED: 'stop'
}

export function mapFinishReason (reason: string, calledFunction: boolean, ctx?: Pick<CallContext, 'notice'>): FinishReason {
  const known = FINISH_REASONS[reason]
  if (known === undefined) ctx?.notice('unknown finish reason, sent as stop', { finishReason: reason })
  const mapped = known ?? 'stop'
  return mapped === 'stop' && calledFunction ? 'tool_calls' : mapped
}

/**
 * Gemini usage in OpenAI's terms: prompt tokens include cached ones (as in OpenAI) and tool-use prompt tokens;
 * completion tokens include thinking tokens, which Gemini bills as output.
 */
export function toUsage (usage: WireUsage): Usage {
  const prompt = (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0)
  const thoughts = usage.thoughtsTokenCount ?? 0
  const completion = (usage.candidatesTokenCount ?? 0) + thoughts
  const out: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: usage.totalTokenCount ?? prompt + completion }
  if (usage.cachedContentTokenCount !== undefined) out.prompt_tokens_details = { cached_tokens: usage.cachedContentTokenCount }
  if (usage.thoughtsTokenCount !== undefined) out.completion_tokens_details = { reasoning_tokens: thoughts }
  return out
}

/** A candidate's parts, sorted: answer text, thought text, and function calls as OpenAI tool calls (ids minted). */
export function readParts (parts: readonly WirePart[], ctx: CallContext): { text: string, reasoning: string, calls: ToolCall[] } {
  let text = ''
  let reasoning = ''
  const calls: ToolCall[] = []
  for (const part of parts) {
    if (part.functionCall !== undefined) {
      calls.push({
        id: encodeToolCallId(part.functionCall.id ?? ctx.newId('call_'), part.thoughtSignature),
        type: 'function',
        function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) }
      })
    } else if (part.text !== undefined) {
      if (part.thought === true) reasoning += part.text
      else text += part.text
    }
  }
  return { text, reasoning, calls }
}

/** Gemini's `logprobsResult` in OpenAI's shape: each chosen token, with that step's top candidates. */
export function toLogprobs (result: WireLogprobsResult | undefined): ChoiceLogprobs | null {
  const chosen = result?.chosenCandidates
  if (chosen === undefined) return null
  return {
    content: chosen.map((candidate, step) => tokenLogprob(
      candidate.token ?? '',
      candidate.logProbability ?? 0,
      (result?.topCandidates?.[step]?.candidates ?? []).map((top) => [top.token ?? '', top.logProbability ?? 0] as const))),
    refusal: null
  }
}
