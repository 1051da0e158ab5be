import { parseArgs } from 'node:util'
import { copyStore } from './store/copy.ts'
import { parseStoreUrl } from './store/open-store.ts'

// `npm run store:copy -- --from sqlite:./data/switchyard.db --to postgres://user@host/db`: a store's history into
// another (docs/operations.md). An entry point: it reads argv and writes progress to stdout.

const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } } })
if (values.from === undefined || values.to === undefined) {
  console.error('usage: npm run store:copy -- --from <STORE_URL> --to <STORE_URL>')
  process.exit(2)
}
let shown = ''
const report = await copyStore(parseStoreUrl(values.from), parseStoreUrl(values.to), (table, rows) => {
  const line = `${table}: ${rows}`
  if (rows % 100_000 < 2_000 && line !== shown) console.log((shown = line))
})
console.log(`copied ${report.requests} requests, ${report.rollups} rollup rows, ${report.settings} provider settings and ${report.keys} virtual keys`)
