import { join } from 'node:path'
import {
  type GatewayResponseType,
  gatewayProblems,
  problemHeaders,
  problemTemplate,
} from '../lib/gateway-responses.ts'
import { writeGenerated } from './write-generated.ts'

/** One `aws_api_gateway_gateway_response`, in the provider's argument names' order. */
export interface TerraformGatewayResponse {
  statusCode: string
  /** `gatewayresponse.header.{Name}` → a static value, single-quoted as API Gateway wants. */
  responseParameters: Record<string, string>
  responseTemplates: Record<string, string>
}

/**
 * The gateway responses of lib/gateway-responses.ts as the Terraform stack reads
 * them (`terraform/generated/gateway-responses.json`), keyed by response type.
 */
export const terraformGatewayResponses = (): Record<string, TerraformGatewayResponse> =>
  Object.fromEntries(
    (Object.keys(gatewayProblems) as GatewayResponseType[]).map((kind) => [
      kind,
      {
        statusCode: String(gatewayProblems[kind].statusCode),
        responseParameters: Object.fromEntries(
          Object.entries(problemHeaders(kind)).map(([name, value]) => [
            `gatewayresponse.header.${name}`,
            `'${value}'`,
          ]),
        ),
        responseTemplates: { 'application/json': problemTemplate(kind) },
      },
    ]),
  )

/** The file's content: stable formatting, so the committed copy diffs cleanly. */
export const terraformGatewayResponsesJson = () =>
  `${JSON.stringify(terraformGatewayResponses(), null, 2)}\n`

/** Where the stack reads it; committed, so `terraform plan` and the offline checks see it. */
export const terraformGatewayResponsesFile = (root: string) =>
  join(root, 'terraform', 'generated', 'gateway-responses.json')

export const writeTerraformGatewayResponses = (root: string) =>
  writeGenerated(terraformGatewayResponsesFile(root), terraformGatewayResponsesJson())
