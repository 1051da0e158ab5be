import type { ChatMessage, ChatRequest, ContentPart, Tool } from '../../canonical/chat-request.ts'
import { invalidRequest } from '../../canonical/errors.ts'
import type { MessagesRequest } from './schema.ts'

interface Block { type: string, text?: string, source?: { type?: string, media_type?: string, data?: string, url?: string }, id?: string, name?: string, input?: unknown, tool_use_id?: string, content?: unknown, is_error?: boolean, thinking?: string }

/**
 * An Anthropic Messages request -> the canonical (OpenAI) request, for any provider but Anthropic (wire notes
 * §10, reverse direction). Each tool_result becomes its own `tool` message, ahead of the user's other content;
 * thinking blocks from earlier turns are dropped (only Anthropic can read their signatures).
 */
export function toCanonicalRequest (request: MessagesRequest, model: string): ChatRequest {
  const messages: ChatMessage[] = []
  const system = systemText(request.system)
  if (system !== '') messages.push({ role: 'system', content: system })
  request.messages.forEach((message, index) => {
    const blocks: Block[] = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content as Block[]
    const param = `messages.${index}.content`
    if (message.role === 'system') {
      messages.push({ role: 'system', content: blocks.map((block) => block.text ?? '').join('') })
    } else if (message.role === 'user') {
      const parts: ContentPart[] = []
      blocks.forEach((block, position) => {
        if (block.type === 'tool_result') {
          messages.push({ role: 'tool', tool_call_id: block.tool_use_id ?? '', content: resultContent(block, `${param}.${position}.content`) })
        } else {
          const part = userPart(block, `${param}.${position}`)
          if (part !== undefined) parts.push(part)
        }
      })
      if (parts.length > 0) messages.push({ role: 'user', content: asContent(parts) })
    } else {
      const text = blocks.filter((block) => block.type === 'text').map((block) => block.text ?? '').join('')
      const calls = blocks.filter((block) => block.type === 'tool_use').map((block) => ({
        id: block.id ?? '',
        type: 'function' as const,
        function: { name: block.name ?? '', arguments: JSON.stringify(block.input ?? {}) }
      }))
      const assistant: ChatMessage = { role: 'assistant', content: text === '' && calls.length > 0 ? null : text }
      if (calls.length > 0) assistant.tool_calls = calls
      messages.push(assistant)
    }
  })

  const canonical: ChatRequest = { model, messages, max_tokens: request.max_tokens === 0 ? 1 : request.max_tokens }
  if (request.stream === true) {
    canonical.stream = true
    canonical.stream_options = { include_usage: true }
  }
  if (request.temperature !== undefined) canonical.temperature = request.temperature
  if (request.top_p !== undefined) canonical.top_p = request.top_p
  if (request.top_k !== undefined) canonical.top_k = request.top_k
  if (request.stop_sequences !== undefined && request.stop_sequences.length > 0) canonical.stop = request.stop_sequences
  // Server tools (web search, code execution…) exist only at Anthropic; custom tools translate.
  const tools = ((request.tools ?? []) as Array<{ name: string, type?: string, description?: unknown, input_schema?: unknown }>)
    .filter((tool) => tool.type === undefined || tool.type === 'custom')
  if (tools.length > 0) {
    canonical.tools = tools.map((tool): Tool => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
        parameters: (tool.input_schema as Record<string, unknown> | undefined) ?? { type: 'object', properties: {} }
      }
    }))
  }
  const choice = request.tool_choice
  if (choice !== undefined) {
    if (choice.type === 'tool') {
      if (choice.name === undefined) throw invalidRequest('tool_choice.name: Field required when type is "tool"', 'tool_choice.name')
      canonical.tool_choice = { type: 'function', function: { name: choice.name } }
    } else {
      canonical.tool_choice = choice.type === 'any' ? 'required' : choice.type
    }
    if (choice.disable_parallel_tool_use === true && canonical.tools !== undefined) canonical.parallel_tool_calls = false
  }
  const user = (request.metadata as { user_id?: unknown } | undefined)?.user_id
  if (typeof user === 'string') canonical.user = user
  return canonical
}

function systemText (system: MessagesRequest['system']): string {
  if (system === undefined) return ''
  if (typeof system === 'string') return system
  return (system as Block[]).map((block) => block.text ?? '').join('\n')
}

/**
 * A tool_result's content: its text, or text and image parts when it has images (screenshots from Claude Code's
 * tools), which each provider's translator forwards its own way or refuses with a 400. Nothing is dropped.
 */
function resultContent (block: Block, param: string): ChatMessage['content'] {
  const errorPrefix = block.is_error === true ? 'Error: ' : ''
  const content = block.content
  if (content === undefined || content === null) return errorPrefix
  if (typeof content === 'string') return errorPrefix + content
  if (!Array.isArray(content)) return errorPrefix + JSON.stringify(content)
  const parts = (content as Block[]).flatMap((inner, index) => {
    const part = userPart(inner, `${param}.${index}`)
    return part === undefined ? [] : [part]
  })
  return asContent(errorPrefix === '' ? parts : [{ type: 'text', text: errorPrefix }, ...parts])
}

/** Parts as a message's content: one string when they are all text, else the parts themselves. */
function asContent (parts: ContentPart[]): ChatMessage['content'] {
  return parts.every((part) => part.type === 'text') ? parts.map((part) => part.text ?? '').join('') : parts
}

function userPart (block: Block, param: string): ContentPart | undefined {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text ?? '' }
    case 'image': {
      const source = block.source
      if (source?.type === 'base64') return { type: 'image_url', image_url: { url: `data:${source.media_type ?? 'image/png'};base64,${source.data ?? ''}` } }
      if (source?.type === 'url' && source.url !== undefined) return { type: 'image_url', image_url: { url: source.url } }
      throw invalidRequest('Only base64 and url image sources can be sent to this provider.', `${param}.source`)
    }
    case 'thinking':
    case 'redacted_thinking':
      return undefined
    default:
      throw invalidRequest(`Content blocks of type '${block.type}' can only be sent to Anthropic.`, `${param}.type`)
  }
}
