import { createSkillExecutor } from '../a2a/skill-executor.ts'
import { type RunningAgent, type ServeOptions, serveAgent } from '../serve.ts'
import { weatherCard } from './card.ts'
import { createWeatherSkill } from './skill.ts'

/**
 * Starts the weather agent (skill `get_weather`) on A2A 1.0, JSON-RPC and
 * HTTP+JSON, on 127.0.0.1 and a free port unless told otherwise. It answers
 * from bundled climate normals and never calls the network.
 *
 * @example
 * const weather = await startWeatherAgent({ port: 4001 })
 * await weather.close()
 */
export function startWeatherAgent(options?: ServeOptions): Promise<RunningAgent> {
  return serveAgent(
    {
      agentId: 'weather',
      buildCard: weatherCard,
      executor: createSkillExecutor(createWeatherSkill()),
    },
    options,
  )
}
