// Types of yieldloop's JS API (wasm/yieldloop.mjs). Node 20+ and browsers, ESM.

/** The document's examples the runtime carries. */
export interface Example {
  /** e.g. '03_jumping_range' */
  readonly id: string;
  /** the C program's name, e.g. 'jumping_range' */
  readonly program: string;
  /** whether it takes virtualTime (07) */
  readonly virtualTime: boolean;
}

/** A generator in a snapshot. */
export interface GenState {
  id: number;
  name: string;
  state: 'GEN_CREATED' | 'GEN_RUNNING' | 'GEN_SUSPENDED' | 'GEN_CLOSED';
  /** repr() of the last value sent in, of the last value yielded */
  sent: string | null;
  yielded: string | null;
  /** the generator it delegates to (`yield from`) */
  yieldfrom: number | null;
  /** the C line it stands at, 0 if not started */
  line: number;
}

/** An event loop's state (times in ms on the loop's clock). */
export interface LoopState {
  time: number;
  iteration: number;
  phase: 'idle' | 'wait' | 'due' | 'run';
  ready: { repr: string }[];
  scheduled: { repr: string; when: number }[];
  tasks: { id: string; name: string; state: 'PENDING' | 'CANCELLED' | 'FINISHED'; awaits: string; callbacks: number; result: string | null }[];
}

/** One event of a run: the runtime's trace (src/yl_trace.h) or a line of output. */
export interface RunEvent {
  seq: number;
  /** gen.new, gen.resume, gen.yield, gen.return, gen.raise, gen.free, loop.iter, loop.due,
   * loop.handle, loop.wait, loop.stop, or out */
  ev: string;
  /** the C port's line, 0 if unknown */
  line: number;
  /** the loop's clock in ms, null without a loop */
  t: number | null;
  /** a snapshot after the event; null for output */
  state: { gens: GenState[]; loop: LoopState | null } | null;
  /** out: the line printed (no newline) and where */
  text?: string;
  stream?: 'stdout' | 'stderr';
  [field: string]: unknown;
}

export interface RunOptions {
  /** the example's own options, e.g. ['--sends', '3,-2'] */
  args?: string[];
  /** the loop's virtual clock: no real waiting */
  virtualTime?: boolean;
  /** report the runtime's trace events besides output */
  trace?: boolean;
  onEvent?: (event: RunEvent) => void;
}

export interface Run {
  /** the exit code; stopped runs resolve { code: null, stopped: true } */
  readonly done: Promise<{ code: number | null; stopped: boolean }>;
  /** real time: hold the loop's wake-ups until resume() */
  pause(): void;
  resume(): void;
  /** end the run now: nothing more is reported, and the servers it started (08) end */
  stop(): void;
}

/** A value crossing into the runtime: null/undefined (None), booleans, numbers, strings,
 * or any other object, carried by reference and handed back as itself. */
export type Value = unknown;

export interface Handle {
  /** the deadline on the loop's time(); NaN for callSoon's */
  when(): number;
  cancel(): void;
  cancelled(): boolean;
}

export interface Future<T = Value> {
  readonly loop: Loop;
  state(): 'PENDING' | 'CANCELLED' | 'FINISHED';
  done(): boolean;
  cancelled(): boolean;
  /** throws the exception, CancelledError, or InvalidStateError if not done */
  result(): T;
  exception(): Error | null;
  /** InvalidStateError if done */
  setResult(value: T): void;
  setException(error: Error): void;
  cancel(msg?: string): boolean;
  /** fn(future), scheduled with callSoon once done; returns fn */
  addDoneCallback(fn: (future: Future<T>) => void): (future: Future<T>) => void;
  /** how many registrations of fn were removed */
  removeDoneCallback(fn: (future: Future<T>) => void): number;
  /** settled by the loop when the future is done */
  promise(): Promise<T>;
}

export interface LoopOptions {
  virtualTime?: boolean;
  /** exceptions in callbacks (default: console.error) */
  onError?: (text: string) => void;
}

export interface Loop {
  time(): number;
  isRunning(): boolean;
  isClosed(): boolean;
  callSoon(fn: () => void): Handle;
  callLater(delay: number, fn: () => void): Handle;
  callAt(when: number, fn: () => void): Handle;
  createFuture<T = Value>(): Future<T>;
  /** a future done when the promise settles */
  fromPromise<T>(promise: PromiseLike<T>): Future<T>;
  state(): LoopState;
  stop(): void;
  /** resolves when stop() is called */
  runForever(): Promise<void>;
  /** the future's result, or its exception thrown */
  runUntilComplete<T>(future: Future<T> | PromiseLike<T>): Promise<T>;
  close(): void;
}

/** Errors from the runtime, one class per Python exception kind. */
export class YieldloopError extends Error {}
export const errors: { readonly [kind: string]: typeof YieldloopError };

export interface Runtime {
  readonly examples: readonly Example[];
  run(id: string, options?: RunOptions): Run;
  createLoop(options?: LoopOptions): Promise<Loop>;
  readonly errors: typeof errors;
}

export interface LoadOptions {
  /** the folder (URL or path) holding playground.js and playground.wasm; by default
   * wasm/dist beside yieldloop.mjs */
  dist?: string | URL;
  /** stand-ins for them, for a page that inlined both (no folder): playground.js's
   * default export and playground.wasm's bytes */
  factory?: (module: object) => Promise<unknown>;
  wasm?: BufferSource;
}

/** Loads the runtime. */
export function load(options?: LoadOptions): Promise<Runtime>;
