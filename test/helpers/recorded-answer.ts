// What a recorded provider answer says, read straight from its wire format with none of the gateway's code: the
// answer text (thinking left out), the names of the tools it calls, and whether it is an error. The replay test
// holds what clients get through the gateway to this.

export interface RecordedAnswer {
  text: string
  tools: string[]
  /** The provider's error status (an error body), or `mid-stream` for a stream that fails after it began. */
  error?: number | 'mid-stream'
}

type Json = Record<string, unknown>
const asObject = (value: unknown): Json => (typeof value === 'object' && value !== null ? value as Json : {})
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])

/** The `data:` payloads of an SSE body, with the event name before each, `[DONE]` left out. */
export function sseEvents (bytes: Buffer): Array<{ event: string | undefined, data: Json }> {
  const events: Array<{ event: string | undefined, data: Json }> = []
  for (const frame of bytes.toString('utf8').split(/\r?\n\r?\n/)) {
    let event: string | undefined
    const data: string[] = []
    for (const line of frame.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim()
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart())
    }
    if (data.length === 0 || data.join('\n') === '[DONE]') continue
    events.push({ event, data: asObject(JSON.parse(data.join('\n'))) })
  }
  return events
}

function openaiContentText (content: unknown): string {
  if (typeof content === 'string') return content
  return asArray(content).map((part) => asObject(part)).filter((part) => part.type === 'text').map((part) => String(part.text ?? '')).join('')
}

function openaiAnswer (stream: boolean, body: Json, events: Array<{ data: Json }>): RecordedAnswer {
  if (!stream) {
    const message = asObject(asObject(asArray(body.choices)[0]).message)
    return { text: openaiContentText(message.content), tools: asArray(message.tool_calls).map((call) => String(asObject(asObject(call).function).name)) }
  }
  const answer: RecordedAnswer = { text: '', tools: [] }
  for (const { data } of events) {
    if (data.error != null || asObject(data.x_groq).error != null) answer.error = 'mid-stream'
    const delta = asObject(asObject(asArray(data.choices)[0]).delta)
    answer.text += openaiContentText(delta.content)
    for (const call of asArray(delta.tool_calls)) {
      const name = asObject(asObject(call).function).name
      if (typeof name === 'string') answer.tools.push(name)
    }
  }
  return answer
}

function anthropicAnswer (stream: boolean, body: Json, events: Array<{ data: Json }>): RecordedAnswer {
  if (!stream) {
    const blocks = asArray(body.content).map(asObject)
    return { text: blocks.filter((block) => block.type === 'text').map((block) => String(block.text)).join(''), tools: blocks.filter((block) => block.type === 'tool_use').map((block) => String(block.name)) }
  }
  const answer: RecordedAnswer = { text: '', tools: [] }
  for (const { data } of events) {
    if (data.type === 'error') answer.error = 'mid-stream'
    const delta = asObject(data.delta)
    if (data.type === 'content_block_delta' && delta.type === 'text_delta') answer.text += String(delta.text)
    const block = asObject(data.content_block)
    if (data.type === 'content_block_start' && block.type === 'tool_use') answer.tools.push(String(block.name))
  }
  return answer
}

function geminiAnswer (stream: boolean, body: Json, events: Array<{ data: Json }>): RecordedAnswer {
  const answer: RecordedAnswer = { text: '', tools: [] }
  for (const data of stream ? events.map((event) => event.data) : [body]) {
    for (const part of asArray(asObject(asObject(asArray(data.candidates)[0]).content).parts).map(asObject)) {
      if (typeof part.text === 'string' && part.thought !== true) answer.text += part.text
      const call = asObject(part.functionCall)
      if (typeof call.name === 'string') answer.tools.push(call.name)
    }
  }
  return answer
}

function cohereAnswer (stream: boolean, body: Json, events: Array<{ data: Json }>): RecordedAnswer {
  if (!stream) {
    const message = asObject(body.message)
    return {
      text: asArray(message.content).map(asObject).filter((part) => part.type === 'text').map((part) => String(part.text)).join(''),
      tools: asArray(message.tool_calls).map((call) => String(asObject(asObject(call).function).name))
    }
  }
  const answer: RecordedAnswer = { text: '', tools: [] }
  for (const { data } of events) {
    const message = asObject(asObject(data.delta).message)
    if (data.type === 'content-delta' && typeof asObject(message.content).text === 'string') answer.text += String(asObject(message.content).text)
    const name = asObject(asObject(message.tool_calls).function).name
    if (data.type === 'tool-call-start' && typeof name === 'string') answer.tools.push(name)
  }
  return answer
}

const READERS: Record<string, typeof openaiAnswer> = {
  openai: openaiAnswer,
  groq: openaiAnswer,
  together: openaiAnswer,
  mistral: openaiAnswer,
  anthropic: anthropicAnswer,
  gemini: geminiAnswer,
  cohere: cohereAnswer
}

/** What the recording `name` (in `providers/<provider>/fixtures/`) answers; `bytes` are as the provider sent them. */
export function readRecordedAnswer (provider: string, name: string, bytes: Buffer): RecordedAnswer {
  const status = /^error-(\d{3})/.exec(name)?.[1]
  if (status !== undefined) return { text: '', tools: [], error: Number(status) }
  const stream = !name.endsWith('.json')
  const read = READERS[provider]
  if (read === undefined) throw new Error(`no reader for ${provider}`)
  return read(stream, stream ? {} : asObject(JSON.parse(bytes.toString('utf8'))), stream ? sseEvents(bytes) : [])
}
