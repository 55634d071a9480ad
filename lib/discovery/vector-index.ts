/** What each agent's vector carries besides itself; both keys are filterable. */
export interface VectorMetadata {
  agentId: string
  status: 'active' | 'inactive'
}

export interface IndexedVector {
  /** The agentId: one vector per agent. */
  key: string
  vector: number[]
  metadata: VectorMetadata
}

export interface VectorMatch {
  key: string
  /** Cosine similarity, 1 = same direction. */
  score: number
}

export interface VectorQuery {
  topK: number
  /** Only these agents, and only active ones, may come back. */
  agentIds: readonly string[]
}

export interface VectorIndex {
  put(vectors: IndexedVector[]): Promise<void>
  delete(keys: string[]): Promise<void>
  query(vector: number[], query: VectorQuery): Promise<VectorMatch[]>
}
