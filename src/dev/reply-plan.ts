// Decides what a simulated model answers, from a provider-neutral view of the request, so that every simulator
// (whatever its wire format) behaves the same way and tests can predict it.

export interface SimulatedTool {
  name: string
  parameters?: Record<string, unknown>
}

export interface SimulatedConversation {
  lastRole: 'user' | 'assistant' | 'tool' | 'system'
  lastText: string
  /** Total characters of all message text, for a deterministic prompt token count. */
  promptChars: number
  tools: SimulatedTool[]
  /** `none` forbids tools; a name forces that tool. */
  toolChoice: 'auto' | 'none' | 'required' | { name: string }
}

export interface SimulatorScript {
  /** Answer text; by default an echo of the last user message. */
  text?: string
  /** How many stream deltas the text is cut into (default: one per word). */
  chunkCount?: number
  /** Pause before each stream delta. */
  chunkDelayMs?: number
  /** Prompt tokens reported as served from the prompt cache (where the wire format has the field). */
  cachedPromptTokens?: number
  /** Stream without a usage chunk even when asked for one, as some providers and proxies do. */
  omitStreamUsage?: boolean
  /** This share (0–1) of answers come back empty, `finish_reason: stop`, spread evenly over the calls. */
  emptyShare?: number
  /** Tool-call arguments sent as they are instead of a sample that fits the tool's schema (broken JSON, say). */
  toolArguments?: string
}

export interface PlannedToolCall {
  name: string
  arguments: string
}

export interface PlannedUsage {
  prompt: number
  completion: number
  cached: number
  /** False when the script says to leave usage out of streams. */
  inStream: boolean
}

export type ReplyPlan =
  | { kind: 'text', text: string, pieces: string[], usage: PlannedUsage }
  | { kind: 'tool', calls: PlannedToolCall[], usage: PlannedUsage }

export function planReply (conversation: SimulatedConversation, script: SimulatorScript, displayName: string): ReplyPlan {
  const prompt = Math.max(1, Math.ceil(conversation.promptChars / 4))
  const usage = (completion: number): PlannedUsage =>
    ({ prompt, completion, cached: Math.min(prompt, script.cachedPromptTokens ?? 0), inStream: script.omitStreamUsage !== true })
  const wantsTool = conversation.tools.length > 0 && conversation.toolChoice !== 'none' && conversation.lastRole === 'user'
  if (wantsTool) {
    const forced = typeof conversation.toolChoice === 'object' ? conversation.toolChoice.name : undefined
    const tool = conversation.tools.find((candidate) => candidate.name === forced) ?? conversation.tools[0]
    if (tool !== undefined) {
      const args = script.toolArguments ?? JSON.stringify(sampleArguments(tool.parameters))
      return { kind: 'tool', calls: [{ name: tool.name, arguments: args }], usage: usage(Math.max(1, Math.ceil(args.length / 4))) }
    }
  }
  const text = script.text ?? (conversation.lastRole === 'tool'
    ? `The tool answered: ${conversation.lastText}`
    : `Hello from the ${displayName} simulator. You said: ${conversation.lastText}`)
  const pieces = splitText(text, script.chunkCount)
  return { kind: 'text', text, pieces, usage: usage(Math.max(1, pieces.length)) }
}

function splitText (text: string, count: number | undefined): string[] {
  if (count === undefined) return text.match(/\S+\s*|\s+/g) ?? [text]
  if (count <= 1) return [text]
  const size = Math.max(1, Math.ceil(text.length / count))
  const pieces: string[] = []
  for (let start = 0; pieces.length < count; start += size) pieces.push(text.slice(start, start + size))
  return pieces
}

/** Plausible arguments for a JSON schema: the first enum value, else a sample per type, for every property. */
export function sampleArguments (schema: Record<string, unknown> | undefined): Record<string, unknown> {
  const declared = schema?.properties
  const properties = (typeof declared === 'object' && declared !== null ? declared : {}) as Record<string, unknown>
  const args: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(properties)) {
    // A property schema may be anything a client sent: only an object says what to sample.
    const property = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
    const options = property.enum
    if (Array.isArray(options) && options.length > 0) args[name] = options[0]
    else if (property.type === 'number' || property.type === 'integer') args[name] = 1
    else if (property.type === 'boolean') args[name] = true
    else if (property.type === 'array') args[name] = []
    else if (property.type === 'object') args[name] = {}
    else args[name] = 'Paris'
  }
  return args
}

/** Deterministic alphanumeric ids: the same simulator gives the same sequence every run. */
export function createIdSequence (alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789') {
  let counter = 0
  return (length: number): string => {
    let seed = ++counter * 2654435761
    let id = ''
    for (let i = 0; i < length; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648
      id += alphabet[seed % alphabet.length]
    }
    return id
  }
}
