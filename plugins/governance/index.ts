import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import type { FastifyPluginAsync } from 'fastify'
import { admit, settle, type Reservation } from '../../src/governance/admission.ts'
import { promptTokenBound, worstCaseCost } from '../../src/governance/worst-case-cost.ts'
import { NANO_USD_PER_USD } from '../../src/governance/virtual-key.ts'
import { GatewayError } from '../../src/canonical/errors.ts'
import { CounterFamily } from '../metrics/families.ts'
import { narrowPlan, pricedOnly } from './narrow-plan.ts'
import '../../src/ingress/model-route.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** What a virtual key's request holds in its budgets and windows until it settles. */
    reservation: Reservation | null
  }
}

interface GovernedBody {
  model: string
  max_tokens?: number | null
  max_completion_tokens?: number | null
}

/**
 * A virtual key's rules on each model request, before the handler: its allowed providers and models narrow the
 * plan; its rate limits count the request; its budgets reserve the worst case, settled with the real cost when
 * the response is over (cut and aborted streams pay for what they used). Counts live in the shared state, so
 * they hold across replicas and workers.
 */
const governance: FastifyPluginAsync = async (app) => {
  const registry = app.metrics.prometheus().registry
  const keyRequests = new CounterFamily('switchyard_key_requests_total',
    'Model requests by virtual key name and outcome (admitted, rate_limited, over_budget, not_allowed)', ['key', 'outcome'], registry)
  const keyCost = new CounterFamily('switchyard_key_cost_usd_total', 'Cost in USD charged to each virtual key\'s budgets and history', ['key'], registry)
  const keyTokens = new CounterFamily('switchyard_key_tokens_total', 'Tokens (input and output) used under each virtual key', ['key'], registry)

  const sharedUp = new Gauge({
    name: 'switchyard_shared_state_up',
    help: '1 while limits and budgets count in the shared state (Redis, or this process without REDIS_URL); 0 while Redis is away',
    registers: [registry],
    collect () { sharedUp.set(app.sharedStateStatus().mode === 'shared' ? 1 : 0) }
  })
  const sharedFailures = new Counter({
    name: 'switchyard_shared_state_failures_total',
    help: 'Episodes in which Redis stopped answering (each logged once)',
    registers: [registry],
    collect () { sharedFailures.reset(); sharedFailures.inc(app.sharedStateStatus().failures) }
  })

  app.decorateRequest('reservation', null)

  const release = (reservation: Reservation, costUsd: number, tokens: number): void => {
    settle(app.sharedState, reservation, Math.round(costUsd * NANO_USD_PER_USD), tokens).catch((error: unknown) => {
      app.log.warn({ err: error, key: reservation.key.name }, 'virtual key: settling a request in the shared state failed; its reservation lapses with the period')
    })
  }

  app.metrics.onSettled((request, settled) => {
    const key = request.virtualKey
    if (key === null) return
    keyCost.cell([key.name]).value += settled.cost
    keyTokens.cell([key.name]).value += settled.tokensIn + settled.tokensOut
    const reservation = request.reservation
    if (reservation === null) return
    request.reservation = null
    release(reservation, settled.cost, settled.tokensIn + settled.tokensOut)
  })

  app.addHook('preHandler', (request, reply, done) => {
    const key = request.virtualKey
    if (key === null || request.routeOptions.config.modelRoute !== 'generate') {
      done()
      return
    }
    const body = request.body as GovernedBody
    const budgeted = key.dailyBudgetNanoUsd !== undefined || key.monthlyBudgetNanoUsd !== undefined
    let worstCaseNanoUsd = 0
    try {
      let plan = narrowPlan(app.router.planFor(request, body.model), key, body.model)
      if (budgeted) {
        const bodyBytes = Number(request.headers['content-length']) || Buffer.byteLength(JSON.stringify(body))
        const worst = worstCaseCost(plan.attempts, promptTokenBound(bodyBytes), body.max_completion_tokens ?? body.max_tokens ?? undefined)
        if (worst.unpriced.length > 0 && key.settings.allowUnpriced !== true) plan = pricedOnly(plan, key, body.model, worst.unpriced)
        worstCaseNanoUsd = worst.nanoUsd
      }
      request.routePlan = plan
    } catch (error) {
      // A model the key may not use; a model no provider serves is the plan's 400, not the key's doing.
      if (error instanceof GatewayError && error.kind === 'permission') keyRequests.cell([key.name, 'not_allowed']).value++
      done(error as Error)
      return
    }
    if (!budgeted && key.settings.requestsPerMinute === undefined && key.settings.tokensPerMinute === undefined) {
      keyRequests.cell([key.name, 'admitted']).value++
      done()
      return
    }
    admit(app.sharedState, key, worstCaseNanoUsd, Date.now()).then((reservation) => {
      keyRequests.cell([key.name, 'admitted']).value++
      request.reservation = reservation
      // A request refused or failed before its handler observed it is never settled by the metrics: release here.
      reply.raw.once('close', () => {
        if (request.record === null && request.reservation !== null) {
          request.reservation = null
          release(reservation, 0, 0)
        }
      })
      done()
    }, (error: unknown) => {
      keyRequests.cell([key.name, error instanceof GatewayError && error.code === 'insufficient_quota' ? 'over_budget' : 'rate_limited']).value++
      done(error as Error)
    })
  })
}

export default fp(governance, { name: 'governance', fastify: '5.x', dependencies: ['auth', 'shared-state', 'routing', 'metrics', 'virtual-keys'] })
