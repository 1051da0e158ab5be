import type { IncomingMessage } from 'node:http'
import { startHttpSimulator, type ProviderSimulator, type SimulatorReply } from '../../src/dev/http-simulator.ts'
import { createIdSequence, planReply, type ReplyPlan, type SimulatedConversation } from '../../src/dev/reply-plan.ts'
import { encodeSseEvent } from '../../src/http/sse.ts'
import { simulatedModelPage } from './simulated-models.ts'

// Anthropic's Messages API as the wire notes describe it: key in x-api-key (or Bearer), anthropic-version
// required, max_tokens required, named SSE events with pings, and the refusals gateways trip on: empty text
// blocks, tool_use ids outside ^[a-zA-Z0-9_-]+$, a tool_use without its tool_result in the next user turn,
// temperature above 1.

const API_KEY = 'sk-ant-simulated-anthropic-key-0000'

type Block = Record<string, unknown> & { type?: string, text?: string, id?: string, tool_use_id?: string, content?: unknown }
interface Message { role?: string, content?: string | Block[] }

export function errorBody (status: number, message: string): unknown {
  const types: Record<number, string> = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 413: 'request_too_large', 429: 'rate_limit_error', 500: 'api_error', 504: 'timeout_error', 529: 'overloaded_error' }
  return { type: 'error', error: { type: types[status] ?? 'api_error', message }, request_id: 'req_simulated' }
}

