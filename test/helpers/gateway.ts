import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import type { Env } from '../../src/config/config.ts'
import type { ProviderSimulator } from '../../src/dev/http-simulator.ts'
import { startSimulator as startOpenAI } from '../../providers/openai/simulator.ts'
import { startSimulator as startGroq } from '../../providers/groq/simulator.ts'
import { startSimulator as startTogether } from '../../providers/together/simulator.ts'
import { startSimulator as startMistral } from '../../providers/mistral/simulator.ts'
import { startSimulator as startAnthropic } from '../../providers/anthropic/simulator.ts'
import { startSimulator as startGemini } from '../../providers/gemini/simulator.ts'
import { startSimulator as startCohere } from '../../providers/cohere/simulator.ts'

interface Teardown { teardown: (fn: () => unknown) => void }

export const SIMULATOR_STARTERS = {
  openai: startOpenAI,
  groq: startGroq,
  together: startTogether,
  mistral: startMistral
} as const

export type SimulatedProvider = keyof typeof SIMULATOR_STARTERS

/** One model per built-in provider, pinned with its `provider:` prefix, for tests that go through all seven. */
export const PINNED_MODELS = {
  openai: 'openai:gpt-4o-mini',
  groq: 'groq:llama-3.3-70b-versatile',
  together: 'together:meta-llama/Llama-3.3-70B-Instruct-Turbo',
  mistral: 'mistral:mistral-small-latest',
  anthropic: 'anthropic:claude-sonnet-4-6',
  gemini: 'gemini:gemini-2.5-flash',
  cohere: 'cohere:command-a-03-2025'
} as const
export type Simulators = Record<SimulatedProvider, ProviderSimulator>

export async function startSimulators (t: Teardown): Promise<Simulators> {
  const entries = await Promise.all(Object.entries(SIMULATOR_STARTERS).map(async ([name, start]) => [name, await start()] as const))
  const simulators = Object.fromEntries(entries) as Simulators
  t.teardown(() => Promise.all(Object.values(simulators).map((simulator) => simulator.close())))
  return simulators
}

/** A simulator for each of the seven built-in providers, closed when the test ends. */
export async function startAllSimulators (t: Teardown): Promise<Record<keyof typeof PINNED_MODELS, ProviderSimulator>> {
  const [simulators, anthropic, gemini, cohere] = await Promise.all([startSimulators(t), startAnthropic(), startGemini(), startCohere()])
  t.teardown(() => Promise.all([anthropic.close(), gemini.close(), cohere.close()]))
  return { ...simulators, anthropic, gemini, cohere }
}

/** Env that enables each given simulator as its provider. */
export function simulatorEnv (simulators: Partial<Record<SimulatedProvider | 'gemini' | 'anthropic' | 'cohere', ProviderSimulator>>): Env {
  const env: Env = {}
  for (const [name, simulator] of Object.entries(simulators)) {
    const prefix = name.toUpperCase()
    env[`${prefix}_API_KEY`] = simulator.apiKey
    env[`${prefix}_BASE_URL`] = simulator.url
  }
  return env
}

export interface TestGateway {
  app: FastifyInstance
  /** Base URL of the listening gateway, e.g. http://127.0.0.1:12345 */
  url: string
  /** Every log line the gateway wrote, raw. */
  logs: string[]
}

/** A gateway listening on 127.0.0.1:0, logging at debug into `logs`, closed when the test ends. */
export async function startGateway (t: Teardown, env: Env, options: { loadSampleIntervalMs?: number } = {}): Promise<TestGateway> {
  const logs: string[] = []
  const logStream = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString().split('\n').filter((line) => line !== ''))
      callback()
    }
  })
  // The event loop is shared with the test's clients and simulators, so its delay is not the gateway's own: a
  // busy machine made it shed a test's requests. Load shedding on delay is tested where a test asks for it.
  // Model discovery reads each simulator's model list at start: off unless a test is about it, so that the lists
  // neither add calls to the simulators' records nor change how a test's models route.
  const app = await buildApp({ env: { LOG_LEVEL: 'debug', MAX_EVENT_LOOP_DELAY_MS: '0', STORE_URL: 'memory', MODEL_REFRESH_MS: '0', ...env }, logStream, upstreamKeepAliveTimeoutMs: 1000, ...options })
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('gateway did not listen on TCP')
  return { app, url: `http://127.0.0.1:${address.port}`, logs }
}

export async function collect<T> (iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of iterable) items.push(item)
  return items
}

/** POST /v1/chat/completions with a JSON body (a string is sent as it is, to test malformed JSON). */
export async function postChat (
  url: string,
  body: unknown,
  options: { headers?: Record<string, string>, signal?: AbortSignal } = {}
): Promise<Response> {
  return await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: options.signal
  })
}

/** Reads a response body reader to its end, returning the number of bytes and the text. */
export async function readToEnd (reader: ReadableStreamDefaultReader<Uint8Array> | undefined): Promise<{ bytes: number, text: string }> {
  const decoder = new TextDecoder()
  let bytes = 0
  let text = ''
  for (;;) {
    const { done, value } = await reader?.read() ?? { done: true, value: undefined }
    if (done === true) break
    bytes += value?.length ?? 0
    text += decoder.decode(value, { stream: true })
  }
  return { bytes, text: text + decoder.decode() }
}

/** What `fn` throws, or undefined when it returns. */
export function caught (fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return undefined
}
