import { clientClosed } from '../canonical/errors.ts'
import { fetchUpstreamAnswer } from '../call/guarded-call.ts'
import type { ClientPresence } from '../call/client-presence.ts'
import type { ProviderTarget } from '../call/types.ts'
import type { DiscoveredModel, ModelDiscovery } from '../provider/model-discovery.ts'

// A list longer than this is not a provider's model list: a broken or hostile upstream is not followed further.
const MAX_PAGES = 50
const MAX_MODELS = 5_000

/** A background call has no client: nothing leaves, and only `abort` ends it early. */
function backgroundPresence (signal: AbortSignal): ClientPresence {
  return {
    get gone () { return signal.aborted },
    endedBy: undefined,
    onGone: (listener) => {
      const onAbort = (): void => { listener(clientClosed()) }
      signal.addEventListener('abort', onAbort, { once: true })
      return () => { signal.removeEventListener('abort', onAbort) }
    },
    onClose: () => {}
  }
}

/**
 * A provider's whole model list, page after page, with the provider's own auth headers. Fails (with a scrubbed
 * GatewayError) on any page that fails, so that a partial list never replaces a whole one; a model listed twice
 * is kept once.
 */
export async function listModels (target: ProviderTarget, discovery: ModelDiscovery, timeoutMs: number, signal: AbortSignal): Promise<DiscoveredModel[]> {
  const models: DiscoveredModel[] = []
  const seen = new Set<string>()
  const options = { requestId: `model-list-${target.name}`, client: backgroundPresence(signal), requestTimeoutMs: timeoutMs, streamIdleTimeoutMs: timeoutMs, streamTimeoutMs: timeoutMs }
  let page: string | undefined
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const line = { path: discovery.path(target.upstream.basePath, page), method: 'GET' as const, fromOrigin: true, headers: { ...target.headers }, body: '', waitingFor: 'model list' }
    const listed = await fetchUpstreamAnswer(target, options, line, (text) => discovery.parse(JSON.parse(text)))
    for (const model of listed.models) {
      if (seen.has(model.id) || models.length >= MAX_MODELS) continue
      seen.add(model.id)
      models.push(model)
    }
    if (listed.next === undefined) return models
    if (listed.next === page) throw new Error(`${target.name}: the model list gave the same page token twice`)
    page = listed.next
  }
  throw new Error(`${target.name}: the model list runs past ${MAX_PAGES} pages`)
}
