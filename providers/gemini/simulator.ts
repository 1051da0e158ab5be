import type { IncomingMessage } from 'node:http'
import { startHttpSimulator, type ProviderSimulator, type SimulatorReply } from '../../src/dev/http-simulator.ts'
import { createIdSequence, planReply, type ReplyPlan, type SimulatedConversation, type SimulatedTool } from '../../src/dev/reply-plan.ts'
import { simulatedModelPage } from './simulated-models.ts'

// Gemini's Developer API as the wire notes describe it: `x-goog-api-key` (or `?key=`), camelCase bodies,
// `?alt=sse` streams with CRLF separators and no [DONE], a bad key as 400 API_KEY_INVALID, and the checks that
// trip gateways: thought signatures on Gemini 3 function calls, one response per call, JSON-Schema keywords
// in function parameters, empty parts.

const API_KEY = 'AIzaSimulatedGeminiKey000000000000000000'
const SIGNATURE = 'CpYCAdHtim9xqSimulatedThoughtSignature'
const UNSUPPORTED_SCHEMA_KEYWORDS = ['additionalProperties', '$schema', '$ref', '$defs', 'definitions', 'const', 'examples', 'oneOf', 'allOf', 'not', 'exclusiveMinimum', 'exclusiveMaximum']

type Part = Record<string, unknown> & { text?: string, thought?: boolean, functionCall?: { name?: string }, functionResponse?: { name?: string, response?: unknown }, thoughtSignature?: string }
interface Content { role?: string, parts?: Part[] }

export function errorBody (status: number, message: string): unknown {
  const statuses: Record<number, string> = { 400: 'INVALID_ARGUMENT', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED' }
  return { error: { code: status, message, status: statuses[status] ?? 'UNKNOWN' } }
}

export function startSimulator (port = 0): Promise<ProviderSimulator> {
  const nextId = createIdSequence()
  return startHttpSimulator({
    basePath: '/v1beta',
    apiKey: API_KEY,
    readKey: (request: IncomingMessage, url: URL) => {
      const header = request.headers['x-goog-api-key']
      return (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('key') ?? undefined
    },
    errorBody,
    unauthorized: {
      status: 400,
      body: {
        error: {
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } }]
        }
      }
    },
    handle ({ request, script }) {
      const url = new URL(request.path, 'http://simulator')
      if (request.method === 'GET' && url.pathname === '/models') return { json: simulatedModelPage(url.searchParams) }
      const route = /^\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(url.pathname)
      if (request.method !== 'POST' || route === null) return { status: 404, json: errorBody(404, `Unknown route ${request.method} ${url.pathname}`) }
      const model = decodeURIComponent(route[1] ?? '')
      const body = request.body as Record<string, unknown>
      const rejected = validate(body, model)
      if (rejected !== undefined) return rejected
      const plan = planReply(readConversation(body), script, 'Gemini')
      const responseId = nextId(22)
      const signed = model.startsWith('gemini-3')
      const logprobs = logprobsAsked(body)
      const thinking = thinkingOf(body)
      if (route[2] === 'generateContent') return { json: renderResponse(plan, model, responseId, signed, logprobs, thinking) }
      const chunks = renderStream(plan, model, responseId, signed, logprobs, thinking)
      // Without alt=sse the stream is one JSON array, not SSE (wire notes §1).
      if (url.searchParams.get('alt') !== 'sse') return { json: chunks }
      return { headers: { 'content-type': 'text/event-stream' }, events: chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`) }
    }
  }, port)
}

/** Wire notes §2: a level for Gemini 3+, a budget for 2.5, never both; 2.5 Pro cannot turn thinking off. */
function validateThinking (config: Record<string, unknown> | undefined, model: string): SimulatorReply | undefined {
  if (config === undefined) return undefined
  const { thinkingLevel: level, thinkingBudget: budget } = config
  if (level !== undefined && budget !== undefined) return invalid('thinking_budget and thinking_level are not supported together.')
  if (level !== undefined) {
    if (!['MINIMAL', 'LOW', 'MEDIUM', 'HIGH'].includes(String(level))) return invalid(`Invalid value at 'generation_config.thinking_config.thinking_level' (${String(level)})`)
    if (!/^gemini-([3-9]|\d\d)/.test(model)) return invalid('Thinking level is not supported for this model.')
  }
  if (budget !== undefined) {
    if (!Number.isInteger(budget)) return invalid(`Invalid value at 'generation_config.thinking_config.thinking_budget'`)
    if (budget === 0 && model.startsWith('gemini-2.5-pro')) return invalid('Budget 0 is invalid. This model only works in thinking mode.')
  }
  return undefined
}

function invalid (message: string): SimulatorReply {
  return { status: 400, json: errorBody(400, message) }
}

function validate (body: Record<string, unknown>, model: string): SimulatorReply | undefined {
  const rejectedThinking = validateThinking((body.generationConfig as { thinkingConfig?: Record<string, unknown> } | undefined)?.thinkingConfig, model)
  if (rejectedThinking !== undefined) return rejectedThinking
  const contents = body.contents
  if (!Array.isArray(contents) || contents.length === 0) return invalid('* GenerateContentRequest.contents: contents is not specified')
  for (const [index, content] of (contents as Content[]).entries()) {
    if (!Array.isArray(content.parts) || content.parts.length === 0) return invalid(`* GenerateContentRequest.contents[${index}].parts: contents.parts must not be empty.`)
    if (content.role !== undefined && content.role !== 'user' && content.role !== 'model') {
      return invalid(`Please use a valid role: user, model.`)
    }
    for (const part of content.parts) {
      if (part.functionResponse !== undefined && (typeof part.functionResponse.name !== 'string' || typeof part.functionResponse.response !== 'object')) {
        return invalid(`* GenerateContentRequest.contents[${index}].parts: function_response.name and response are required`)
      }
    }
    const previous = (contents as Content[])[index - 1]
    const responses = content.parts.filter((part) => part.functionResponse !== undefined).length
    if (responses > 0) {
      const calls = previous?.parts?.filter((part) => part.functionCall !== undefined).length ?? 0
      if (calls !== responses) {
        return invalid('Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.')
      }
    }
  }
  if (model.startsWith('gemini-3')) {
    const currentTurn = (contents as Content[]).findLastIndex((content) => content.role !== 'model' && content.parts?.some((part) => part.text !== undefined))
    for (const [index, content] of (contents as Content[]).entries()) {
      if (index <= currentTurn || content.role !== 'model') continue
      const firstCall = content.parts?.find((part) => part.functionCall !== undefined)
      if (firstCall !== undefined && typeof firstCall.thoughtSignature !== 'string') {
        return invalid(`Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${firstCall.functionCall?.name ?? ''}\` , position ${index + 1}.`)
      }
    }
  }
  const tools = (body.tools as Array<{ functionDeclarations?: Array<{ name?: string, parameters?: unknown }> }> | undefined) ?? []
  for (const [toolIndex, tool] of tools.entries()) {
    for (const [index, declaration] of (tool.functionDeclarations ?? []).entries()) {
      const keyword = findKeyword(declaration.parameters, UNSUPPORTED_SCHEMA_KEYWORDS)
      if (keyword !== undefined) {
        return invalid(`Invalid JSON payload received. Unknown name "${keyword}" at 'tools[${toolIndex}].function_declarations[${index}].parameters': Cannot find field.`)
      }
    }
  }
  return undefined
}

