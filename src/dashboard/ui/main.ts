import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { html } from './html.ts'
import { api, setCsrf, type SessionState } from './api.ts'
import type { LiveSnapshot } from './types.ts'
import { Overview } from './views/overview.ts'
import { Log } from './views/log.ts'
import { Costs } from './views/costs.ts'
import { Providers } from './views/providers.ts'
import { Keys } from './views/keys.ts'
import { Routing } from './views/routing.ts'

const VIEWS = ['Overview', 'Log', 'Costs', 'Providers', 'Keys', 'Routing'] as const
type View = typeof VIEWS[number]

function SignIn ({ session, signedIn }: { session: SessionState, signedIn: (next: SessionState) => void }) {
  const [key, setKey] = useState('')
  const [error, setError] = useState<string | undefined>()
  const submit = (event: Event): void => {
    event.preventDefault()
    api<SessionState>('/dashboard/api/session', 'POST', session.keyNeeded ? { key } : {}).then((next) => {
      setKey('')
      signedIn({ ...next, keyNeeded: session.keyNeeded })
    }, (failure: Error) => { setError(failure.message) })
  }
  return html`
    <main class="signin">
      <h1>Switchyard</h1>
      <form onSubmit=${submit}>
        ${session.keyNeeded
          ? html`<label>Admin key <input type="password" name="key" autocomplete="current-password" required value=${key} onInput=${(event: Event) => { setKey((event.target as HTMLInputElement).value) }} /></label>`
          : html`<p>The admin endpoints of this gateway are open (no key is set).</p>`}
        <button type="submit">Sign in</button>
        ${error === undefined ? null : html`<p class="error" role="alert">${error}</p>`}
      </form>
      <p class="muted">The key is exchanged for a session cookie the page cannot read; it is kept nowhere in the browser.</p>
    </main>`
}

function App () {
  const [session, setSession] = useState<SessionState | undefined>()
  const [view, setView] = useState<View>('Overview')
  const [live, setLive] = useState<LiveSnapshot | undefined>()
  const [liveError, setLiveError] = useState<string | undefined>()

  useEffect(() => {
    api<SessionState>('/dashboard/api/session').then((state) => { setCsrf(state.csrf); setSession(state) }, (error: Error) => { setLiveError(error.message) })
  }, [])
  // One live feed for the page, whichever view is open: the overview shows it, the log reloads on new traffic.
  useEffect(() => {
    if (session?.signedIn !== true) return
    const source = new EventSource('/dashboard/api/live')
    source.addEventListener('snapshot', (event) => { setLive(JSON.parse((event as MessageEvent<string>).data) as LiveSnapshot); setLiveError(undefined) })
    source.onerror = () => { setLiveError('The live feed is interrupted; reconnecting…') }
    return () => { source.close() }
  }, [session?.signedIn])

  if (session === undefined) return html`<p class="loading">${liveError ?? 'Loading…'}</p>`
  if (!session.signedIn) return html`<${SignIn} session=${session} signedIn=${(next: SessionState) => { setCsrf(next.csrf); setSession(next) }} />`

  const signOut = (): void => {
    api('/dashboard/api/session', 'DELETE').finally(() => { setCsrf(undefined); setLive(undefined); setSession({ ...session, signedIn: false }) })
  }
  const providers = live?.providers.map((provider) => provider.name) ?? []
  return html`
    <header>
      <h1>Switchyard</h1>
      <nav aria-label="Views">
        ${VIEWS.map((name) => html`<button class=${name === view ? 'tab active' : 'tab'} aria-current=${name === view ? 'page' : undefined} onClick=${() => { setView(name) }}>${name}</button>`)}
      </nav>
      <button class="signout" onClick=${signOut}>Sign out</button>
    </header>
    ${session.readOnly ? html`<p class="notice" role="status" data-testid="read-only">Read-only: ${session.readOnlyReason}</p>` : null}
    <main>
      ${view === 'Overview' ? html`<${Overview} live=${live} error=${liveError} />` : null}
      ${view === 'Log' ? html`<${Log} lastRequestId=${live?.lastRequest?.id} providers=${providers} />` : null}
      ${view === 'Costs' ? html`<${Costs} />` : null}
      ${view === 'Providers' ? html`<${Providers} readOnly=${session.readOnly} />` : null}
      ${view === 'Keys' ? html`<${Keys} readOnly=${session.readOnly} />` : null}
      ${view === 'Routing' ? html`<${Routing} />` : null}
    </main>`
}

render(html`<${App} />`, document.getElementById('app') as HTMLElement)
