import { createUsage, type Usage } from '../../src/canonical/usage.ts'

// About four characters per token for English text in the common BPE tokenizers: good enough to keep a cost
// from reading zero when a provider sends no usage, and always flagged `usageSource: "estimated"`.
const CHARS_PER_TOKEN = 4

export function estimateUsage (promptChars: number, outputChars: number): Usage {
  return createUsage(Math.ceil(promptChars / CHARS_PER_TOKEN), Math.ceil(outputChars / CHARS_PER_TOKEN))
}
