import { openAIWire, startOpenAICompatibleSimulator } from '../../src/dev/openai-compatible-simulator.ts'
import type { ProviderSimulator } from '../../src/dev/http-simulator.ts'
import { simulatedModelList } from './simulated-models.ts'

/** OpenAI's chat completions API: `call_` + 24 alphanumeric tool ids, usage chunk only when asked. */
export function startSimulator (port = 0): Promise<ProviderSimulator> {
  return startOpenAICompatibleSimulator({
    displayName: 'OpenAI',
    basePath: '/v1',
    apiKey: 'sk-simulated-openai-key-0000',
    toolCallId: (next) => `call_${next(24)}`,
    modelList: simulatedModelList,
    ...openAIWire
  }, port)
}
