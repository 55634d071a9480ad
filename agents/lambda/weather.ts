// Lambda entry of the weather agent (terraform/modules/sample-agents).
import { functionUrlHandler } from '../function-url-adapter.ts'
import { startWeatherAgent } from '../weather/agent.ts'

export const handler = functionUrlHandler(() => startWeatherAgent())
