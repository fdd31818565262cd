/**
 * Limits of `steward query`, apart from the engine: the CLI reads them when it registers its options, without
 * loading DuckDB (a native addon) on every start (`steward --help` included).
 */

/** Default statement timeout. */
export const DEFAULT_QUERY_TIMEOUT_MS = 60_000;
