/**
 * The session model: the panel's and the CLI's way in. `createAnalyzer()` for live, incremental use;
 * `analyse()` for a whole capture. The model types are documented in types.ts.
 */
export { analyse, createAnalyzer, type Analyzer, type AnalyzerOptions } from './analyzer.ts';
export type * from './types.ts';
