import {
  chunkEnvelope,
  openAIWire,
  startOpenAICompatibleSimulator,
  usageOf,
  type ChatCompletionShape
} from '../../src/dev/openai-compatible-simulator.ts'
import type { ProviderSimulator } from '../../src/dev/http-simulator.ts'
import { simulatedModelList } from './simulated-models.ts'

const togetherError = (status: number, message: string) => ({
  id: 'simulated', error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'invalid_request_error', param: null, code: status === 401 ? 'invalid_api_key' : null }
})

/** `logprobs: k` (Together's form of OpenAI's `logprobs` + `top_logprobs`), or undefined when not asked. */
function logprobsAsked (shape: ChatCompletionShape): number | undefined {
  const asked = shape.request.logprobs
  return typeof asked === 'number' && asked > 0 ? asked : undefined
}

/** A stream chunk's alternatives for its token: `top` of them, the token itself first. */
function topLogprobs (piece: string, top: number): Record<string, number> {
  return Object.fromEntries(Array.from({ length: top }, (_, rank) => rank === 0 ? [piece, -0.25] : [`${piece}~${rank}`, -2 * rank]))
}

function finishOf (shape: ChatCompletionShape): string {
  return shape.plan.kind === 'tool' ? 'tool_calls' : 'eos'
}

/** A whole answer's log probabilities: one entry per token (the simulator's tokens are its pieces). */
function answerLogprobs (pieces: readonly string[]) {
  return { tokens: pieces, token_logprobs: pieces.map(() => -0.25), token_ids: pieces.map((_, index) => 1000 + index) }
}

/**
 * Together: `text` beside `delta.content`, `role` and `token_id` on every delta, `tool_calls: null`, finish
 * reason `eos`, and the last chunk carries the last text, the finish reason and usage together.
 */
export function startSimulator (port = 0): Promise<ProviderSimulator> {
  return startOpenAICompatibleSimulator({
    displayName: 'Together AI',
    basePath: '/v1',
    apiKey: 'simulated-together-key-0000',
    toolCallId: (next) => `call_${next(24)}`,
    modelList: simulatedModelList,
    errorBody: togetherError,
    renderJson: (shape) => {
      const openai = openAIWire.renderJson(shape) as { choices: Array<Record<string, unknown> & { message: Record<string, unknown> }> }
      const choice = openai.choices[0] ?? { message: {} }
      delete choice.message.refusal
      delete choice.message.annotations
      return {
        id: shape.id,
        object: 'chat.completion',
        created: shape.created,
        model: shape.model,
        prompt: [],
        choices: [{ ...choice, finish_reason: finishOf(shape), logprobs: logprobsAsked(shape) !== undefined && shape.plan.kind === 'text' ? answerLogprobs(shape.plan.pieces) : null }],
        usage: usageOf(shape.plan)
      }
    },
    renderStream: (shape) => {
      const envelope = chunkEnvelope(shape, '')
      const top = logprobsAsked(shape)
      const chunk = (text: string, extra: Record<string, unknown>, finish: string | null = null, usage: unknown = null) => ({
        ...envelope,
        choices: [{
          index: 0,
          text,
          logprobs: top !== undefined && text !== '' ? -0.25 : null,
          ...(top !== undefined && text !== '' ? { top_logprobs: topLogprobs(text, top) } : {}),
          finish_reason: finish,
          seed: finish === null ? null : 2656524259183638000,
          delta: { token_id: 17, role: 'assistant', content: text, tool_calls: null, ...extra }
        }],
        usage
      })
      if (shape.plan.kind === 'text') {
        const pieces = shape.plan.pieces
        const chunks = pieces.slice(0, -1).map((piece) => chunk(piece, {}))
        chunks.push(chunk(pieces[pieces.length - 1] ?? '', {}, finishOf(shape), usageOf(shape.plan)))
        return chunks
      }
      const chunks = shape.calls.map((call, index) =>
        chunk('', { content: null, tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }] }))
      chunks.push(chunk('', { content: null }, finishOf(shape), usageOf(shape.plan)))
      return chunks
    }
  }, port)
}
