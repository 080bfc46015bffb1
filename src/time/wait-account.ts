import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Time an adjustment spends in a queue of our own making — the client-side rate limiter
 * holding it back so the WFM's budget is kept — is not effort spent on that adjustment,
 * so it is credited back to its time budget. The writer runs each adjustment inside
 * `waitAccount.run(credit, …)`; the limiter reports its waits to whatever credit is
 * current. Without this, a deliberately throttled burst would exhaust time budgets and
 * dead-letter adjustments that never failed once.
 */
// It lives in time/ because both the writer and the WFM client report to it: the client
// credits a clock that jumped while a request was in flight (a suspended VM, a test's jump).
export const waitAccount = new AsyncLocalStorage<(waitedMs: number) => void>();
