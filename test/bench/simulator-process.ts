import { startSimulator } from '../../providers/openai/simulator.ts'
import type { SimulatorScript } from '../../src/simulator/reply-plan.ts'

// The OpenAI simulator as its own process for the benchmark. SIM_SCRIPT (JSON) sets what it answers; it prints
// `{"url","apiKey"}` on one line once it listens.

const simulator = await startSimulator(0)
simulator.script = JSON.parse(process.env.SIM_SCRIPT ?? '{}') as SimulatorScript
// The simulator records requests for tests; a benchmark sends hundreds of thousands.
setInterval(() => { simulator.requests.length = 0 }, 500).unref()
process.stdout.write(`${JSON.stringify({ url: simulator.url, apiKey: simulator.apiKey })}\n`)
process.once('SIGTERM', () => { void simulator.close().then(() => process.exit(0)) })
