import type { ChatResponse } from '../canonical/chat-response.ts'

/** An answer that was HTTP 200 and still no good (docs/routing.md, Quality-aware health). */
export type SoftFailure = 'empty' | 'bad_tool_json'

/** A whole answer's soft failure: an empty completion that says it stopped, or tool arguments that are not JSON. */
export function softFailureOf (response: ChatResponse): SoftFailure | undefined {
  const choice = response.choices[0]
  if (choice === undefined) return undefined
  const calls = choice.message.tool_calls ?? []
  for (const call of calls) {
    try {
      JSON.parse(call.function.arguments)
    } catch {
      return 'bad_tool_json'
    }
  }
  const content = choice.message.content
  if (calls.length === 0 && choice.finish_reason === 'stop' && (content === null || content === undefined || content === '')) return 'empty'
  return undefined
}

/** A stream's: it ended well and sent nothing at all (no text, no reasoning, no tool arguments). */
export function softFailureOfStream (outputChars: number): SoftFailure | undefined {
  return outputChars === 0 ? 'empty' : undefined
}
