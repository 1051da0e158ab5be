import { useEffect, useState } from 'preact/hooks'
import { html } from '../html.ts'
import { api } from '../api.ts'
import { usd } from '../format.ts'

interface Budget { limitUsd: number, usedUsd: number, remainingUsd: number, resetsAt: string }
interface KeyView { id: string, name: string, settings: { owner?: string, budgetDailyUsd?: number, requestsPerMinute?: number }, usage: { daily: Budget | null, monthly: Budget | null } }

/** Virtual keys: made (the key shown once, here, and never again), revoked, and their daily budget edited. */
export function Keys ({ readOnly }: { readOnly: boolean }) {
  const [keys, setKeys] = useState<KeyView[]>([])
  const [created, setCreated] = useState<{ name: string, key: string } | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [name, setName] = useState('')
  const [budget, setBudget] = useState('')
  const load = (): void => { api<{ keys: KeyView[] }>('/providers/keys').then((answer) => { setKeys(answer.keys) }, (failure: Error) => { setError(failure.message) }) }
  useEffect(load, [])

  const create = (event: Event): void => {
    event.preventDefault()
    const body: Record<string, unknown> = { name }
    if (budget !== '') body.budgetDailyUsd = Number(budget)
    api<{ key: string, name: string }>('/providers/keys', 'POST', body).then((answer) => {
      setCreated({ name: answer.name, key: answer.key })
      setName('')
      setBudget('')
      setError(undefined)
      load()
    }, (failure: Error) => { setError(failure.message) })
  }
  const revoke = (key: KeyView): void => {
    api(`/providers/keys/${key.id}`, 'DELETE').then(() => { setCreated(undefined); load() }, (failure: Error) => { setError(failure.message) })
  }
  const editBudget = (key: KeyView, value: string): void => {
    api(`/providers/keys/${key.id}`, 'PATCH', { budgetDailyUsd: value === '' ? null : Number(value) }).then(load, (failure: Error) => { setError(failure.message) })
  }

  return html`
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">Virtual keys</h2>
      ${error === undefined ? null : html`<p class="error" role="alert">${error}</p>`}
      ${created === undefined ? null : html`
        <div class="notice" role="status" data-testid="new-key">
          <p>The key <strong>${created.name}</strong>, shown this once: copy it now.</p>
          <p><code class="secret">${created.key}</code></p>
          <button onClick=${() => { setCreated(undefined) }}>I have copied it</button>
        </div>`}
      <form class="filters" onSubmit=${create}>
        <label>Name <input required value=${name} onInput=${(event: Event) => { setName((event.target as HTMLInputElement).value) }} disabled=${readOnly} /></label>
        <label>Daily budget (USD) <input type="number" min="0" step="any" value=${budget} onInput=${(event: Event) => { setBudget((event.target as HTMLInputElement).value) }} disabled=${readOnly} /></label>
        <button type="submit" disabled=${readOnly}>Create key</button>
      </form>
      ${keys.length === 0 ? html`<p class="empty">No virtual keys yet.</p>` : html`
        <div class="table-wrap"><table>
          <thead><tr><th scope="col">Name</th><th scope="col">Daily budget</th><th scope="col">Spent today</th><th scope="col"></th></tr></thead>
          <tbody>${keys.map((key) => html`
            <tr data-key=${key.name}>
              <th scope="row">${key.name}</th>
              <td><label class="inline"><span class="visually-hidden">Daily budget of ${key.name}</span>
                <input type="number" min="0" step="any" size="6" value=${key.settings.budgetDailyUsd ?? ''} disabled=${readOnly}
                  onChange=${(event: Event) => { editBudget(key, (event.target as HTMLInputElement).value) }} /></label></td>
              <td>${key.usage.daily === null ? '—' : `${usd(key.usage.daily.usedUsd)} of ${usd(key.usage.daily.limitUsd)}`}</td>
              <td><button disabled=${readOnly} onClick=${() => { revoke(key) }}>Revoke</button></td>
            </tr>`)}
          </tbody>
        </table></div>`}
    </section>`
}
