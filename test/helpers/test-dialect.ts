import type { OpenAICompatibleDialect } from '../../src/openai-compatible/dialect.ts'
import { createCallContext } from '../../src/call/call-provider.ts'

// A dialect that exercises every hook, for the tests beside the shared translators; no provider uses it.

export function testDialect (overrides: Partial<OpenAICompatibleDialect> = {}): OpenAICompatibleDialect {
  return {
    displayName: 'Testco',
    forwardedParams: new Set(['model', 'messages', 'stream', 'temperature', 'random_seed', 'tools', 'max_tokens']),
    renamedParams: { seed: 'random_seed' },
    streamUsage: 'request',
    maxChoices: 1,
    strictMessages: true,
    stringContentRoles: new Set(['system']),
    toolCallId: (id) => id.replace(/[^a-z0-9]/gi, '').slice(0, 9).padEnd(9, '0'),
    finishReasons: { eos: 'stop', model_length: 'length', failed: 'error' },
    keepUnknownResponseFields: false,
    vendorFields: (wire) => {
      const own = wire.x_test as { usage?: { prompt_tokens: number, completion_tokens: number }, error?: string } | undefined
      return own === undefined ? undefined : { ...(own.usage === undefined ? {} : { usage: own.usage }), ...(own.error === undefined ? {} : { error: own.error }) }
    },
    statuses: { 498: 503 },
    ...overrides
  }
}

export interface Notice { message: string, fields: Record<string, unknown> }

/** A call context whose notices are kept for the test to read. */
export function noticingContext (stream = false): { ctx: ReturnType<typeof createCallContext>, notices: Notice[] } {
  const notices: Notice[] = []
  return { ctx: createCallContext('testco', 'test-1', 'req-1', stream, (message, fields) => { notices.push({ message, fields }) }), notices }
}
