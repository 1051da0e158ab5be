import { useEffect, useState } from 'preact/hooks'
import { html } from '../html.ts'
import { api } from '../api.ts'
import { ms, time, usd } from '../format.ts'
import type { LogRow } from '../types.ts'

interface Filters { provider: string, model: string, status: string, success: string }

/** The stored request log: the API's filters, cursor paging, and one request in detail. Reloads on new traffic. */
export function Log ({ lastRequestId, providers }: { lastRequestId: string | undefined, providers: string[] }) {
  const [filters, setFilters] = useState<Filters>({ provider: '', model: '', status: '', success: '' })
  const [rows, setRows] = useState<LogRow[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [error, setError] = useState<string | undefined>()
  const [selected, setSelected] = useState<LogRow | undefined>()

  const query = (after?: string): string => {
    const params = new URLSearchParams({ since: '0', limit: '50' })
    if (filters.provider !== '') params.set('provider', filters.provider)
    if (filters.model !== '') params.set('model', filters.model)
    if (filters.status !== '') params.set('status', filters.status)
    if (filters.success !== '') params.set('success', filters.success)
    if (after !== undefined) params.set('cursor', after)
    return `/providers/logs?${params.toString()}`
  }
  const load = (after?: string): void => {
    api<{ logs: LogRow[], nextCursor: string | null }>(query(after)).then((page) => {
      setRows((previous) => after === undefined ? page.logs : [...previous, ...page.logs])
      setCursor(page.nextCursor)
      setError(undefined)
    }, (failure: Error) => { setError(failure.message) })
  }
  useEffect(() => { load() }, [filters, lastRequestId])

  const set = (field: keyof Filters) => (event: Event): void => { setFilters({ ...filters, [field]: (event.target as HTMLInputElement).value }) }
  return html`
    <section aria-labelledby="log-title">
      <h2 id="log-title">Request log</h2>
      <form class="filters" onSubmit=${(event: Event) => { event.preventDefault() }}>
        <label>Provider <select value=${filters.provider} onChange=${set('provider')}><option value="">all</option>${providers.map((name) => html`<option value=${name}>${name}</option>`)}</select></label>
        <label>Model <input value=${filters.model} onChange=${set('model')} placeholder="as sent upstream" /></label>
        <label>Status <input value=${filters.status} onChange=${set('status')} inputmode="numeric" size="4" /></label>
        <label>Outcome <select value=${filters.success} onChange=${set('success')}><option value="">all</option><option value="true">success</option><option value="false">failure</option></select></label>
      </form>
      ${error === undefined ? null : html`<p class="error" role="alert">${error}</p>`}
      ${rows.length === 0 && error === undefined ? html`<p class="empty">No requests yet.</p>` : html`
        <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">Time</th><th scope="col">Provider : model</th><th scope="col">Status</th><th scope="col">Latency</th><th scope="col">Tokens</th><th scope="col">Cost</th></tr></thead>
            <tbody>
              ${rows.map((row) => html`
                <tr data-request=${row.requestId}>
                  <td><button class="link" onClick=${() => { setSelected(row) }} aria-label=${`Details of request ${row.requestId}`}>${time(row.timestamp)}</button></td>
                  <td><code>${row.provider}:${row.model}</code></td>
                  <td class=${row.success ? 'ok-text' : 'bad-text'}>${row.statusCode}</td>
                  <td>${ms(row.latencyMs)}</td>
                  <td>${row.tokensIn} / ${row.tokensOut}</td>
                  <td>${usd(row.cost)}</td>
                </tr>`)}
            </tbody>
          </table>
        </div>
        ${cursor === null ? null : html`<button onClick=${() => { load(cursor) }}>Older</button>`}`}
      ${selected === undefined ? null : html`<${Detail} row=${selected} close=${() => { setSelected(undefined) }} />`}
    </section>`
}

function Detail ({ row, close }: { row: LogRow, close: () => void }) {
  const fields: Array<[string, string]> = [
    ['Request id', row.requestId],
    ['When', new Date(row.timestamp).toISOString()],
    ['Endpoint', `${row.endpoint} (${row.ingress}${row.stream ? ', streamed' : ''})`],
    ['Answered by', `${row.provider}:${row.model}`],
    ['Attempts', row.attempts === '' ? 'none' : row.attempts],
    ['Status', `${row.statusCode}${row.errorKind === null ? '' : ` (${row.errorKind})`}`],
    ['Latency', ms(row.latencyMs)],
    ['Time to first token', ms(row.timeToFirstTokenMs)],
    ['Tokens in / out', `${row.tokensIn} / ${row.tokensOut} (cached ${row.cachedTokensIn}, reasoning ${row.reasoningTokens})`],
    ['Cost', `${usd(row.cost)} (${row.costSource})`],
    ['Client key', row.keyId ?? 'none'],
    ['Experiment', row.experiment === null ? 'none' : `${row.experiment}, arm ${row.arm ?? '?'}`]
  ]
  if (row.errorMessage !== null) fields.push(['Error', row.errorMessage])
  return html`
    <aside class="detail" aria-labelledby="detail-title" data-testid="request-detail">
      <h3 id="detail-title">Request ${row.requestId}</h3>
      <dl>${fields.map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}</dl>
      <button onClick=${close}>Close</button>
    </aside>`
}
