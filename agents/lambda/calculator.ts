// Lambda entry of the calculator agent (terraform/modules/sample-agents).
import { startCalculatorAgent } from '../calculator/agent.ts'
import { loadCalculator } from '../calculator/skill.ts'
import { functionUrlHandler } from '../function-url-adapter.ts'

// Its math library is loaded in the init phase, as before it was loaded on first use: the first
// calculation of an execution environment does not wait for it.
export const handler = functionUrlHandler(async () => {
  const [agent] = await Promise.all([startCalculatorAgent(), loadCalculator()])
  return agent
})
