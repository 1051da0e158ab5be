import type { IncomingMessage } from 'node:http'
import { startHttpSimulator, type ProviderSimulator, type SimulatorReply } from '../../src/dev/http-simulator.ts'
import { createIdSequence, planReply, type ReplyPlan, type SimulatedConversation } from '../../src/dev/reply-plan.ts'
import { encodeSseEvent } from '../../src/http/sse.ts'
import { simulatedModelPage } from './simulated-models.ts'

// Cohere's v2 chat API as the wire notes describe it: Bearer key, snake_case fields, typed SSE events with the
// tool call as one object, no [DONE], usage in billed units and raw tokens, `{message}` errors, and the
// ranges it enforces (p 0.01–0.99, penalties 0–1, tool_choice REQUIRED/NONE only).

const API_KEY = 'simulated-cohere-key-0000'

interface Message { role?: string, content?: unknown, tool_calls?: Array<{ id?: string, function?: { name?: string, arguments?: unknown } }>, tool_call_id?: string }

export function errorBody (_status: number, message: string): unknown {
  return { id: 'simulated-error', message }
}

export function startSimulator (port = 0): Promise<ProviderSimulator> {
  const nextId = createIdSequence()
  return startHttpSimulator({
    basePath: '/v2',
    otherPaths: ['/v1/models'],
    apiKey: API_KEY,
    readKey: (request: IncomingMessage) => {
      const header = request.headers.authorization
      return header?.startsWith('Bearer ') === true ? header.slice(7) : undefined
    },
    errorBody,
    unauthorized: { status: 401, body: { id: 'simulated-error', message: 'invalid api token' } },
    handle ({ request, script }) {
      const url = new URL(request.path, 'http://simulator')
      if (request.method === 'GET' && url.pathname === '/v1/models') return { json: simulatedModelPage(url.searchParams) }
      if (request.method !== 'POST' || request.path !== '/chat') return { status: 404, json: errorBody(404, `Unknown route ${request.method} ${request.path}`) }
      const body = request.body as Record<string, unknown>
      const rejected = validate(body)
      if (rejected !== undefined) return rejected
      const plan = planReply(readConversation(body), script, 'Cohere')
      const shape = { id: `${nextId(8)}-${nextId(4)}-${nextId(4)}-${nextId(12)}`, plan, toolIds: plan.kind === 'tool' ? plan.calls.map((call) => `${call.name}_${nextId(12).toLowerCase()}`) : [], logprobs: body.logprobs === true }
      if (body.stream === true) return { headers: { 'content-type': 'text/event-stream' }, events: renderStream(shape) }
      return { json: renderResponse(shape) }
    }
  }, port)
}

function invalid (message: string): SimulatorReply {
  return { status: 400, json: errorBody(400, message) }
}

function validate (body: Record<string, unknown>): SimulatorReply | undefined {
  if (typeof body.model !== 'string') return invalid('invalid request: model must be specified')
  const messages = body.messages as Message[] | undefined
  if (!Array.isArray(messages) || messages.length === 0) return invalid('invalid request: messages must be specified')
  if (typeof body.p === 'number' && (body.p < 0.01 || body.p > 0.99)) return invalid('invalid request: p must be between 0.01 and 0.99')
  if (body.k !== undefined && (!Number.isInteger(body.k) || (body.k as number) < 0 || (body.k as number) > 500)) return invalid('invalid request: k must be an integer between 0 and 500')
  for (const field of ['frequency_penalty', 'presence_penalty']) {
    const value = body[field]
    if (typeof value === 'number' && (value < 0 || value > 1)) return invalid(`invalid request: ${field} must be between 0 and 1`)
  }
  if (body.tool_choice !== undefined && body.tool_choice !== 'REQUIRED' && body.tool_choice !== 'NONE') return invalid('invalid request: tool_choice must be REQUIRED or NONE')
  const calls = new Set<string>()
  for (const message of messages) {
    if (!['system', 'user', 'assistant', 'tool'].includes(message.role ?? '')) return invalid(`invalid request: role must be one of system, user, assistant, tool`)
    for (const call of message.tool_calls ?? []) {
      if (typeof call.function?.arguments !== 'string') return invalid('invalid request: tool call arguments must be a JSON string')
      calls.add(call.id ?? '')
    }
    if (message.role === 'tool' && !calls.has(message.tool_call_id ?? '')) return invalid(`invalid request: tool_call_id ${message.tool_call_id ?? ''} does not match any tool call`)
  }
  return undefined
}

