import { startSimulator as startOpenAI } from '../../providers/openai/simulator.ts'
import { startSimulator as startGemini } from '../../providers/gemini/simulator.ts'
import { startSimulator as startAnthropic } from '../../providers/anthropic/simulator.ts'
import type { SimulatorScript } from '../../src/dev/reply-plan.ts'

// A provider simulator as its own process for the benchmark: SIM_PROVIDER picks which (openai by default),
// SIM_SCRIPT (JSON) sets what it answers. It prints `{"url","apiKey"}` on one line once it listens.

const starters = { openai: startOpenAI, gemini: startGemini, anthropic: startAnthropic }
const simulator = await starters[(process.env.SIM_PROVIDER ?? 'openai') as keyof typeof starters](0)
simulator.script = JSON.parse(process.env.SIM_SCRIPT ?? '{}') as SimulatorScript
// The simulator records requests for tests; a benchmark sends hundreds of thousands.
setInterval(() => { simulator.requests.length = 0 }, 500).unref()
process.stdout.write(`${JSON.stringify({ url: simulator.url, apiKey: simulator.apiKey })}\n`)
process.once('SIGTERM', () => { void simulator.close().then(() => process.exit(0)) })
