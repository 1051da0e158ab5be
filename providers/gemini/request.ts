import type { ChatMessage, ChatRequest, ContentPart, ToolCall } from '../../src/canonical/chat-request.ts'
import type { UpstreamRequest } from '../../src/provider/contract.ts'
import { invalidRequest } from '../../src/canonical/errors.ts'
import { createSchemaBudget, toFunctionParameters, toGeminiSchema } from './schema.ts'
import { decodeToolCallId } from './tool-call-id.ts'
import { thinkingConfigFor } from './thinking.ts'
import { reasoningEffortOf } from '../../src/canonical/reasoning-effort.ts'

type Part = Record<string, unknown>
interface Content { role: 'user' | 'model', parts: Part[] }

/** Canonical (OpenAI) request -> Gemini `generateContent` / `streamGenerateContent?alt=sse` (wire notes §2, §8). */
export function toGeminiRequest (request: ChatRequest): UpstreamRequest {
  const model = encodeURIComponent(request.model)
  const path = request.stream === true ? `/models/${model}:streamGenerateContent?alt=sse` : `/models/${model}:generateContent`
  const body: Record<string, unknown> = { contents: toContents(request.messages) }
  const schemaBudget = createSchemaBudget()

  const system = request.messages
    .map((message, index) => ({ message, index }))
    .filter(({ message }) => message.role === 'system' || message.role === 'developer')
    .flatMap(({ message, index }) => textParts(message.content, `messages[${index}].content`))
  if (system.length > 0) body.systemInstruction = { parts: system }

  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = [{
      functionDeclarations: request.tools.map((tool, index) => {
        const declaration: Record<string, unknown> = { name: tool.function.name }
        if (tool.function.description !== undefined) declaration.description = tool.function.description
        const origin = { owner: `tool '${tool.function.name}'`, param: `tools[${index}].function.parameters` }
        const parameters = toFunctionParameters(tool.function.parameters, origin, schemaBudget)
        if (parameters !== undefined) declaration.parameters = parameters
        return declaration
      })
    }]
  }
  const choice = request.tool_choice
  if (choice !== undefined) {
    body.toolConfig = {
      functionCallingConfig: typeof choice === 'object'
        ? { mode: 'ANY', allowedFunctionNames: [choice.function.name] }
        : { mode: choice === 'required' ? 'ANY' : choice === 'none' ? 'NONE' : 'AUTO' }
    }
  }

  const config: Record<string, unknown> = {}
  if (request.temperature != null) config.temperature = request.temperature
  if (request.top_p != null) config.topP = request.top_p
  // Not an OpenAI field: Anthropic clients send it.
  if (typeof request.top_k === 'number') config.topK = request.top_k
  const maxTokens = request.max_completion_tokens ?? request.max_tokens
  if (maxTokens != null) config.maxOutputTokens = maxTokens
  if (request.stop != null) config.stopSequences = typeof request.stop === 'string' ? [request.stop] : request.stop
  if (request.seed != null) config.seed = request.seed
  if (request.n != null && request.n > 1) config.candidateCount = request.n
  if (request.presence_penalty != null) config.presencePenalty = request.presence_penalty
  if (request.frequency_penalty != null) config.frequencyPenalty = request.frequency_penalty
  if (request.logprobs === true) {
    config.responseLogprobs = true
    if (request.top_logprobs != null) config.logprobs = request.top_logprobs
  }
  const format = request.response_format
  if (format?.type === 'json_object' || format?.type === 'json_schema') {
    config.responseMimeType = 'application/json'
    const schema = format.json_schema?.schema
    if (schema !== undefined) {
      config.responseSchema = toGeminiSchema(schema, { owner: 'response_format', param: 'response_format.json_schema.schema' }, schemaBudget)
    }
  }
  const effort = reasoningEffortOf(request)
  const thinking = effort === undefined ? undefined : thinkingConfigFor(request.model, effort)
  if (thinking !== undefined) config.thinkingConfig = thinking
  if (Object.keys(config).length > 0) body.generationConfig = config
  return { path, body }
}