function findKeyword (schema: unknown, keywords: readonly string[]): string | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined
  for (const [key, value] of Object.entries(schema)) {
    if (keywords.includes(key)) return key
    const nested = findKeyword(value, keywords)
    if (nested !== undefined) return nested
  }
  return undefined
}

function textOf (content: Content | undefined): string {
  return (content?.parts ?? []).map((part) => part.thought === true ? '' : part.text ?? '').join('')
}

function readConversation (body: Record<string, unknown>): SimulatedConversation {
  const contents = body.contents as Content[]
  const last = contents[contents.length - 1]
  const lastIsResponse = last?.parts?.some((part) => part.functionResponse !== undefined) === true
  const declarations = ((body.tools as Array<{ functionDeclarations?: Array<{ name: string, parameters?: Record<string, unknown> }> }> | undefined) ?? [])
    .flatMap((tool) => tool.functionDeclarations ?? [])
  const tools: SimulatedTool[] = declarations.map((declaration) => ({ name: declaration.name, parameters: declaration.parameters }))
  const config = (body.toolConfig as { functionCallingConfig?: { mode?: string, allowedFunctionNames?: string[] } } | undefined)?.functionCallingConfig
  const forced = config?.mode === 'ANY' ? config.allowedFunctionNames?.[0] : undefined
  const toolChoice: SimulatedConversation['toolChoice'] = forced !== undefined ? { name: forced } : config?.mode === 'ANY' ? 'required' : config?.mode === 'NONE' ? 'none' : 'auto'
  const lastResponse = last?.parts?.find((part) => part.functionResponse !== undefined)?.functionResponse?.response
  const system = textOf(body.systemInstruction as Content | undefined)
  return {
    lastRole: lastIsResponse ? 'tool' : last?.role === 'model' ? 'assistant' : 'user',
    lastText: lastIsResponse ? JSON.stringify(lastResponse) : textOf(last),
    promptChars: system.length + contents.reduce((sum, content) => sum + textOf(content).length, 0),
    tools,
    toolChoice
  }
}

/** Usage as Gemini streams it: on every chunk, with the candidates' tokens so far (`produced`) and any thinking. */
function usageOf (plan: ReplyPlan, produced: number, thinking: Thinking): Record<string, number> {
  const usage: Record<string, number> = { promptTokenCount: plan.usage.prompt, candidatesTokenCount: produced, totalTokenCount: plan.usage.prompt + produced + thinking.tokens }
  if (thinking.tokens > 0) usage.thoughtsTokenCount = thinking.tokens
  if (plan.usage.cached > 0) usage.cachedContentTokenCount = plan.usage.cached
  return usage
}

