import type { ChatRequest } from '../canonical/chat-request.ts'

/**
 * Characters of text in a request's prompt: message text, tool-call arguments and tool definitions. Images are
 * left out (their token cost depends on the provider and the size, which the gateway does not know). Used
 * only to estimate usage when a provider reports none.
 */
export function promptChars (request: ChatRequest): number {
  let chars = 0
  for (const message of request.messages) {
    const content = message.content
    if (typeof content === 'string') chars += content.length
    else if (Array.isArray(content)) for (const part of content) chars += part.text?.length ?? 0
    for (const call of message.tool_calls ?? []) chars += call.function.name.length + call.function.arguments.length
  }
  if (request.tools !== undefined) chars += JSON.stringify(request.tools).length
  return chars
}