function toContents (messages: readonly ChatMessage[]): Content[] {
  const namesById = new Map<string, string>()
  const contents: Content[] = []
  const append = (role: Content['role'], parts: Part[], kind: 'text' | 'call' | 'response'): void => {
    if (parts.length === 0) return
    const last = contents[contents.length - 1]
    // Gemini wants turns to alternate; merge same-role neighbours, but keep function responses apart from text.
    if (last !== undefined && last.role === role && kindOf(last) === kind) last.parts.push(...parts)
    else contents.push({ role, parts })
  }

  messages.forEach((message, index) => {
    switch (message.role) {
      case 'system':
      case 'developer':
        return
      case 'user':
        append('user', userParts(message.content, `messages[${index}].content`), 'text')
        return
      case 'assistant': {
        const parts: Part[] = textParts(message.content, `messages[${index}].content`).filter((part) => part.text !== '')
        message.tool_calls?.forEach((call, position) => {
          namesById.set(call.id, call.function.name)
          parts.push(functionCallPart(call, `messages[${index}].tool_calls[${position}].function.arguments`))
        })
        append('model', parts, message.tool_calls === undefined || message.tool_calls.length === 0 ? 'text' : 'call')
        return
      }
      case 'tool': {
        const id = message.tool_call_id ?? ''
        const name = namesById.get(id)
        if (name === undefined) {
          throw invalidRequest(`messages[${index}] answers tool call '${id}', which no earlier assistant message made.`, `messages[${index}].tool_call_id`)
        }
        // Images in a tool result (a screenshot) go beside the function response, as inline data parts.
        const parts = userParts(message.content, `messages[${index}].content`)
        const text = parts.map((part) => typeof part.text === 'string' ? part.text : '').join('')
        const media = parts.filter((part) => !('text' in part))
        append('user', [{ functionResponse: { name, response: asResponseObject(text) } }, ...media], 'response')
      }
    }
  })
  return contents
}

function kindOf (content: Content): 'text' | 'call' | 'response' {
  if (content.parts.some((part) => 'functionResponse' in part)) return 'response'
  if (content.parts.some((part) => 'functionCall' in part)) return 'call'
  return 'text'
}

function functionCallPart (call: ToolCall, param: string): Part {
  let args: unknown
  try {
    args = call.function.arguments.trim() === '' ? {} : JSON.parse(call.function.arguments)
  } catch {
    throw invalidRequest(`The arguments of tool call '${call.id}' are not valid JSON.`, param)
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw invalidRequest(`The arguments of tool call '${call.id}' must be a JSON object.`, param)
  }
  const { thoughtSignature } = decodeToolCallId(call.id)
  const part: Part = { functionCall: { name: call.function.name, args } }
  if (thoughtSignature !== undefined) part.thoughtSignature = thoughtSignature
  return part
}

/** Gemini's functionResponse.response must be an object: JSON objects pass as they are, anything else is wrapped. */
function asResponseObject (text: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return { content: text }
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as Record<string, unknown> : { content: text }
}

function textParts (content: ChatMessage['content'], param: string): Array<{ text: string }> {
  if (content === undefined || content === null) return []
  if (typeof content === 'string') return [{ text: content }]
  return content.map((part, index) => {
    if (part.type !== 'text' || part.text === undefined) {
      throw invalidRequest(`Only text is accepted here, not '${part.type}'.`, `${param}[${index}]`)
    }
    return { text: part.text }
  })
}

function userParts (content: ChatMessage['content'], param: string): Part[] {
  if (content === undefined || content === null) return []
  if (typeof content === 'string') return [{ text: content }]
  return content.map((part, index) => contentPart(part, `${param}[${index}]`))
}

const IMAGE_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', heic: 'image/heic', heif: 'image/heif'
}

function contentPart (part: ContentPart, param: string): Part {
  if (part.type === 'text') return { text: part.text ?? '' }
  if (part.type === 'image_url' && part.image_url !== undefined) {
    const url = part.image_url.url
    const data = /^data:([^;,]+);base64,(.*)$/s.exec(url)
    if (data !== null) return { inlineData: { mimeType: data[1], data: data[2] } }
    if (/^https?:\/\//i.test(url)) {
      const extension = /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(url)?.[1]?.toLowerCase()
      const mimeType = extension === undefined ? undefined : IMAGE_TYPES[extension]
      if (mimeType === undefined) {
        throw invalidRequest('Gemini needs the media type of an image URL; this URL has no known image extension. Send the image as a data URL.', `${param}.image_url.url`)
      }
      return { fileData: { mimeType, fileUri: url } }
    }
    throw invalidRequest('An image URL must be a data: URL or an http(s) URL.', `${param}.image_url.url`)
  }
  throw invalidRequest(`Gemini does not accept content parts of type '${part.type}' through this gateway.`, `${param}.type`)
}