/** Whole seconds, rounded up so that the reset is never before the count is whole again. */
function rfc3339Seconds (epochMs: number): string {
  return new Date(Math.ceil(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

export function startSimulator (port = 0): Promise<ProviderSimulator> {
  const nextId = createIdSequence()
  return startHttpSimulator({
    basePath: '/v1',
    apiKey: API_KEY,
    readKey: (request: IncomingMessage) => {
      const key = request.headers['x-api-key']
      if (typeof key === 'string') return key
      const bearer = request.headers.authorization
      return bearer?.startsWith('Bearer ') === true ? bearer.slice(7) : undefined
    },
    errorBody,
    streamErrorEvent: (body) => encodeSseEvent(JSON.stringify(body), 'error'),
    // Per-minute limits; a reset is the RFC 3339 moment the count is whole again.
    rateLimitHeaders: ({ requests, tokens, now }) => ({
      'anthropic-ratelimit-requests-limit': String(requests.limit),
      'anthropic-ratelimit-requests-remaining': String(requests.remaining),
      'anthropic-ratelimit-requests-reset': rfc3339Seconds(now + requests.resetMs),
      'anthropic-ratelimit-tokens-limit': String(tokens.limit),
      'anthropic-ratelimit-tokens-remaining': String(tokens.remaining),
      'anthropic-ratelimit-tokens-reset': rfc3339Seconds(now + tokens.resetMs)
    }),
    handle ({ request, script }) {
      if (request.method === 'GET' && request.path.startsWith('/models')) {
        return { json: simulatedModelPage(new URL(request.path, 'http://simulator').searchParams) }
      }
      if (request.method === 'POST' && request.path === '/messages/count_tokens') {
        const body = request.body as Record<string, unknown>
        return { json: { input_tokens: Math.max(1, Math.ceil(readConversation(body).promptChars / 4)) } }
      }
      if (request.method !== 'POST' || request.path !== '/messages') return { status: 404, json: errorBody(404, `Unknown route ${request.method} ${request.path}`) }
      if (request.headers['anthropic-version'] === undefined) return invalid('anthropic-version: header is required')
      const body = request.body as Record<string, unknown>
      // The 2026-10-21 API version refuses sampling parameters outright (wire notes §1).
      const sampling = ['temperature', 'top_p', 'top_k'].find((field) => body[field] !== undefined)
      if (request.headers['anthropic-version'] === '2026-10-21' && sampling !== undefined) return invalid(`${sampling}: Extra inputs are not permitted`)
      const rejected = validate(body)
      if (rejected !== undefined) return rejected
      const plan = planReply(readConversation(body), script, 'Anthropic')
      const shape = { id: `msg_${nextId(24)}`, model: String(body.model), plan, toolIds: plan.kind === 'tool' ? plan.calls.map(() => `toolu_${nextId(24)}`) : [] }
      if (body.stream === true) return { headers: { 'content-type': 'text/event-stream' }, events: renderStream(shape) }
      return { json: renderMessage(shape) }
    }
  }, port)
}

function invalid (message: string): SimulatorReply {
  return { status: 400, json: errorBody(400, message) }
}

function blocksOf (message: Message | undefined): Block[] {
  const content = message?.content
  if (typeof content === 'string') return [{ type: 'text', text: content }]
  return Array.isArray(content) ? content : []
}

/** Wire notes §5, §6: the budget's bounds, sampling with thinking on, and the models that take adaptive only. */
function validateThinking (body: Record<string, unknown>): SimulatorReply | undefined {
  const thinking = body.thinking as { type?: string, budget_tokens?: unknown } | undefined
  const effort = (body.output_config as { effort?: unknown } | undefined)?.effort
  if (effort !== undefined && !['low', 'medium', 'high', 'xhigh', 'max'].includes(String(effort))) {
    return invalid(`output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'`)
  }
  if (thinking?.type !== 'enabled') return undefined
  if (/^claude-(opus-(4-[7-9]|[5-9])|sonnet-[5-9]|fable)/.test(String(body.model))) {
    return invalid('thinking.type.enabled is not supported for this model. Use thinking.type.adaptive and output_config.effort to control thinking behavior.')
  }
  const budget = thinking.budget_tokens
  if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 1024) return invalid('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024')
  if (typeof body.max_tokens === 'number' && body.max_tokens <= budget) return invalid('`max_tokens` must be greater than `thinking.budget_tokens`.')
  if (body.temperature !== undefined && body.temperature !== 1) return invalid('`temperature` may only be set to 1 when thinking is enabled.')
  return undefined
}

function validate (body: Record<string, unknown>): SimulatorReply | undefined {
  if (typeof body.max_tokens !== 'number') return invalid('max_tokens: Field required')
  const rejectedThinking = validateThinking(body)
  if (rejectedThinking !== undefined) return rejectedThinking
  if (typeof body.temperature === 'number' && body.temperature > 1) return invalid('temperature: Input should be less than or equal to 1')
  const messages = body.messages
  if (!Array.isArray(messages) || messages.length === 0) return invalid('messages: Field required')
  for (const [index, message] of (messages as Message[]).entries()) {
    if (message.role !== 'user' && message.role !== 'assistant') return invalid(`messages.${index}.role: Input should be 'user' or 'assistant'`)
    for (const block of blocksOf(message)) {
      if (block.type === 'text' && (block.text ?? '').trim() === '') return invalid(`messages.${index}: text content blocks must contain non-whitespace text`)
      if (block.type === 'tool_use' && !/^[a-zA-Z0-9_-]+$/.test(block.id ?? '')) return invalid(`messages.${index}.content.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'`)
    }
    const uses = blocksOf(message).filter((block) => block.type === 'tool_use').map((block) => block.id)
    if (uses.length > 0) {
      const results = new Set(blocksOf((messages as Message[])[index + 1]).filter((block) => block.type === 'tool_result').map((block) => block.tool_use_id))
      const missing = uses.filter((id) => !results.has(id))
      if (missing.length > 0) return invalid(`messages.${index + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`)
    }
  }
  return undefined
}

function textOf (blocks: Block[]): string {
  return blocks.map((block) => block.type === 'text' ? block.text ?? '' : '').join('')
}

function readConversation (body: Record<string, unknown>): SimulatedConversation {
  const messages = body.messages as Message[]
  const last = blocksOf(messages[messages.length - 1])
  const result = last.find((block) => block.type === 'tool_result')
  const tools = ((body.tools as Array<{ name: string, input_schema?: Record<string, unknown> }> | undefined) ?? []).map((tool) => ({ name: tool.name, parameters: tool.input_schema }))
  const choice = body.tool_choice as { type?: string, name?: string } | undefined
  const toolChoice: SimulatedConversation['toolChoice'] = choice?.type === 'tool' && choice.name !== undefined ? { name: choice.name } : choice?.type === 'any' ? 'required' : choice?.type === 'none' ? 'none' : 'auto'
  const system = typeof body.system === 'string' ? body.system : textOf((body.system as Block[] | undefined) ?? [])
  const lastText = textOf(last)
  return {
    lastRole: result !== undefined && lastText === '' ? 'tool' : messages[messages.length - 1]?.role === 'assistant' ? 'assistant' : 'user',
    lastText: result !== undefined && lastText === '' ? (typeof result.content === 'string' ? result.content : JSON.stringify(result.content)) : lastText,
    promptChars: system.length + messages.reduce((sum, message) => sum + textOf(blocksOf(message)).length, 0),
    tools,
    toolChoice
  }
}

interface Shape { id: string, model: string, plan: ReplyPlan, toolIds: string[] }

function usageOf (plan: ReplyPlan, output: number): Record<string, number> {
  return { input_tokens: plan.usage.prompt - plan.usage.cached, cache_creation_input_tokens: 0, cache_read_input_tokens: plan.usage.cached, output_tokens: output }
}

function renderMessage (shape: Shape): unknown {
  const content = shape.plan.kind === 'text'
    ? [{ type: 'text', text: shape.plan.text }]
    : shape.plan.calls.map((call, index) => ({ type: 'tool_use', id: shape.toolIds[index], name: call.name, input: JSON.parse(call.arguments) as unknown }))
  return {
    id: shape.id,
    type: 'message',
    role: 'assistant',
    model: shape.model,
    content,
    stop_reason: shape.plan.kind === 'tool' ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: usageOf(shape.plan, shape.plan.usage.completion)
  }
}

function renderStream (shape: Shape): string[] {
  const event = (name: string, data: Record<string, unknown>): string => encodeSseEvent(JSON.stringify({ type: name, ...data }), name)
  const events = [event('message_start', { message: { id: shape.id, type: 'message', role: 'assistant', model: shape.model, content: [], stop_reason: null, stop_sequence: null, usage: usageOf(shape.plan, 1) } })]
  if (shape.plan.kind === 'text') {
    events.push(event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }), 'event: ping\ndata: {"type": "ping"}\n\n')
    for (const piece of shape.plan.pieces) events.push(event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } }))
    events.push(event('content_block_stop', { index: 0 }))
  } else {
    shape.plan.calls.forEach((call, index) => {
      const half = Math.ceil(call.arguments.length / 2)
      events.push(event('content_block_start', { index, content_block: { type: 'tool_use', id: shape.toolIds[index], name: call.name, input: {} } }))
      // As recorded: the API pings once, after the first block starts, tool streams included.
      if (index === 0) events.push('event: ping\ndata: {"type": "ping"}\n\n')
      events.push(
        event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } }),
        event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: call.arguments.slice(0, half) } }),
        event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: call.arguments.slice(half) } }),
        event('content_block_stop', { index })
      )
    })
  }
  events.push(
    event('message_delta', { delta: { stop_reason: shape.plan.kind === 'tool' ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: shape.plan.usage.completion } }),
    event('message_stop', {})
  )
  return events
}
