// Gemini 3 puts a `thoughtSignature` on function-call parts and rejects a later request whose history lacks it.
// OpenAI clients keep only a tool call's id, name and arguments, so the signature rides inside the id and is
// put back on the `functionCall` part when the conversation returns (the carrier LiteLLM also uses).

const MARKER = '__thought__'

export function encodeToolCallId (id: string, thoughtSignature: string | undefined): string {
  return thoughtSignature === undefined ? id : `${id}${MARKER}${thoughtSignature}`
}

export function decodeToolCallId (id: string): { id: string, thoughtSignature: string | undefined } {
  const at = id.indexOf(MARKER)
  if (at < 0) return { id, thoughtSignature: undefined }
  return { id: id.slice(0, at), thoughtSignature: id.slice(at + MARKER.length) }
}
