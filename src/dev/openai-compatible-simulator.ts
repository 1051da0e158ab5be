import type { IncomingMessage } from 'node:http'
import { encodeSseEvent } from '../http/sse.ts'
import {
  startHttpSimulator,
  type ProviderSimulator,
  type RateLimitState,
  type SimulatorReply
} from './http-simulator.ts'
import {
  createIdSequence,
  planReply,
  type ReplyPlan,
  type SimulatedConversation,
  type SimulatorScript
} from './reply-plan.ts'

// A simulator for OpenAI-shaped chat APIs. It speaks OpenAI's wire format by default; each provider's
// simulator overrides the hooks where its real API differs (see the shared wire notes).

export interface SimulatedCall { id: string, name: string, arguments: string }

export interface ChatCompletionShape {
  id: string
  created: number
  model: string
  plan: ReplyPlan
  calls: SimulatedCall[]
  request: Record<string, unknown>
}

export interface OpenAICompatibleSimulatorFlavour {
  displayName: string
  basePath: string
  apiKey: string
  /** Tool call id as this provider makes them. */
  toolCallId: (next: (length: number) => string) => string
  /** A request the real API would refuse, as its error reply; undefined when accepted. */
  rejects?: (body: Record<string, unknown>) => SimulatorReply | undefined
  errorBody: (status: number, message: string) => unknown
  renderJson: (shape: ChatCompletionShape) => unknown
  renderStream: (shape: ChatCompletionShape) => unknown[]
  /** `GET /models`'s body, in the provider's own shape. */
  modelList: () => unknown
  /** The provider's rate-limit headers on each answer: OpenAI's `x-ratelimit-*` family unless given. */
  rateLimitHeaders?: (state: RateLimitState) => Record<string, string>
}

/** `6m0s`, `7.66s`, `12ms`: how OpenAI, Groq and Together write a reset (docs/wire/openai.md §6). */
export function goDuration (ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`
  const minutes = Math.floor(ms / 60_000)
  const seconds = Number(((ms % 60_000) / 1000).toFixed(2))
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`
}

export function openAIRateLimitHeaders ({ requests, tokens }: RateLimitState): Record<string, string> {
  return {
    'x-ratelimit-limit-requests': String(requests.limit),
    'x-ratelimit-limit-tokens': String(tokens.limit),
    'x-ratelimit-remaining-requests': String(requests.remaining),
    'x-ratelimit-remaining-tokens': String(tokens.remaining),
    'x-ratelimit-reset-requests': goDuration(requests.resetMs),
    'x-ratelimit-reset-tokens': goDuration(tokens.resetMs)
  }
}

export async function startOpenAICompatibleSimulator (flavour: OpenAICompatibleSimulatorFlavour, port = 0): Promise<ProviderSimulator> {
  const nextId = createIdSequence()
  return await startHttpSimulator({
    basePath: flavour.basePath,
    apiKey: flavour.apiKey,
    readKey: readBearer,
    errorBody: flavour.errorBody,
    rateLimitHeaders: flavour.rateLimitHeaders ?? openAIRateLimitHeaders,
    handle ({ request, script }) {
      if (request.method === 'GET' && request.path === '/models') return { json: flavour.modelList() }
      if (request.method !== 'POST' || request.path !== '/chat/completions') {
        return { status: 404, json: flavour.errorBody(404, `Unknown route ${request.method} ${request.path}`) }
      }
      const body = request.body as Record<string, unknown>
      if (typeof body !== 'object' || body === null || typeof body.model !== 'string' || !Array.isArray(body.messages)) {
        return { status: 400, json: flavour.errorBody(400, "'model' and 'messages' are required") }
      }
      const rejected = flavour.rejects?.(body)
      if (rejected !== undefined) return rejected
      const shape = buildShape(body, script)
      if (body.stream === true) {
        return { events: [...flavour.renderStream(shape).map((chunk) => encodeSseEvent(JSON.stringify(chunk))), 'data: [DONE]\n\n'] }
      }
      return { json: flavour.renderJson(shape) }
    }
  }, port)

  function buildShape (body: Record<string, unknown>, script: SimulatorScript): ChatCompletionShape {
    const plan = planReply(readConversation(body), script, flavour.displayName)
    const calls = plan.kind === 'tool'
      ? plan.calls.map((call) => ({ id: flavour.toolCallId(nextId), name: call.name, arguments: call.arguments }))
      : []
    return { id: nextId(24), created: Math.floor(Date.now() / 1000), model: body.model as string, plan, calls, request: body }
  }
}

function readBearer (request: IncomingMessage): string | undefined {
  const header = request.headers.authorization
  return header?.startsWith('Bearer ') === true ? header.slice(7) : undefined
}

function textOf (content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) {
    return content.map((part: { type?: string, text?: string }) => part.type === 'text' ? part.text ?? '' : '').join('')
  }
  return ''
}

