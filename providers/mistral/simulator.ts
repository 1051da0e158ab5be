import {
  chunkEnvelope,
  finishReasonOf,
  startOpenAICompatibleSimulator,
  usageOf
} from '../../src/dev/openai-compatible-simulator.ts'
import type { ProviderSimulator, SimulatorReply } from '../../src/dev/http-simulator.ts'
import { simulatedModelList } from './simulated-models.ts'

const ACCEPTED_FIELDS = new Set([
  'model', 'messages', 'temperature', 'top_p', 'max_tokens', 'stream', 'stop', 'random_seed', 'response_format',
  'tools', 'tool_choice', 'presence_penalty', 'frequency_penalty', 'n', 'prediction', 'parallel_tool_calls',
  'reasoning_effort', 'prompt_mode', 'guardrails', 'prompt_cache_key', 'metadata', 'safe_prompt'
])
const MESSAGE_FIELDS = new Set(['role', 'content', 'name', 'tool_calls', 'tool_call_id', 'prefix'])
const TOOL_CALL_ID = /^[a-zA-Z0-9]{9}$/

const mistralError = (status: number, message: string) => status === 401
  ? { message: 'No API key found in request', request_id: 'simulated' }
  : { object: 'error', message, type: status === 429 ? 'rate_limited' : 'invalid_request_error', param: null, code: null }

function extraForbidden (location: Array<string | number>, input: unknown): SimulatorReply {
  return { status: 422, json: { detail: [{ type: 'extra_forbidden', loc: ['body', ...location], msg: 'Extra inputs are not permitted', input }] } }
}

function rejects (body: Record<string, unknown>): SimulatorReply | undefined {
  const unknown = Object.keys(body).find((key) => !ACCEPTED_FIELDS.has(key))
  if (unknown !== undefined) return extraForbidden([unknown], body[unknown])
  for (const [position, message] of (body.messages as Array<Record<string, unknown>>).entries()) {
    const extra = Object.keys(message).find((key) => !MESSAGE_FIELDS.has(key))
    if (extra !== undefined) return extraForbidden(['messages', position, extra], message[extra])
    const ids = [
      ...(Array.isArray(message.tool_calls) ? (message.tool_calls as Array<{ id?: string }>).map((call) => call.id) : []),
      ...(message.tool_call_id === undefined ? [] : [message.tool_call_id as string])
    ]
    const bad = ids.find((id) => typeof id !== 'string' || !TOOL_CALL_ID.test(id))
    if (bad !== undefined) {
      return { status: 400, json: mistralError(400, `Tool call id was ${String(bad)} but must be a-z, A-Z, 0-9, with a length of 9.`) }
    }
  }
  return undefined
}

/**
 * Mistral: 9-character tool ids, whole tool calls without `index` or `type`, the finish reason and usage on
 * the last content chunk, a random-length `p` padding field, and strict request validation (422).
 */
export function startSimulator (port = 0): Promise<ProviderSimulator> {
  return startOpenAICompatibleSimulator({
    displayName: 'Mistral',
    basePath: '/v1',
    apiKey: 'simulated-mistral-key-0000',
    toolCallId: (next) => next(9),
    modelList: simulatedModelList,
    rejects,
    errorBody: mistralError,
    // Per-minute limits and what is left of them; Mistral sends no reset time.
    rateLimitHeaders: ({ requests, tokens }) => ({
      'x-ratelimit-limit-req-minute': String(requests.limit),
      'x-ratelimit-remaining-req-minute': String(requests.remaining),
      'x-ratelimit-limit-tokens-minute': String(tokens.limit),
      'x-ratelimit-remaining-tokens-minute': String(tokens.remaining)
    }),
    renderJson: (shape) => ({
      id: shape.id,
      created: shape.created,
      model: shape.model,
      usage: usageOf(shape.plan),
      object: 'chat.completion',
      choices: [{
        index: 0,
        finish_reason: finishReasonOf(shape.plan),
        message: {
          role: 'assistant',
          tool_calls: shape.calls.length === 0 ? null : shape.calls.map((call) => ({ id: call.id, function: { name: call.name, arguments: call.arguments } })),
          content: shape.plan.kind === 'text' ? shape.plan.text : ''
        }
      }]
    }),
    renderStream: (shape) => {
      const envelope = chunkEnvelope(shape, '')
      const choice = (delta: Record<string, unknown>, finish: string | null = null) =>
        ({ ...envelope, choices: [{ index: 0, delta, finish_reason: finish }] })
      const chunks: unknown[] = [choice({ role: 'assistant', content: '' })]
      if (shape.plan.kind === 'text') {
        for (const [position, piece] of shape.plan.pieces.entries()) chunks.push({ ...choice({ content: piece }), p: 'abcdefghij'.slice(0, 1 + (position % 10)) })
        chunks.push({ ...choice({ content: '' }, 'stop'), usage: usageOf(shape.plan) })
      } else {
        chunks.push({
          ...choice({ content: null, tool_calls: shape.calls.map((call) => ({ id: call.id, function: { name: call.name, arguments: call.arguments } })) }, 'tool_calls'),
          usage: usageOf(shape.plan)
        })
      }
      return chunks
    }
  }, port)
}
