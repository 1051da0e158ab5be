import {
  chunkEnvelope,
  finishReasonOf,
  openAIWire,
  startOpenAICompatibleSimulator,
  usageOf,
  type ChatCompletionShape
} from '../../src/dev/openai-compatible-simulator.ts'
import type { ProviderSimulator, SimulatorReply } from '../../src/dev/http-simulator.ts'
import { simulatedModelList } from './simulated-models.ts'

const ACCEPTED_FIELDS = new Set([
  'model', 'messages', 'stream', 'stream_options', 'temperature', 'top_p', 'max_tokens', 'max_completion_tokens',
  'stop', 'seed', 'n', 'tools', 'tool_choice', 'parallel_tool_calls', 'response_format', 'user', 'service_tier',
  'reasoning_effort', 'reasoning_format', 'include_reasoning', 'search_settings', 'compound_custom'
])
const MESSAGE_FIELDS = new Set(['role', 'content', 'name', 'tool_calls', 'tool_call_id', 'reasoning'])

const groqError = (status: number, message: string) => ({
  error: { message, type: status === 429 ? 'tokens' : 'invalid_request_error', ...(status === 429 ? { code: 'rate_limit_exceeded' } : {}) }
})

function rejects (body: Record<string, unknown>): SimulatorReply | undefined {
  const unknown = Object.keys(body).find((key) => !ACCEPTED_FIELDS.has(key))
  if (unknown !== undefined) return { status: 400, json: groqError(400, `property '${unknown}' is unsupported`) }
  if (typeof body.n === 'number' && body.n !== 1) return { status: 400, json: groqError(400, "'n' : number must be at most 1") }
  for (const [position, message] of (body.messages as Array<Record<string, unknown>>).entries()) {
    const extra = Object.keys(message).find((key) => !MESSAGE_FIELDS.has(key))
    if (extra !== undefined) {
      return { status: 400, json: groqError(400, `'messages.${position}' : for 'role:${String(message.role)}' the following must be satisfied[('messages.${position}' : property '${extra}' is unsupported)]`) }
    }
  }
  return undefined
}

function groqUsage (shape: ChatCompletionShape) {
  return { queue_time: 0.01, ...usageOf(shape.plan), prompt_time: 0.002, completion_time: 0.02, total_time: 0.022 }
}

/** Groq: short tool ids, timings in usage, `x_groq` on the first and finish chunks, usage always streamed. */
export function startSimulator (port = 0): Promise<ProviderSimulator> {
  return startOpenAICompatibleSimulator({
    displayName: 'Groq',
    basePath: '/openai/v1',
    apiKey: 'gsk_simulated_groq_key_0000',
    toolCallId: (next) => next(9).toLowerCase(),
    modelList: simulatedModelList,
    rejects,
    errorBody: groqError,
    renderJson: (shape) => {
      const openai = openAIWire.renderJson(shape) as { choices: Array<{ message: Record<string, unknown> }> }
      const message = openai.choices[0]?.message ?? {}
      delete message.refusal
      delete message.annotations
      return { ...openai, usage: groqUsage(shape), x_groq: { id: `req_${shape.id}` }, service_tier: 'on_demand' }
    },
    renderStream: (shape) => {
      const envelope = { ...chunkEnvelope(shape), system_fingerprint: 'fp_simulator' }
      const choice = (delta: Record<string, unknown>, finish: string | null = null) =>
        ({ ...envelope, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })
      const chunks: unknown[] = [{ ...choice({ role: 'assistant', content: shape.plan.kind === 'text' ? '' : null }), x_groq: { id: `req_${shape.id}` } }]
      if (shape.plan.kind === 'text') for (const piece of shape.plan.pieces) chunks.push(choice({ content: piece }))
      for (const [index, call] of shape.calls.entries()) {
        chunks.push(choice({ tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments }, index }] }))
      }
      const usage = groqUsage(shape)
      chunks.push({ ...choice({}, finishReasonOf(shape.plan)), x_groq: { id: `req_${shape.id}`, usage }, usage })
      return chunks
    }
  }, port)
}
