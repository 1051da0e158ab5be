import type { ChatResponse } from '../canonical/chat-response.ts'
import { argumentsFit } from './tool-arguments.ts'

/** An answer that was HTTP 200 and still no good (docs/routing.md, Quality-aware health). */
export type SoftFailure = 'empty' | 'bad_tool_json' | 'bad_tool_args' | 'stall'

/** A tool's JSON Schema by its name, from the request's `tools` (OpenAI's or Anthropic's shape). */
export type ToolSchemas = (name: string) => unknown

/** The lookup for a request's `tools`, made only when an answer calls one. */
export function toolSchemasOf (tools: unknown): ToolSchemas {
  let byName: Map<string, unknown> | undefined
  return (name) => {
    if (byName === undefined) {
      byName = new Map()
      if (Array.isArray(tools)) {
        for (const tool of tools as Array<{ name?: unknown, input_schema?: unknown, function?: { name?: unknown, parameters?: unknown } } | null>) {
          const toolName = tool?.function?.name ?? tool?.name
          if (typeof toolName === 'string') byName.set(toolName, tool?.function?.parameters ?? tool?.input_schema)
        }
      }
    }
    return byName.get(name)
  }
}

const NO_TOOLS: ToolSchemas = () => undefined

/** One tool call's verdict: its arguments are not JSON, or do not fit a simple schema. */
function toolCallFailure (name: string, args: string, schemas: ToolSchemas): SoftFailure | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(args === '' ? '{}' : args)
  } catch {
    return 'bad_tool_json'
  }
  return argumentsFit(schemas(name), parsed) === false ? 'bad_tool_args' : undefined
}

/**
 * A whole answer's soft failure: tool arguments that are not JSON or do not fit their tool's simple schema, or an
 * empty completion that says it stopped.
 */
export function softFailureOf (response: ChatResponse, schemas: ToolSchemas = NO_TOOLS): SoftFailure | undefined {
  const choice = response.choices[0]
  if (choice === undefined) return undefined
  const calls = choice.message.tool_calls ?? []
  let failure: SoftFailure | undefined
  for (const call of calls) {
    const verdict = toolCallFailure(call.function.name, call.function.arguments, schemas)
    if (verdict === 'bad_tool_json') return verdict
    failure ??= verdict
  }
  if (failure !== undefined) return failure
  const content = choice.message.content
  if (calls.length === 0 && choice.finish_reason === 'stop' && (content === null || content === undefined || content === '')) return 'empty'
  return undefined
}

/** A tool call as a stream sent it, its argument fragments joined; `overflow` once past what is kept to check. */
export interface StreamedToolCall { name: string, arguments: string, overflow: boolean }

/** What a stream's meter saw (RequestRecord). */
export interface StreamFacts {
  readonly outputChars: number
  readonly toolCalls?: ReadonlyMap<number, StreamedToolCall> | undefined
  /** The longest wait between two chunks that carried output, in ms. */
  readonly longestGapMs: number
}

/**
 * A stream's, once it ended well: tool arguments as for a whole answer, a stream that sent nothing at all, or one
 * that paused longer than `stallMs` (a model group's threshold) between two chunks.
 */
export function softFailureOfStream (facts: StreamFacts, schemas: ToolSchemas = NO_TOOLS, stallMs?: number): SoftFailure | undefined {
  let failure: SoftFailure | undefined
  for (const call of facts.toolCalls?.values() ?? []) {
    if (call.overflow) continue
    const verdict = toolCallFailure(call.name, call.arguments, schemas)
    if (verdict === 'bad_tool_json') return verdict
    failure ??= verdict
  }
  if (failure !== undefined) return failure
  if (facts.outputChars === 0) return 'empty'
  if (stallMs !== undefined && facts.longestGapMs > stallMs) return 'stall'
  return undefined
}
