/**
 * Node keeps a timer's delay as a signed 32-bit count of milliseconds: a longer one fires at
 * once (with a TimeoutOverflowWarning), so a worker told to live 30 days would stop at start.
 * Settings that become timers are capped here, in one place: the server's config, the
 * autoscaler's file and the CLI's flags alike.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The longest whole number of seconds a timer holds: 2147483 s, about 24.8 days. */
export const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);
