/** Where backend credentials live; the agents table keeps only the ARN. */
export interface SecretStore {
  /** Stores a new secret and returns its ARN. */
  create(name: string, value: string): Promise<string>
  /** Deletes a secret; one that is already gone is not an error. */
  delete(arn: string): Promise<void>
}
