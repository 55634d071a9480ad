/** Where backend credentials live; the agents table keeps only the ARN. */
export interface SecretStore {
  /** Stores a new secret and returns its ARN. */
  create(name: string, value: string): Promise<string>
  /** Deletes a secret; one that is already gone is not an error. */
  delete(arn: string): Promise<void>
  /**
   * Reads a secret's current value; may be cached briefly, unless `fresh` (after
   * a backend refused a credential: the secret may have been rotated).
   */
  read(arn: string, options?: { fresh?: boolean }): Promise<string>
}
