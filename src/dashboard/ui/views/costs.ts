import { useEffect, useState } from 'preact/hooks'
import { html } from '../html.ts'
import { api } from '../api.ts'
import { usd } from '../format.ts'

interface CostRow { group: string, requests: number, errors: number, tokensIn: number, tokensOut: number, cost: number, keyName?: string }

const RANGES: Record<string, number> = { today: 0, '7 days': 7, '30 days': 30 }

/** Spend from the store's rollups, by provider, model, key or day, with a CSV of what is shown. */
export function Costs () {
  const [groupBy, setGroupBy] = useState('provider')
  const [range, setRange] = useState('7 days')
  const [rows, setRows] = useState<CostRow[] | undefined>()
  const [error, setError] = useState<string | undefined>()
  useEffect(() => {
    const now = new Date()
    const days = RANGES[range] ?? 0
    const since = days === 0 ? Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) : Date.now() - days * 86_400_000
    api<{ groups: CostRow[] }>(`/providers/costs?groupBy=${groupBy}&since=${since}`).then((answer) => { setRows(answer.groups); setError(undefined) }, (failure: Error) => { setError(failure.message) })
  }, [groupBy, range])

  const csv = (): string => {
    const lines = [['group', 'requests', 'errors', 'tokens_in', 'tokens_out', 'cost_usd'].join(',')]
    for (const row of rows ?? []) lines.push([JSON.stringify(row.keyName ?? row.group), row.requests, row.errors, row.tokensIn, row.tokensOut, row.cost.toFixed(9)].join(','))
    return lines.join('\n') + '\n'
  }
  const download = (): void => {
    const link = document.createElement('a')
    link.href = URL.createObjectURL(new Blob([csv()], { type: 'text/csv' }))
    link.download = `switchyard-costs-by-${groupBy}.csv`
    link.click()
    URL.revokeObjectURL(link.href)
  }
  return html`
    <section aria-labelledby="costs-title">
      <h2 id="costs-title">Costs</h2>
      <div class="filters">
        <label>By <select value=${groupBy} onChange=${(event: Event) => { setGroupBy((event.target as HTMLSelectElement).value) }}>
          ${['provider', 'model', 'key', 'day'].map((group) => html`<option value=${group}>${group}</option>`)}
        </select></label>
        <label>Over <select value=${range} onChange=${(event: Event) => { setRange((event.target as HTMLSelectElement).value) }}>
          ${Object.keys(RANGES).map((name) => html`<option value=${name}>${name}</option>`)}
        </select></label>
        <button onClick=${download} disabled=${rows === undefined || rows.length === 0}>Download CSV</button>
      </div>
      ${error === undefined ? null : html`<p class="error" role="alert">${error}</p>`}
      ${rows === undefined ? null : rows.length === 0 ? html`<p class="empty">Nothing spent in this range.</p>` : html`
        <div class="table-wrap"><table>
          <thead><tr><th scope="col">${groupBy}</th><th scope="col">Requests</th><th scope="col">Errors</th><th scope="col">Tokens in / out</th><th scope="col">Cost</th></tr></thead>
          <tbody>${rows.map((row) => html`<tr><th scope="row">${row.keyName ?? (row.group === '' ? '(no key)' : row.group)}</th><td>${row.requests}</td><td>${row.errors}</td><td>${row.tokensIn} / ${row.tokensOut}</td><td>${usd(row.cost)}</td></tr>`)}</tbody>
        </table></div>`}
    </section>`
}
