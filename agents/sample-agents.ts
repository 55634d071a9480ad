import { startCalculatorAgent } from './calculator/agent.ts'
import type { RunningAgent, ServeOptions } from './serve.ts'
import { startWeatherAgent } from './weather/agent.ts'

/** Every sample agent by its agentId, for `npm start` and `agents/run.ts`. */
export const sampleAgents: Record<string, (options?: ServeOptions) => Promise<RunningAgent>> = {
  weather: startWeatherAgent,
  calculator: startCalculatorAgent,
}
