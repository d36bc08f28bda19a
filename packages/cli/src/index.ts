// Programmatic entry of @hooks/cli: the audit and the table, for scripts such as the repo's demo.
export { type AuditOptions, audit, type CaseResult, type Expected, type Verdict } from "./audit";
export { type Profile, profileNames, profileOf } from "./profiles";
export { table } from "./table";
