// `npm run check:layers`: the import rules of docs/architecture.md, checked on every `npm test`.
const TESTS = '(\\.test\\.ts$|^test/)'
const DEV = '(^src/dev/|^src/demo\\.ts$|/simulator\\.ts$|/simulated-models\\.ts$)'

export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Two modules that need each other are one module or share a third (src/call/types.ts).',
      severity: 'error',
      from: {},
      to: { circular: true }
    },
    {
      name: 'core-names-no-provider',
      comment: 'Core reaches providers only through the registry; a provider folder is dropped in with no core change.',
      severity: 'error',
      from: { path: '^(src|plugins)/', pathNot: TESTS },
      to: { path: '^providers/' }
    },
    {
      name: 'ingress-is-pure',
      comment: 'Ingress decodes and encodes one protocol; it never opens a call, sends a reply or reads app state.',
      severity: 'error',
      from: { path: '^src/ingress/', pathNot: TESTS },
      to: { path: '^(src/call|src/reply|src/observability|plugins|providers)/' }
    },
    {
      name: 'translators-are-pure',
      comment: 'Canonical types, shared translators and provider translators do no I/O and know no call or route.',
      severity: 'error',
      from: { path: '^(src/canonical|src/openai-compatible|src/provider|providers)/', pathNot: `${TESTS}|${DEV}|^src/provider/(discovery|plugin|pricing)\\.ts$` },
      to: { path: '^(src/call|src/reply|src/ingress|src/observability|src/config|plugins)/|^(node:)?(http|https|net|fs|fs/promises|child_process)$|^node_modules/(undici|fastify|@fastify)/' , dependencyTypesNot: ['type-only'] }
    },
    {
      name: 'call-path-stays-below-plugins',
      comment: 'Nothing in src/call/ knows the routes, the plugins or how a reply is written.',
      severity: 'error',
      from: { path: '^src/call/' },
      to: { path: '^(plugins|src/ingress|src/reply)/' }
    },
    {
      name: 'no-upward-imports',
      comment: 'Only the app wires plugins; the rest of src/ is below them.',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/app\\.ts$|${TESTS}|${DEV}` },
      to: { path: '^plugins/' }
    },
    {
      name: 'dev-tools-stay-out',
      comment: 'Simulators and the demo are development tools: the gateway itself never loads them.',
      severity: 'error',
      from: { pathNot: `${TESTS}|${DEV}` },
      to: { path: DEV }
    },
    {
      name: 'public-api-only',
      comment: 'A dependency is used through what it exports, never by loading one of its internal files.',
      severity: 'error',
      from: {},
      to: {
        path: ['^node_modules/[^@/][^/]*/(lib|src|internal)/', '^node_modules/@[^/]+/[^/]+/(lib|src|internal)/'],
        // A package's own entry point (its `main`) may live in such a folder: what it resolves to is public.
        pathNot: ['^node_modules/[^@/][^/]*/lib/index\\.js$', '^node_modules/fast-check/lib/fast-check\\.js$', '^node_modules/pngjs/lib/png\\.js$']
      }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|coverage|\\.tap)/' }
  }
}
