import type { ChatMessage, ChatRequest, ContentPart, MessageContent, ToolCall } from '../canonical/chat-request.ts'
import { invalidRequest } from '../canonical/errors.ts'
import type { OpenAICompatibleDialect } from './dialect.ts'

/** Canonical request -> the provider's chat-completions body, dropping or renaming what it would reject. */
export function toOpenAICompatibleBody (request: ChatRequest, dialect: OpenAICompatibleDialect): Record<string, unknown> {
  const n = request.n
  if (dialect.maxChoices !== undefined && typeof n === 'number' && n > dialect.maxChoices) {
    throw invalidRequest(`${dialect.displayName} supports n up to ${dialect.maxChoices}; got ${n}.`, 'n', 'unsupported_value')
  }
  const body: Record<string, unknown> = {}
  for (const key of Object.keys(request)) {
    const value = request[key]
    if (value === undefined || key === 'stream_options') continue
    if (key === 'messages') {
      body.messages = dialect.strictMessages ? request.messages.map((message, index) => toStrictMessage(message, dialect, `messages[${index}].content`)) : value
      continue
    }
    const target = dialect.renamedParams?.[key] ?? key
    if (dialect.forwardedParams !== 'all' && !dialect.forwardedParams.has(target)) continue
    if (target !== key && request[target] !== undefined) continue
    body[target] = value
  }
  if (request.stream === true && dialect.streamUsage === 'request') {
    body.stream_options = { ...request.stream_options, include_usage: true }
  }
  dialect.adjustBody?.(body, request)
  return body
}

function toStrictMessage (message: ChatMessage, dialect: OpenAICompatibleDialect, param: string): Record<string, unknown> {
  const role = message.role === 'developer' ? 'system' : message.role
  const out: Record<string, unknown> = { role }
  const content = message.content
  if (content !== undefined) {
    out.content = dialect.stringContentRoles?.has(role) === true ? joinText(content, `${dialect.displayName} takes only text in ${role} messages`, param) : content
  }
  if (message.name !== undefined && (role === 'user' || role === 'system')) out.name = message.name
  if (message.tool_calls !== undefined && message.tool_calls.length > 0 && role === 'assistant') {
    out.tool_calls = message.tool_calls.map((call) => remapToolCall(call, dialect))
    if (content === undefined) out.content = null
  }
  if (role === 'tool' && message.tool_call_id !== undefined) {
    out.tool_call_id = dialect.toolCallId?.(message.tool_call_id) ?? message.tool_call_id
  }
  return out
}

function remapToolCall (call: ToolCall, dialect: OpenAICompatibleDialect): ToolCall {
  if (dialect.toolCallId === undefined) return call
  return { ...call, id: dialect.toolCallId(call.id) }
}

/** The text of a message whose role takes only a string; any other part is refused, never dropped. */
function joinText (content: MessageContent, refusal: string, param: string): string {
  if (content === null) return ''
  if (typeof content === 'string') return content
  return content.map((part: ContentPart, index) => {
    if (part.type !== 'text') throw invalidRequest(`${refusal}, not '${part.type}'.`, `${param}[${index}]`)
    return part.text ?? ''
  }).join('')
}
