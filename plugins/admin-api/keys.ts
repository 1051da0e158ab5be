import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { notFound } from '../../src/canonical/errors.ts'
import { usageOf } from '../../src/governance/admission.ts'
import { CreateKeySchema, KeySettingsSchema, PatchKeySchema, type CreateKey, type PatchKey, type VirtualKey } from '../../src/governance/virtual-key.ts'
import { Nullable } from '../../src/canonical/nullable.ts'

const BudgetSchema = Nullable(Type.Object({ limitUsd: Type.Number(), usedUsd: Type.Number(), remainingUsd: Type.Number(), resetsAt: Type.String() }))

const KeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  settings: KeySettingsSchema,
  createdAt: Type.String(),
  updatedAt: Type.String(),
  usage: Type.Object({
    window: Type.Object({ seconds: Type.Number(), requests: Type.Integer(), tokens: Type.Integer(), resetsAt: Type.String() }),
    daily: BudgetSchema,
    monthly: BudgetSchema
  })
})

const IdParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })

/**
 * `/providers/keys`: virtual keys made, listed, changed and revoked by an admin. The key itself is answered once,
 * by the POST that makes it; the store keeps only its hash.
 */
export function registerKeyRoutes (app: FastifyInstance): void {
  const view = async (key: VirtualKey): Promise<Static<typeof KeySchema>> => ({
      id: key.id,
      name: key.name,
      settings: key.settings,
      createdAt: new Date(key.createdAt).toISOString(),
      updatedAt: new Date(key.updatedAt).toISOString(),
      usage: await usageOf(app.sharedState, key, Date.now())
  })
  const active = (id: string): VirtualKey => {
    const key = app.keyDirectory.byId(id)
    if (key === undefined || key.revoked) throw notFound(`No virtual key has the id '${id}'.`, 'key_not_found')
    return key
  }

  app.post('/providers/keys', {
    schema: { body: CreateKeySchema, response: { 201: Type.Composite([KeySchema, Type.Object({ key: Type.String({ description: 'shown this once; only its hash is kept' }) })]) } }
  }, async (request, reply) => {
    const { key, secret } = await app.virtualKeys.create(request.body as CreateKey)
    return reply.code(201).send({ ...await view(key), key: secret })
  })

  app.get('/providers/keys', { schema: { response: { 200: Type.Object({ keys: Type.Array(KeySchema) }) } } }, async () => ({
    keys: await Promise.all(app.keyDirectory.all().filter((key) => !key.revoked).map(view))
  }))

  app.get('/providers/keys/:id', { schema: { params: IdParamsSchema, response: { 200: KeySchema } } }, async (request) =>
    await view(active((request.params as { id: string }).id)))

  app.patch('/providers/keys/:id', { schema: { params: IdParamsSchema, body: PatchKeySchema, response: { 200: KeySchema } } }, async (request) =>
    await view(await app.virtualKeys.update((request.params as { id: string }).id, request.body as PatchKey)))

  app.delete('/providers/keys/:id', { schema: { params: IdParamsSchema, response: { 200: Type.Object({ id: Type.String(), revoked: Type.Literal(true) }) } } }, async (request) => {
    const { id } = request.params as { id: string }
    active(id)
    await app.virtualKeys.revoke(id)
    return { id, revoked: true as const }
  })
}
