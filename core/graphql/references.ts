// Small resolver helpers every subgraph uses for relations.

/** An entity stub for a row owned by another subgraph: the gateway resolves it there. */
export const entityReference = (__typename: string, id: string | null) => (id ? { __typename, id } : null);

/** Load a related row when the reference is set; null otherwise. */
export const loadOptional = <T>(id: string | null, load: (id: string) => Promise<T>) => (id ? load(id) : null);
