import type OpenAI from 'openai'

/** A streamed answer's text, and every log-probability entry its chunks carried, in order. */
export async function streamedLogprobs (stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<{ text: string, entries: OpenAI.ChatCompletionTokenLogprob[] }> {
  let text = ''
  const entries: OpenAI.ChatCompletionTokenLogprob[] = []
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? ''
    entries.push(...chunk.choices[0]?.logprobs?.content ?? [])
  }
  return { text, entries }
}
