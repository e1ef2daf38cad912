/** Reports: everything a person reads about a run, made from its results record alone. */
export { writeRunReport, runReportFiles, FORMATS, type Format, type ReportOptions } from './write.ts';
export { loadResultsFile, loadRuns, resolveInputs, type LoadedRun } from './load.ts';
export { combineRuns, type Combined } from './combine.ts';
export { combinedReportFiles } from './combined-report.ts';