function textOf (content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) return content.map((part: { type?: string, text?: string }) => part.type === 'text' ? part.text ?? '' : '').join('')
  return ''
}

function readConversation (body: Record<string, unknown>): SimulatedConversation {
  const messages = body.messages as Message[]
  const last = messages[messages.length - 1]
  const tools = ((body.tools as Array<{ function: { name: string, parameters?: Record<string, unknown> } }> | undefined) ?? []).map((tool) => ({ name: tool.function.name, parameters: tool.function.parameters }))
  return {
    lastRole: last?.role === 'tool' ? 'tool' : last?.role === 'assistant' ? 'assistant' : 'user',
    lastText: textOf(last?.content),
    promptChars: messages.reduce((sum, message) => sum + textOf(message.content).length, 0),
    tools,
    toolChoice: body.tool_choice === 'REQUIRED' ? 'required' : body.tool_choice === 'NONE' ? 'none' : 'auto'
  }
}

interface Shape { id: string, plan: ReplyPlan, toolIds: string[], logprobs: boolean }

function usageOf (plan: ReplyPlan): Record<string, unknown> {
  // Raw tokens include Cohere's chat template, so they run well above the billed units.
  return { billed_units: { input_tokens: plan.usage.prompt, output_tokens: plan.usage.completion }, tokens: { input_tokens: plan.usage.prompt + 64, output_tokens: plan.usage.completion + 2 } }
}

/** With `logprobs: true`, each text chunk's tokens' log probabilities (the SDK's LogprobItem): two tokens each. */
function logprobItem (piece: string, position: number): Record<string, unknown> {
  return { text: piece, token_ids: [2 * position + 1000, 2 * position + 1001], logprobs: [-0.125, -0.125] }
}

function renderResponse (shape: Shape): unknown {
  const message = shape.plan.kind === 'text'
    ? { role: 'assistant', content: [{ type: 'text', text: shape.plan.text }] }
    : { role: 'assistant', tool_plan: 'I will call the tool.', tool_calls: shape.plan.calls.map((call, index) => ({ id: shape.toolIds[index], type: 'function', function: { name: call.name, arguments: call.arguments } })) }
  const logprobs = shape.logprobs && shape.plan.kind === 'text' ? { logprobs: shape.plan.pieces.map(logprobItem) } : {}
  return { id: shape.id, message, finish_reason: shape.plan.kind === 'tool' ? 'TOOL_CALL' : 'COMPLETE', usage: usageOf(shape.plan), ...logprobs }
}

function renderStream (shape: Shape): string[] {
  const event = (type: string, data: Record<string, unknown>): string => encodeSseEvent(JSON.stringify({ type, ...data }), type)
  const events = [encodeSseEvent(JSON.stringify({ id: shape.id, type: 'message-start', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } }), 'message-start')]
  if (shape.plan.kind === 'text') {
    events.push(event('content-start', { index: 0, delta: { message: { content: { type: 'text', text: '' } } } }))
    shape.plan.pieces.forEach((piece, position) => {
      events.push(event('content-delta', { index: 0, delta: { message: { content: { text: piece } } }, ...(shape.logprobs ? { logprobs: logprobItem(piece, position) } : {}) }))
    })
    events.push(event('content-end', { index: 0 }))
  } else {
    events.push(event('tool-plan-delta', { delta: { message: { tool_plan: 'I will call the tool.' } } }))
    shape.plan.calls.forEach((call, index) => {
      events.push(event('tool-call-start', { index, delta: { message: { tool_calls: { id: shape.toolIds[index], type: 'function', function: { name: call.name, arguments: '' } } } } }))
      if (call.arguments !== '{}') events.push(event('tool-call-delta', { index, delta: { message: { tool_calls: { function: { arguments: call.arguments } } } } }))
      events.push(event('tool-call-end', { index }))
    })
  }
  events.push(event('message-end', { delta: { finish_reason: shape.plan.kind === 'tool' ? 'TOOL_CALL' : 'COMPLETE', usage: usageOf(shape.plan) } }))
  // The recordings end with [DONE] after message-end, whatever the wire notes say (fixtures/README.md).
  events.push('data: [DONE]\n\n')
  return events
}
