import { createProviderPlugin } from '../../src/provider/plugin.ts'
import { definition } from './definition.ts'

export default createProviderPlugin(definition)
