import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { notFound, unauthenticated } from '../src/canonical/errors.ts'
import { eitherProtocolErrorHandler } from '../src/reply/error-handler.ts'
import { anthropicModel, listedModels, openAIModel, type ListedModel } from './model-listing.ts'

export interface ModelsApiOptions {
  bodyLimitBytes: number
}

/** An Anthropic SDK says so by its version header, or by sending its key as `x-api-key`. */
const isAnthropicClient = (request: FastifyRequest): boolean =>
  request.headers['anthropic-version'] !== undefined || (request.headers['x-api-key'] !== undefined && request.headers.authorization === undefined)

const AnthropicPageSchema = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^([1-9][0-9]{0,2}|1000)$' })),
  after_id: Type.Optional(Type.String({ maxLength: 300 })),
  before_id: Type.Optional(Type.String({ maxLength: 300 }))
})

/**
 * `GET /v1/models` and `GET /v1/models/:id` for both protocols: OpenAI's list to OpenAI clients, Anthropic's
 * paged list to Anthropic clients, errors in the caller's shape. The lists are rebuilt only when the routing
 * tables are (a model list refreshed, a group declared), never per request.
 */
const modelsApi: FastifyPluginAsync<ModelsApiOptions> = async (app, options) => {
  let built: { version: number, models: ListedModel[], byId: Map<string, ListedModel>, openAI: string } | undefined
  const current = (): NonNullable<typeof built> => {
    if (built?.version !== app.router.version) {
      const models = listedModels(app.providers.enabled(), app.router.groups())
      built = {
        version: app.router.version,
        models,
        byId: new Map(models.map((model) => [model.id, model])),
        openAI: JSON.stringify({ object: 'list', data: models.map(openAIModel) })
      }
    }
    return built
  }

  app.addHook('onRequest', (request, _reply, done) => {
    const refusal = app.clientAuth.refusal(request, { allowXApiKey: true })
    done(refusal === undefined ? undefined : unauthenticated(`${refusal} Send it as \`Authorization: Bearer <key>\` or \`x-api-key\`.`))
  })
  app.setErrorHandler(eitherProtocolErrorHandler(4 * options.bodyLimitBytes, isAnthropicClient))

  app.get('/models', { schema: { querystring: AnthropicPageSchema } }, async (request, reply) => {
    const { models, openAI } = current()
    if (!isAnthropicClient(request)) return reply.type('application/json').send(openAI)
    const query = request.query as { limit?: string, after_id?: string, before_id?: string }
    return anthropicPage(models, { ...query, limit: query.limit === undefined ? undefined : Number(query.limit) })
  })

  app.get('/models/*', async (request, reply) => {
    const id = (request.params as { '*': string })['*']
    const model = findModel(current().byId, id, app.providers.enabled().map((provider) => provider.name), app.router.plan)
    if (model === undefined) throw notFound(`The model '${id}' does not exist.`, 'model_not_found')
    return reply.send(isAnthropicClient(request) ? anthropicModel(model) : openAIModel(model))
  })
}

/**
 * A listed id; or, unprefixed, the model as routing would send it: the first attempt of its plan, when that
 * provider lists it.
 */
function findModel (byId: ReadonlyMap<string, ListedModel>, id: string, providers: readonly string[], plan: (model: string) => { attempts: ReadonlyArray<{ provider: { name: string }, model: string }> }): ListedModel | undefined {
  const listed = byId.get(id)
  if (listed !== undefined || id.includes(':') || providers.length === 0) return listed
  try {
    const first = plan(id).attempts[0]
    return first === undefined || first.model !== id ? undefined : byId.get(`${first.provider.name}:${id}`)
  } catch {
    return undefined
  }
}

/** Anthropic's list: `limit` (20 by default) from after `after_id` or before `before_id`, with `has_more`. */
function anthropicPage (models: readonly ListedModel[], query: { limit?: number | undefined, after_id?: string, before_id?: string }): Record<string, unknown> {
  const limit = query.limit ?? 20
  let start = 0
  let end = models.length
  if (query.after_id !== undefined) start = models.findIndex((model) => model.id === query.after_id) + 1
  if (query.before_id !== undefined) {
    const at = models.findIndex((model) => model.id === query.before_id)
    end = at === -1 ? models.length : at
    start = query.after_id === undefined ? Math.max(0, end - limit) : start
  }
  const page = models.slice(start, Math.min(end, start + limit))
  return {
    data: page.map(anthropicModel),
    has_more: start + page.length < end,
    first_id: page[0]?.id ?? null,
    last_id: page.at(-1)?.id ?? null
  }
}

export default modelsApi
