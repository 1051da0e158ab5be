import { useEffect, useState } from 'preact/hooks'
import { html } from '../html.ts'
import { api } from '../api.ts'

interface ProviderStatus {
  name: string
  displayName: string
  enabled: boolean
  mode: string
  weight: number
  keyConfigured: boolean
  modelMap: Record<string, string>
  sources: { dispatchMode: string, weight: string, modelMap: string }
}

const MODES = ['off', 'exclusive', 'pooled', 'fallback']

/** Dispatch mode and weight per provider, through the admin API; each change shows its source and can be undone. */
export function Providers ({ readOnly }: { readOnly: boolean }) {
  const [providers, setProviders] = useState<ProviderStatus[]>([])
  const [message, setMessage] = useState<{ text: string, error: boolean } | undefined>()
  const load = (): void => {
    api<{ providers: ProviderStatus[] }>('/providers/status').then((answer) => { setProviders(answer.providers) }, (error: Error) => { setMessage({ text: error.message, error: true }) })
  }
  useEffect(load, [])

  const change = (name: string, patch: Record<string, unknown>): void => {
    api(`/providers/${name}`, 'PATCH', patch).then(() => { setMessage({ text: `${name}: changed`, error: false }); load() },
      (error: Error) => { setMessage({ text: `${name}: ${error.message}`, error: true }) })
  }
  const undo = (name: string): void => {
    api(`/providers/${name}`, 'DELETE').then(() => { setMessage({ text: `${name}: back to its env settings`, error: false }); load() },
      (error: Error) => { setMessage({ text: `${name}: ${error.message}`, error: true }) })
  }
  const resetMetrics = (): void => {
    api('/providers/metrics/reset', 'POST').then(() => { setMessage({ text: 'Live metrics reset', error: false }) }, (error: Error) => { setMessage({ text: error.message, error: true }) })
  }

  return html`
    <section aria-labelledby="providers-title">
      <h2 id="providers-title">Providers</h2>
      ${message === undefined ? null : html`<p class=${message.error ? 'error' : 'notice'} role="status">${message.text}</p>`}
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">Provider</th><th scope="col">Key</th><th scope="col">Mode</th><th scope="col">Weight</th><th scope="col">Model map</th><th scope="col"></th></tr></thead>
        <tbody>${providers.map((provider) => html`
          <tr data-provider=${provider.name}>
            <th scope="row">${provider.displayName}</th>
            <td>${provider.keyConfigured ? 'set' : 'none'}</td>
            <td>
              <label class="inline"><span class="visually-hidden">Dispatch mode of ${provider.displayName}</span>
                <select name=${`mode-${provider.name}`} value=${provider.mode} disabled=${readOnly} onChange=${(event: Event) => { change(provider.name, { dispatchMode: (event.target as HTMLSelectElement).value }) }}>
                  ${MODES.map((mode) => html`<option value=${mode}>${mode}</option>`)}
                </select></label>
              <small class="source">${provider.sources.dispatchMode}</small>
            </td>
            <td>
              <label class="inline"><span class="visually-hidden">Weight of ${provider.displayName}</span>
                <input type="number" min="0" step="any" size="5" value=${provider.weight} disabled=${readOnly}
                  onChange=${(event: Event) => { change(provider.name, { weight: Number((event.target as HTMLInputElement).value) }) }} /></label>
              <small class="source">${provider.sources.weight}</small>
            </td>
            <td><code>${Object.entries(provider.modelMap).map(([from, to]) => `${from}→${to}`).join(', ') || '—'}</code> <small class="source">${provider.sources.modelMap}</small></td>
            <td>${Object.values(provider.sources).includes('override') ? html`<button disabled=${readOnly} onClick=${() => { undo(provider.name) }}>Undo changes</button>` : null}</td>
          </tr>`)}
        </tbody>
      </table></div>
      <p><button disabled=${readOnly} onClick=${resetMetrics}>Reset live metrics</button></p>
    </section>`
}
