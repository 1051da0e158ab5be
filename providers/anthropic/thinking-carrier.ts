// Anthropic's thinking blocks must go back byte-identical, signature included, in a tool loop. An OpenAI client
// keeps a tool call's id but not the thinking, so the blocks ride (base64url JSON) inside the first tool call id
// of the turn and are put back, first in the assistant message, when the conversation returns.

const MARKER = '__thinking__'

export type ThinkingBlock =
  | { type: 'thinking', thinking: string, signature: string }
  | { type: 'redacted_thinking', data: string }

export function attachThinking (id: string, blocks: readonly ThinkingBlock[]): string {
  if (blocks.length === 0) return id
  return `${id}${MARKER}${Buffer.from(JSON.stringify(blocks)).toString('base64url')}`
}

/** The id Anthropic issued, and the thinking blocks carried with it (none when it carries nothing readable). */
export function detachThinking (id: string): { id: string, thinking: ThinkingBlock[] } {
  const at = id.indexOf(MARKER)
  if (at < 0) return { id, thinking: [] }
  try {
    const blocks: unknown = JSON.parse(Buffer.from(id.slice(at + MARKER.length), 'base64url').toString('utf8'))
    return { id: id.slice(0, at), thinking: Array.isArray(blocks) ? blocks as ThinkingBlock[] : [] }
  } catch {
    return { id: id.slice(0, at), thinking: [] }
  }
}