/** Whether the model thinks (a level, or a budget above 0) and whether it was asked to show its thought summaries. */
interface Thinking { tokens: number, summaries: boolean }

const THOUGHT_TOKENS = 16
const THOUGHT_SUMMARY = '**Thinking it over**\n\nThe user asked something; I will answer it.'

function thinkingOf (body: Record<string, unknown>): Thinking {
  const config = (body.generationConfig as { thinkingConfig?: { thinkingLevel?: unknown, thinkingBudget?: unknown, includeThoughts?: unknown } } | undefined)?.thinkingConfig
  const thinks = config !== undefined && (config.thinkingLevel !== undefined || (typeof config.thinkingBudget === 'number' && config.thinkingBudget !== 0))
  return { tokens: thinks ? THOUGHT_TOKENS : 0, summaries: thinks && config?.includeThoughts === true }
}

function callParts (plan: ReplyPlan, signed: boolean): Part[] {
  if (plan.kind !== 'tool') return []
  // Gemini 3 signs only the first function call of a step (wire notes §7).
  return plan.calls.map((call, index) => ({
    functionCall: { name: call.name, args: JSON.parse(call.arguments) as Record<string, unknown> },
    ...(signed && index === 0 ? { thoughtSignature: SIGNATURE } : {})
  }))
}

/** With `responseLogprobs: true`, how many alternatives each step lists (`logprobs`, 0 when not asked). */
function logprobsAsked (body: Record<string, unknown>): { top: number } | undefined {
  const config = body.generationConfig as { responseLogprobs?: boolean, logprobs?: number } | undefined
  return config?.responseLogprobs === true ? { top: config.logprobs ?? 0 } : undefined
}

/** The candidate's `logprobsResult` and `avgLogprobs` for these pieces of text, one decoding step each. */
function logprobsOf (pieces: readonly string[], asked: { top: number } | undefined): Record<string, unknown> {
  if (asked === undefined || pieces.length === 0) return {}
  const chosen = pieces.map((piece, step) => ({ token: piece, tokenId: 1000 + step, logProbability: -0.25 }))
  const alternatives = (piece: string) => Array.from({ length: asked.top }, (_, rank) =>
    rank === 0 ? { token: piece, tokenId: 1000, logProbability: -0.25 } : { token: `${piece}~${rank}`, tokenId: 2000 + rank, logProbability: -2 * rank })
  return {
    avgLogprobs: -0.25,
    logprobsResult: {
      chosenCandidates: chosen,
      ...(asked.top > 0 ? { topCandidates: pieces.map((piece) => ({ candidates: alternatives(piece) })) } : {}),
      logProbabilitySum: -0.25 * pieces.length
    }
  }
}

function renderResponse (plan: ReplyPlan, model: string, responseId: string, signed: boolean, logprobs: { top: number } | undefined, thinking: Thinking): unknown {
  const answer = plan.kind === 'text' ? [{ text: plan.text }] : callParts(plan, signed)
  const parts = thinking.summaries ? [{ text: THOUGHT_SUMMARY, thought: true }, ...answer] : answer
  return {
    candidates: [{ content: { parts, role: 'model' }, finishReason: 'STOP', index: 0, ...logprobsOf(plan.kind === 'text' ? plan.pieces : [], logprobs) }],
    usageMetadata: usageOf(plan, plan.usage.completion, thinking),
    modelVersion: model,
    responseId
  }
}

function renderStream (plan: ReplyPlan, model: string, responseId: string, signed: boolean, logprobs: { top: number } | undefined, thinking: Thinking): unknown[] {
  const envelope = { modelVersion: model, responseId }
  const all = plan.usage.completion
  // As recorded: thought summaries come first, in chunks of their own, before any answer token is counted.
  const thinkingUsage = usageOf(plan, 0, thinking)
  delete thinkingUsage.candidatesTokenCount
  const thoughts = thinking.summaries
    ? [{ candidates: [{ content: { parts: [{ text: THOUGHT_SUMMARY, thought: true }], role: 'model' }, index: 0 }], usageMetadata: thinkingUsage, ...envelope }]
    : []
  if (plan.kind === 'tool') {
    // As recorded: the calls in one chunk, then the finish in a chunk of its own with an empty text part.
    return [
      ...thoughts,
      { candidates: [{ content: { parts: callParts(plan, signed), role: 'model' }, index: 0 }], usageMetadata: usageOf(plan, all, thinking), ...envelope },
      { candidates: [{ content: { parts: [{ text: '' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: usageOf(plan, all, thinking), ...envelope }
    ]
  }
  // As recorded: every chunk carries the usage so far; the last one carries the finish.
  return [...thoughts, ...plan.pieces.map((piece, index) => {
    const last = index === plan.pieces.length - 1
    return {
      candidates: [{ content: { parts: [{ text: piece }], role: 'model' }, ...(last ? { finishReason: 'STOP' } : {}), index: 0, ...logprobsOf([piece], logprobs) }],
      usageMetadata: usageOf(plan, last ? all : Math.floor(all * (index + 1) / plan.pieces.length), thinking),
      ...envelope
    }
  })]
}
