import type { ChatMessage, ChatRequest } from '../../src/canonical/chat-request.ts'
import type { UpstreamRequest } from '../../src/provider/contract.ts'
import { invalidRequest } from '../../src/canonical/errors.ts'

type Message = Record<string, unknown>

/** Canonical (OpenAI) request -> Cohere v2 chat (wire notes §2). */
export function toCohereRequest (request: ChatRequest): UpstreamRequest {
  if (request.n != null && request.n > 1) throw invalidRequest('Cohere returns one choice per request; n must be 1.', 'n')
  const system: Message[] = []
  const rest: Message[] = []
  request.messages.forEach((message, index) => {
    const translated = toMessage(message, `messages[${index}]`)
    // Cohere wants system turns first.
    if (translated.role === 'system') system.push(translated)
    else rest.push(translated)
  })
  const body: Record<string, unknown> = { model: request.model, messages: [...system, ...rest] }
  if (request.stream === true) body.stream = true

  let tools = request.tools
  const choice = request.tool_choice
  if (typeof choice === 'object') {
    // No named form: send only that tool, and require a call.
    tools = tools?.filter((tool) => tool.function.name === choice.function.name)
    if (tools === undefined || tools.length === 0) throw invalidRequest(`tool_choice names '${choice.function.name}', which is not in tools.`, 'tool_choice')
    body.tool_choice = 'REQUIRED'
  } else if (choice === 'required') {
    body.tool_choice = 'REQUIRED'
  } else if (choice === 'none') {
    body.tool_choice = 'NONE'
  }
  if (tools !== undefined && tools.length > 0) {
    body.tools = tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.function.name,
        ...(tool.function.description === undefined ? {} : { description: tool.function.description }),
        parameters: tool.function.parameters ?? { type: 'object', properties: {} }
      }
    }))
  }

  const maxTokens = request.max_completion_tokens ?? request.max_tokens
  if (maxTokens != null) body.max_tokens = maxTokens
  if (request.stop != null) body.stop_sequences = typeof request.stop === 'string' ? [request.stop] : request.stop
  if (request.temperature != null) body.temperature = request.temperature
  // Cohere's p runs 0.01–0.99 and its penalties 0–1.
  if (request.top_p != null) body.p = Math.min(0.99, Math.max(0.01, request.top_p))
  // Not an OpenAI field: Anthropic clients send it (wire notes: k is 0–500).
  if (typeof request.top_k === 'number') body.k = Math.min(500, Math.max(0, request.top_k))
  if (request.frequency_penalty != null) body.frequency_penalty = Math.min(1, Math.max(0, request.frequency_penalty))
  if (request.presence_penalty != null) body.presence_penalty = Math.min(1, Math.max(0, request.presence_penalty))
  if (request.seed != null) body.seed = request.seed
  if (request.logprobs === true) body.logprobs = true
  const format = request.response_format
  if (format?.type === 'json_object') body.response_format = { type: 'json_object' }
  if (format?.type === 'json_schema') {
    body.response_format = format.json_schema?.schema === undefined ? { type: 'json_object' } : { type: 'json_object', json_schema: format.json_schema.schema }
  }
  return { path: '/chat', body }
}

function toMessage (message: ChatMessage, param: string): Message {
  switch (message.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: textOf(message.content, `${param}.content`) }
    case 'user':
      return { role: 'user', content: userContent(message.content, `${param}.content`) }
    case 'assistant': {
      const out: Message = { role: 'assistant' }
      const text = textOf(message.content, `${param}.content`)
      if (text !== '') out.content = text
      if (message.tool_calls !== undefined && message.tool_calls.length > 0) {
        out.tool_calls = message.tool_calls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.function.name, arguments: call.function.arguments.trim() === '' ? '{}' : call.function.arguments }
        }))
      }
      return out
    }
    case 'tool':
      return { role: 'tool', tool_call_id: message.tool_call_id ?? '', content: textOf(message.content, `${param}.content`) }
  }
}

function textOf (content: ChatMessage['content'], param: string): string {
  if (content === undefined || content === null) return ''
  if (typeof content === 'string') return content
  return content.map((part, index) => {
    if (part.type !== 'text' || part.text === undefined) throw invalidRequest(`Only text is accepted here, not '${part.type}'.`, `${param}[${index}]`)
    return part.text
  }).join('')
}

function userContent (content: ChatMessage['content'], param: string): string | Array<Record<string, unknown>> {
  if (content === undefined || content === null) return ''
  if (typeof content === 'string') return content
  return content.map((part, index) => {
    if (part.type === 'text') return { type: 'text', text: part.text ?? '' }
    if (part.type === 'image_url' && part.image_url !== undefined) {
      return { type: 'image_url', image_url: { url: part.image_url.url, ...(part.image_url.detail === undefined ? {} : { detail: part.image_url.detail }) } }
    }
    throw invalidRequest(`Cohere does not accept content parts of type '${part.type}'.`, `${param}[${index}].type`)
  })
}
