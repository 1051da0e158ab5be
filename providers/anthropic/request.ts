import type { ChatMessage, ChatRequest, ContentPart } from '../../src/canonical/chat-request.ts'
import type { UpstreamRequest } from '../../src/provider/contract.ts'
import { invalidRequest } from '../../src/canonical/errors.ts'
import { detachThinking } from './thinking-carrier.ts'
import { applyReasoningEffort } from './thinking.ts'
import { reasoningEffortOf } from '../../src/canonical/reasoning-effort.ts'

type Block = Record<string, unknown>
interface Message { role: 'user' | 'assistant', content: Block[] }

/**
 * Canonical (OpenAI) request -> Anthropic Messages (wire notes §10). `maxTokens` is the model's maximum, used
 * when the client sets none (Anthropic requires the field).
 */
export function toAnthropicRequest (request: ChatRequest, maxTokens: number): UpstreamRequest {
  if (request.n != null && request.n > 1) throw invalidRequest('Anthropic returns one choice per request; n must be 1.', 'n')
  const body: Record<string, unknown> = {
    model: request.model,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? maxTokens,
    messages: toMessages(request.messages)
  }
  const system = request.messages
    .map((message, index) => ({ message, index }))
    .filter(({ message }) => message.role === 'system' || message.role === 'developer')
    .flatMap(({ message, index }) => textBlocks(message.content, `messages[${index}].content`))
  if (system.length > 0) body.system = system
  if (request.stream === true) body.stream = true
  // Anthropic's temperature runs 0–1, OpenAI's 0–2.
  if (request.temperature != null) body.temperature = Math.min(1, request.temperature)
  if (request.top_p != null) body.top_p = request.top_p
  if (request.stop != null) body.stop_sequences = typeof request.stop === 'string' ? [request.stop] : request.stop
  if (request.user !== undefined) body.metadata = { user_id: request.user }
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      name: tool.function.name,
      ...(tool.function.description === undefined ? {} : { description: tool.function.description }),
      input_schema: tool.function.parameters ?? { type: 'object', properties: {} }
    }))
  }
  const choice = request.tool_choice
  const oneAtATime = request.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {}
  if (choice !== undefined) {
    body.tool_choice = typeof choice === 'object'
      ? { type: 'tool', name: choice.function.name, ...oneAtATime }
      : choice === 'none' ? { type: 'none' } : { type: choice === 'required' ? 'any' : 'auto', ...oneAtATime }
  } else if (request.parallel_tool_calls === false && body.tools !== undefined) {
    body.tool_choice = { type: 'auto', ...oneAtATime }
  }
  const schema = request.response_format?.type === 'json_schema' ? request.response_format.json_schema?.schema : undefined
  if (schema !== undefined) body.output_config = { format: { type: 'json_schema', schema } }
  const effort = reasoningEffortOf(request)
  if (effort !== undefined) applyReasoningEffort(body, request.model, effort)
  return { path: '/messages', body }
}

function toMessages (messages: readonly ChatMessage[]): Message[] {
  const out: Message[] = []
  const append = (role: Message['role'], blocks: Block[]): void => {
    if (blocks.length === 0) return
    const last = out[out.length - 1]
    if (last?.role === role) last.content.push(...blocks)
    else out.push({ role, content: blocks })
  }
  messages.forEach((message, index) => {
    const param = `messages[${index}]`
    switch (message.role) {
      case 'system':
      case 'developer':
        return
      case 'user':
        append('user', userBlocks(message.content, `${param}.content`))
        return
      case 'assistant': {
        const blocks: Block[] = []
        const calls = message.tool_calls ?? []
        // Thinking carried in the first tool call's id goes back first, as Anthropic requires.
        for (const call of calls) blocks.push(...detachThinking(call.id).thinking)
        blocks.push(...textBlocks(message.content, `${param}.content`))
        calls.forEach((call, position) => {
          let input: unknown
          try {
            input = call.function.arguments.trim() === '' ? {} : JSON.parse(call.function.arguments)
          } catch {
            throw invalidRequest(`The arguments of tool call '${call.id}' are not valid JSON.`, `${param}.tool_calls[${position}].function.arguments`)
          }
          blocks.push({ type: 'tool_use', id: toolUseId(call.id), name: call.function.name, input })
        })
        append('assistant', blocks)
        return
      }
      case 'tool': {
        const text = textBlocks(message.content, `${param}.content`).map((block) => block.text).join('')
        append('user', [{ type: 'tool_result', tool_use_id: toolUseId(message.tool_call_id ?? ''), content: text }])
      }
    }
  })
  return out
}

/** Anthropic ids must match ^[a-zA-Z0-9_-]+$; other providers' ids (`functions.Bash:0`) are mapped the same way each time. */
function toolUseId (id: string): string {
  return detachThinking(id).id.replace(/[^a-zA-Z0-9_-]/g, '_') || 'toolu_empty'
}

/** Text blocks, dropping empty and whitespace-only text (Anthropic refuses those). */
function textBlocks (content: ChatMessage['content'], param: string): Array<{ type: 'text', text: string }> {
  if (content === undefined || content === null) return []
  const parts = typeof content === 'string' ? [{ type: 'text', text: content }] : content
  return parts.flatMap((part, index) => {
    if (part.type !== 'text' || part.text === undefined) throw invalidRequest(`Only text is accepted here, not '${part.type}'.`, `${param}[${index}]`)
    return part.text.trim() === '' ? [] : [{ type: 'text' as const, text: part.text }]
  })
}

function userBlocks (content: ChatMessage['content'], param: string): Block[] {
  if (content === undefined || content === null) return []
  if (typeof content === 'string') return content.trim() === '' ? [] : [{ type: 'text', text: content }]
  return content.flatMap((part, index) => contentBlock(part, `${param}[${index}]`))
}

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp'])

function contentBlock (part: ContentPart, param: string): Block[] {
  if (part.type === 'text') return (part.text ?? '').trim() === '' ? [] : [{ type: 'text', text: part.text }]
  if (part.type === 'image_url' && part.image_url !== undefined) {
    const url = part.image_url.url
    const data = /^data:([^;,]+);base64,(.*)$/s.exec(url)
    if (data !== null) {
      if (!IMAGE_TYPES.has(data[1] ?? '')) throw invalidRequest(`Anthropic accepts JPEG, PNG, GIF and WebP images, not ${data[1] ?? 'this type'}.`, `${param}.image_url.url`)
      return [{ type: 'image', source: { type: 'base64', media_type: data[1], data: data[2] } }]
    }
    if (/^https?:\/\//i.test(url)) return [{ type: 'image', source: { type: 'url', url } }]
    throw invalidRequest('An image URL must be a data: URL or an http(s) URL.', `${param}.image_url.url`)
  }
  throw invalidRequest(`Anthropic does not accept content parts of type '${part.type}' through this gateway.`, `${param}.type`)
}
