import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { notFound } from '../../src/canonical/errors.ts'
import { GroupSchema, type GroupDeclaration } from '../../src/model-groups/group-file.ts'

const GroupViewSchema = Type.Composite([
  Type.Object({
    name: Type.String(),
    source: Type.Union([Type.Literal('file'), Type.Literal('api')]),
    /** Members whose provider is enabled now, as `provider:model` sent upstream. */
    enabledMembers: Type.Array(Type.String())
  }),
  GroupSchema
])

const NameParams = Type.Object({ name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*$', maxLength: 100 }) })

/** `/providers/groups`: model groups from MODEL_GROUPS_FILE and those declared here, which are stored. */
export function registerGroupRoutes (app: FastifyInstance): void {
  const view = (name: string, declaration: GroupDeclaration, source: 'file' | 'api') => ({
    name,
    source,
    enabledMembers: app.router.groups().find((group) => group.name === name)?.members.map((member) => `${member.provider.name}:${member.model}`) ?? [],
    ...declaration
  })

  app.get('/providers/groups', { schema: { response: { 200: Type.Object({ groups: Type.Array(GroupViewSchema) }) } } }, async () => ({
    groups: app.router.groupDeclarations().map(({ name, declaration, source }) => view(name, declaration, source))
  }))

  app.put('/providers/groups/:name', { schema: { params: NameParams, body: GroupSchema, response: { 200: GroupViewSchema } } }, async (request) => {
    const { name } = request.params as { name: string }
    const declaration = request.body as GroupDeclaration
    await app.routingDeclarations.putGroup(name, declaration)
    return view(name, declaration, 'api')
  })

  app.delete('/providers/groups/:name', { schema: { params: NameParams } }, async (request, reply) => {
    const { name } = request.params as { name: string }
    if (!await app.routingDeclarations.deleteGroup(name)) throw notFound(`No model group '${name}' was declared through the admin API.`, 'group_not_found')
    return reply.code(204).send()
  })
}
