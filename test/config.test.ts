import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { buildApp } from '../src/app.ts'

t.test('a bad value stops start-up with a message naming the variable', async (t) => {
  await t.rejects(buildApp({ env: { PORT: 'eighty' } }), /PORT/)
  await t.rejects(buildApp({ env: { REQUEST_TIMEOUT_MS: '-5' } }), /REQUEST_TIMEOUT_MS/)
  await t.rejects(buildApp({ env: { LOG_LEVEL: 'chatty' } }), /LOG_LEVEL/)
  await t.rejects(buildApp({ env: { GROQ_API_KEY: 'k', GROQ_DISPATCH_MODE: 'sometimes' } }),
    /GROQ_DISPATCH_MODE must be one of off, exclusive, pooled, fallback/)
  await t.rejects(buildApp({ env: { MISTRAL_WEIGHT: 'heavy' } }), /MISTRAL_WEIGHT must be a number >= 0/)
  await t.rejects(buildApp({ env: { OPENAI_BASE_URL: 'ftp://example' } }), /OPENAI_BASE_URL must be an http\(s\) URL/)
  await t.rejects(buildApp({ env: { TOGETHER_MODEL_MAP: 'a=b=c' } }), /TOGETHER_MODEL_MAP must be/)
})

t.test('defaults follow the contract and per-provider settings are read', async (t) => {
  const app = await buildApp({ env: { LOG_LEVEL: 'silent', STORE_URL: 'memory', GROQ_API_KEY: 'k', GROQ_WEIGHT: '3', GROQ_MODEL_MAP: 'gpt-4o=llama-3.3-70b-versatile', MISTRAL_API_KEY: 'k', MISTRAL_DISPATCH_MODE: 'off' } })
  t.teardown(() => app.close())
  t.equal(app.config.PORT, 8094)
  t.equal(app.config.HOST, '127.0.0.1')
  t.equal(app.config.DEFAULT_PROVIDER, 'gemini')
  t.equal(app.config.REQUEST_TIMEOUT_MS, 120000)
  t.equal(app.config.BODY_LIMIT_BYTES, 33554432)
  const groq = app.providers.get('groq')
  t.equal(groq?.settings.weight, 3)
  t.same(groq?.settings.modelMap, { 'gpt-4o': 'llama-3.3-70b-versatile' })
  t.equal(groq?.settings.baseUrl, 'https://api.groq.com/openai/v1')
  t.equal(app.providers.get('mistral')?.enabled, false, 'off with a key set is not enabled')
  t.equal(app.providers.get('openai')?.enabled, false, 'no key, not enabled')
})

t.test('the server entry refuses a bad setting with one line naming it, not a stack trace', async (t) => {
  const root = new URL('../', import.meta.url)
  for (const [name, value] of [['DEFAULT_PROVIDER', 'nosuch'], ['PORT', 'eighty']] as const) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, STORE_URL: 'memory', [name]: value },
      stdio: ['ignore', 'ignore', 'pipe']
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const [code] = await once(child, 'exit') as [number | null]
    t.equal(code, 1, `${name}=${value}: exit 1`)
    const lines = stderr.trim().split('\n')
    t.equal(lines.length, 1, `${name}=${value}: one line`)
    t.match(lines[0], new RegExp(`^switchyard: cannot start: .*${name}`))
  }
})
