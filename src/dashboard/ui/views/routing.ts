import { useEffect, useState } from 'preact/hooks'
import { html } from '../html.ts'
import { api } from '../api.ts'

interface Group { name: string, source: string, strategy: string, enabledMembers: string[] }
interface Experiment { name: string, source: string, model: string, running: boolean, arms: Array<{ name: string, model: string, weight: number }> }

/** Model groups and A/B experiments, as declared (file or admin API). */
export function Routing () {
  const [groups, setGroups] = useState<Group[] | undefined>()
  const [experiments, setExperiments] = useState<Experiment[] | undefined>()
  const [error, setError] = useState<string | undefined>()
  useEffect(() => {
    api<{ groups: Group[] }>('/providers/groups').then((answer) => { setGroups(answer.groups) }, (failure: Error) => { setError(failure.message) })
    api<{ experiments: Experiment[] }>('/providers/experiments').then((answer) => { setExperiments(answer.experiments) }, (failure: Error) => { setError(failure.message) })
  }, [])
  return html`
    <section aria-labelledby="routing-title">
      <h2 id="routing-title">Groups and experiments</h2>
      ${error === undefined ? null : html`<p class="error" role="alert">${error}</p>`}
      <h3>Model groups</h3>
      ${groups?.length === 0 ? html`<p class="empty">No model group is declared (MODEL_GROUPS_FILE or PUT /providers/groups/:name).</p>` : html`
        <ul>${(groups ?? []).map((group) => html`<li><strong>${group.name}</strong> (${group.strategy}, ${group.source}): ${group.enabledMembers.join(', ') || 'no member enabled'}</li>`)}</ul>`}
      <h3>Experiments</h3>
      ${experiments?.length === 0 ? html`<p class="empty">No experiment is declared.</p>` : html`
        <ul>${(experiments ?? []).map((experiment) => html`<li><strong>${experiment.name}</strong> on <code>${experiment.model}</code> (${experiment.running ? 'running' : 'not running'}, ${experiment.source}): ${experiment.arms.map((arm) => `${arm.name} ${arm.weight}`).join(' / ')}</li>`)}</ul>`}
    </section>`
}