export function readConversation (body: Record<string, unknown>): SimulatedConversation {
  const messages = body.messages as Array<{ role: SimulatedConversation['lastRole'], content?: unknown }>
  const last = messages[messages.length - 1]
  const tools = Array.isArray(body.tools)
    ? (body.tools as Array<{ function?: { name: string, parameters?: Record<string, unknown> } }>)
        .flatMap((tool) => tool.function === undefined ? [] : [{ name: tool.function.name, parameters: tool.function.parameters }])
    : []
  const choice = body.tool_choice
  const toolChoice: SimulatedConversation['toolChoice'] = typeof choice === 'object' && choice !== null
    ? { name: (choice as { function: { name: string } }).function.name }
    : choice === 'none' ? 'none' : choice === 'required' || choice === 'any' ? 'required' : 'auto'
  return {
    lastRole: last?.role ?? 'user',
    lastText: textOf(last?.content),
    promptChars: messages.reduce((sum, message) => sum + textOf(message.content).length, 0),
    tools,
    toolChoice
  }
}

export function usageOf (plan: ReplyPlan) {
  return { prompt_tokens: plan.usage.prompt, completion_tokens: plan.usage.completion, total_tokens: plan.usage.prompt + plan.usage.completion }
}

export function finishReasonOf (plan: ReplyPlan): 'stop' | 'tool_calls' {
  return plan.kind === 'tool' ? 'tool_calls' : 'stop'
}

/** A chunk envelope in OpenAI's shape. */
export function chunkEnvelope (shape: ChatCompletionShape, idPrefix = 'chatcmpl-') {
  return { id: `${idPrefix}${shape.id}`, object: 'chat.completion.chunk', created: shape.created, model: shape.model }
}

/** OpenAI's usage object, with its token details. */
function openAIUsage (plan: ReplyPlan) {
  return {
    ...usageOf(plan),
    prompt_tokens_details: { cached_tokens: plan.usage.cached, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 }
  }
}

/** One piece of text's log probability, in OpenAI's `ChatCompletionTokenLogprob` shape. */
function tokenLogprob (piece: string) {
  return { token: piece, logprob: -0.25, bytes: [...Buffer.from(piece)], top_logprobs: [] }
}

/** OpenAI's own wire format (also the default for the others). */
export const openAIWire = {
  errorBody: (status: number, message: string) => ({
    error: {
      message,
      type: status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error',
      param: null,
      code: status === 401 ? 'invalid_api_key' : status === 429 ? 'rate_limit_exceeded' : null
    }
  }),

  renderJson: (shape: ChatCompletionShape) => ({
    id: `chatcmpl-${shape.id}`,
    object: 'chat.completion',
    created: shape.created,
    model: shape.model,
    choices: [{
      index: 0,
      message: {
        role: 'assistant',
        content: shape.plan.kind === 'text' ? shape.plan.text : null,
        refusal: null,
        annotations: [],
        ...(shape.calls.length > 0
          ? { tool_calls: shape.calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })) }
          : {})
      },
      // With `logprobs: true`, the answer's tokens' log probabilities (ChatCompletion.Choice.Logprobs).
      logprobs: shape.request.logprobs === true
        ? { content: shape.plan.kind === 'text' ? shape.plan.pieces.map(tokenLogprob) : [], refusal: null }
        : null,
      finish_reason: finishReasonOf(shape.plan)
    }],
    usage: openAIUsage(shape.plan),
    service_tier: 'default',
    system_fingerprint: 'fp_simulator'
  }),

  renderStream (shape: ChatCompletionShape): unknown[] {
    const options = shape.request.stream_options as { include_usage?: boolean } | undefined
    const withUsage = options?.include_usage === true && shape.plan.usage.inStream
    const envelope = { ...chunkEnvelope(shape), system_fingerprint: 'fp_simulator', ...(withUsage ? { usage: null } : {}) }
    const choice = (delta: Record<string, unknown>, finish: string | null = null, logprobs: unknown = null) =>
      ({ ...envelope, choices: [{ index: 0, delta, logprobs, finish_reason: finish }] })
    // With `logprobs: true`, each content chunk carries its tokens' log probabilities (ChatCompletionChunk.Choice.Logprobs).
    const logprobsOf = (piece: string): unknown => shape.request.logprobs === true
      ? { content: [tokenLogprob(piece)], refusal: null }
      : null
    const chunks: unknown[] = []
    if (shape.plan.kind === 'text') {
      chunks.push(choice({ role: 'assistant', content: '', refusal: null }))
      for (const piece of shape.plan.pieces) chunks.push(choice({ content: piece }, null, logprobsOf(piece)))
    } else {
      for (const [index, call] of shape.calls.entries()) {
        const start = { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }
        // As OpenAI records it: the first chunk carries the role and the first call's start together.
        chunks.push(choice(index === 0 ? { role: 'assistant', content: null, ...start, refusal: null } : start))
        const middle = Math.ceil(call.arguments.length / 2)
        chunks.push(choice({ tool_calls: [{ index, function: { arguments: call.arguments.slice(0, middle) } }] }))
        chunks.push(choice({ tool_calls: [{ index, function: { arguments: call.arguments.slice(middle) } }] }))
      }
    }
    chunks.push(choice({}, finishReasonOf(shape.plan)))
    if (withUsage) chunks.push({ ...chunkEnvelope(shape), system_fingerprint: 'fp_simulator', choices: [], usage: openAIUsage(shape.plan) })
    return chunks
  }
}
