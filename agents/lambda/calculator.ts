// Lambda entry of the calculator agent (terraform/modules/sample-agents).
import { startCalculatorAgent } from '../calculator/agent.ts'
import { functionUrlHandler } from '../function-url-adapter.ts'

export const handler = functionUrlHandler(() => startCalculatorAgent())
