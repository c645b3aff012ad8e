import type { Clock, CoreContext, SqlExecutor, SqlRunner, SqlTxOptions } from "../shared/index.ts";
import { conflict, invalidData } from "../shared/index.ts";
import { clearStateSql, insertStateSql, readStateSql, swapStateSql } from "./conversations.sql.ts";

/** One conversation: a user in one chat on one channel (two devices on one chat share it). */
export interface ConversationKey {
  userId: string;
  channel: string;
  chatId: string;
}

export interface Conversation<S> {
  /** `null` when the conversation has no stored state yet. */
  state: S | null;
  /** 0 when nothing is stored; bumped by one on every write. */
  version: number;
}

/** The outcome of an update function: the new state (or `undefined` to leave it untouched) and a result. */
export interface UpdateStep<S, R> {
  state?: S | null;
  result: R;
}

export interface Conversations {
  get<S>(ctx: CoreContext, key: ConversationKey, opts?: SqlTxOptions): Promise<Conversation<S>>;
  /**
   * Compare-and-swap: reads the state, calls `fn`, and writes its new state only if nobody wrote in
   * between; otherwise re-reads and calls `fn` again (so `fn` must be free of side effects).
   * Throws `conflict("conversation_busy")` after `maxAttempts` lost races.
   */
  update<S, R>(
    ctx: CoreContext,
    key: ConversationKey,
    fn: (current: S | null, version: number) => UpdateStep<S, R> | Promise<UpdateStep<S, R>>,
    opts?: SqlTxOptions & { maxAttempts?: number },
  ): Promise<{ result: R; state: S | null; version: number; written: boolean }>;
  /** Writes `state` only if the stored version is still `expectedVersion`; returns the new version or null. */
  compareAndSet<S>(
    ctx: CoreContext,
    key: ConversationKey,
    expectedVersion: number,
    state: S | null,
    opts?: SqlTxOptions,
  ): Promise<number | null>;
  clear(ctx: CoreContext, key: ConversationKey, opts?: SqlTxOptions): Promise<void>;
}

export interface ConversationsDeps {
  sql: SqlRunner;
  clock: Clock;
  /** States larger than this (serialized) are refused: they are pointers into a flow, not data stores. */
  maxStateBytes?: number;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkKey(key: ConversationKey) {
  if (!UUID_RE.test(key.userId) || !key.channel || !key.chatId)
    throw invalidData("invalid_conversation_key", "userId (uuid), channel and chatId are required");
}

export function createConversations({ sql, clock, maxStateBytes = 16 * 1024 }: ConversationsDeps): Conversations {
  const q = (opts?: SqlTxOptions): SqlExecutor => opts?.tx ?? sql;

  async function read<S>(dbx: SqlExecutor, key: ConversationKey): Promise<Conversation<S>> {
    const [r] = await dbx.query<{ state: unknown; version: number }>(readStateSql(key));
    return r ? { state: r.state as S | null, version: r.version } : { state: null, version: 0 };
  }

  async function cas<S>(
    dbx: SqlExecutor,
    key: ConversationKey,
    expected: number,
    state: S | null,
  ): Promise<number | null> {
    const json = JSON.stringify(state ?? null);
    if (Buffer.byteLength(json) > maxStateBytes)
      throw invalidData("conversation_state_too_large", `conversation state is larger than ${maxStateBytes} bytes`);
    const now = clock.now();
    if (expected === 0) return (await dbx.execute(insertStateSql(key, json, now))) === 1 ? 1 : null;
    return (await dbx.execute(swapStateSql(key, json, expected, now))) === 1 ? expected + 1 : null;
  }

  return {
    async get<S>(_ctx: CoreContext, key: ConversationKey, opts?: SqlTxOptions) {
      checkKey(key);
      return read<S>(q(opts), key);
    },

    async update(_ctx, key, fn, opts) {
      checkKey(key);
      const dbx = q(opts);
      const attempts = opts?.maxAttempts ?? 8;
      for (let i = 0; i < attempts; i++) {
        const cur = await read<never>(dbx, key);
        const step = await fn(cur.state, cur.version);
        if (step.state === undefined)
          return { result: step.result, state: cur.state, version: cur.version, written: false };
        const v = await cas(dbx, key, cur.version, step.state);
        if (v !== null) return { result: step.result, state: step.state, version: v, written: true };
      }
      throw conflict("conversation_busy", "the conversation was changed concurrently; try again");
    },

    async compareAndSet(_ctx, key, expectedVersion, state, opts) {
      checkKey(key);
      return cas(q(opts), key, expectedVersion, state);
    },

    async clear(_ctx, key, opts) {
      checkKey(key);
      await q(opts).execute(clearStateSql(key));
    },
  };
}
