// autocannon ships no types: the part bench/soak.ts uses.
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      connections?: number;
      duration?: number;
      timeout?: number;
      requests?: Record<string, unknown>[];
    }
    interface Result {
      requests: { total: number; average: number };
      latency: { p99: number };
      errors: number;
      timeouts: number;
    }
  }
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  export default autocannon;
}
