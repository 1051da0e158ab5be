import { createRequire } from 'node:module'
import type { EnvHttpProxyAgent as EnvHttpProxyAgentClass, Pool as PoolClass, ProxyAgent as ProxyAgentClass } from 'undici'

// The three dispatchers the gateway uses, loaded from undici's own files instead of its index. The index loads all
// of undici (fetch, WebSocket, caches, cookies, mocks) and, by reading `globalThis.Headers`, Node's bundled copy
// of undici too: 3 MB more resident memory at rest and 8 MB just after start-up (docs/performance.md). The one
// thing the index does that these need is done here as well: it gives every dispatcher undici's request API,
// whose `connect` the proxy agents open their tunnels with.

const require = createRequire(import.meta.url)
const Dispatcher = require('undici/lib/dispatcher/dispatcher.js') as { prototype: object }
Object.assign(Dispatcher.prototype, require('undici/lib/api/index.js'))

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof PoolClass
export const ProxyAgent = require('undici/lib/dispatcher/proxy-agent.js') as typeof ProxyAgentClass
export const EnvHttpProxyAgent = require('undici/lib/dispatcher/env-http-proxy-agent.js') as typeof EnvHttpProxyAgentClass
