/** What the gateway may know of a secret without reading its value. */
export interface SecretDescription {
  name: string
  tags: Record<string, string>
}

/** Where backend credentials live; the agents table keeps only the ARN. */
export interface SecretStore {
  /** Stores a new secret, with these tags, and returns its ARN. */
  create(name: string, value: string, tags?: Record<string, string>): Promise<string>
  /** Deletes a secret; one that is already gone is not an error. */
  delete(arn: string): Promise<void>
  /**
   * Reads a secret's current value; may be cached briefly, unless `fresh` (after
   * a backend refused a credential: the secret may have been rotated).
   */
  read(arn: string, options?: { fresh?: boolean }): Promise<string>
  /**
   * A secret's name and tags, never its value; undefined when no such secret
   * exists; SecretAccessDeniedError when the gateway may not see it.
   */
  describe(arn: string): Promise<SecretDescription | undefined>
}
