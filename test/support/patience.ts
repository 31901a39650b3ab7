/**
 * How long a test waits for a condition before it gives up. On a loaded machine (another process
 * busy on every core, ~7 test runs sharing two cores) a step that takes milliseconds when quiet can
 * take tens of seconds; a wait is for the condition, so a long limit costs nothing when it holds
 * and only delays the report when it does not. Below the 60 s test timeout, so a failing wait still
 * names what it waited for.
 */
export const PATIENT_MS = 45_000;
