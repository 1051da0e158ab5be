import { html } from '../html.ts'
import { ms, percent, time, usd } from '../format.ts'
import type { LiveSnapshot } from '../types.ts'

/** Each provider now: its state, its live figures, and today's from the store. Fed by the live feed. */
export function Overview ({ live, error }: { live: LiveSnapshot | undefined, error: string | undefined }) {
  if (live === undefined) return html`<p class="empty">${error ?? 'Waiting for the live feed…'}</p>`
  return html`
    <section aria-labelledby="overview-title">
      <h2 id="overview-title">Overview</h2>
      ${live.storeError === null ? null : html`<p class="error" role="alert">The store cannot be read: ${live.storeError}. Live figures only.</p>`}
      <p class="muted" data-testid="last-request">${live.lastRequest === null
        ? 'No traffic yet: send a request to /v1/chat/completions and it shows here.'
        : html`Last request: <code>${live.lastRequest.provider}:${live.lastRequest.model}</code> answered ${live.lastRequest.statusCode} at ${time(live.lastRequest.timestamp)}`}</p>
      <div class="table-wrap">
        <table>
          <thead><tr><th scope="col">Provider</th><th scope="col">Status</th><th scope="col">Requests/s</th><th scope="col">Errors</th><th scope="col">Latency p50 / p95</th><th scope="col">TTFT p50</th><th scope="col">Today</th></tr></thead>
          <tbody>
            ${live.providers.map((provider) => html`
              <tr data-provider=${provider.name}>
                <th scope="row">${provider.displayName}</th>
                <td><span class=${`badge ${statusClass(provider)}`}>${statusText(provider)}</span></td>
                <td>${provider.requestsPerSecond.toFixed(1)}</td>
                <td>${percent(provider.errorRate)}</td>
                <td>${ms(provider.p50LatencyMs)} / ${ms(provider.p95LatencyMs)}</td>
                <td>${ms(provider.p50TimeToFirstTokenMs)}</td>
                <td>${provider.today === null ? '—' : `${provider.today.requests} req, ${usd(provider.today.cost)}, ${provider.today.softFailures} soft`}</td>
              </tr>`)}
          </tbody>
        </table>
      </div>
      <p class="muted">Updated ${time(live.at)}.</p>
    </section>`
}

function statusText (provider: LiveSnapshot['providers'][number]): string {
  if (!provider.enabled) return provider.mode === 'off' ? 'off' : 'no key'
  if (provider.cooldownUntil !== null) return `cooling down until ${time(provider.cooldownUntil)}`
  if (provider.circuit === 'open') return 'circuit open'
  if (provider.circuit === 'half-open') return 'half-open'
  return provider.mode
}

function statusClass (provider: LiveSnapshot['providers'][number]): string {
  if (!provider.enabled) return 'off'
  return provider.circuit === 'closed' && provider.cooldownUntil === null ? 'ok' : 'bad'
}
