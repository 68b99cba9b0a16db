// The part of autocannon's programmatic API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  import { EventEmitter } from 'node:events';

  namespace autocannon {
    interface Options {
      url: string;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      maxOverallRequests?: number;
      /** Seconds before a request counts as timed out. */
      timeout?: number;
      /** Milliseconds between samples; the run notices that it is done at the next sample. */
      sampleInt?: number;
    }

    interface Instance extends EventEmitter {
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options, callback?: (err: Error | null, result: unknown) => void): autocannon.Instance;
  export = autocannon;
}
