import type { MessagesRequest } from './schema.ts'

/** Characters of text in an Anthropic request (system, text blocks, tool results, tool definitions): for estimates only. */
export function anthropicPromptChars (request: MessagesRequest): number {
  let chars = 0
  const count = (content: unknown): void => {
    if (typeof content === 'string') chars += content.length
    else if (Array.isArray(content)) {
      for (const block of content as Array<{ text?: unknown, content?: unknown, input?: unknown }>) {
        if (typeof block.text === 'string') chars += block.text.length
        if (block.content !== undefined) count(block.content)
        if (block.input !== undefined) chars += JSON.stringify(block.input).length
      }
    }
  }
  count(request.system)
  for (const message of request.messages) count(message.content)
  if (request.tools !== undefined) chars += JSON.stringify(request.tools).length
  return chars
}
