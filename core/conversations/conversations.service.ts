import type { Clock, CoreContext, Db, DbOrTx, TxOptions } from "../shared/index.ts";
import { conflict, invalidData } from "../shared/index.ts";

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
  get<S>(ctx: CoreContext, key: ConversationKey, opts?: TxOptions): Promise<Conversation<S>>;
  /**
   * Compare-and-swap: reads the state, calls `fn`, and writes its new state only if nobody wrote in
   * between; otherwise re-reads and calls `fn` again (so `fn` must be free of side effects).
   * Throws `conflict("conversation_busy")` after `maxAttempts` lost races.
   */
  update<S, R>(
    ctx: CoreContext,
    key: ConversationKey,
    fn: (current: S | null, version: number) => UpdateStep<S, R> | Promise<UpdateStep<S, R>>,
    opts?: TxOptions & { maxAttempts?: number },
  ): Promise<{ result: R; state: S | null; version: number; written: boolean }>;
  /** Writes `state` only if the stored version is still `expectedVersion`; returns the new version or null. */
  compareAndSet<S>(
    ctx: CoreContext,
    key: ConversationKey,
    expectedVersion: number,
    state: S | null,
    opts?: TxOptions,
  ): Promise<number | null>;
  clear(ctx: CoreContext, key: ConversationKey, opts?: TxOptions): Promise<void>;
}

export interface ConversationsDeps {
  db: Db;
  clock: Clock;
  /** States larger than this (serialized) are refused: they are pointers into a flow, not data stores. */
  maxStateBytes?: number;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkKey(key: ConversationKey) {
  if (!UUID_RE.test(key.userId) || !key.channel || !key.chatId)
    throw invalidData("invalid_conversation_key", "userId (uuid), channel and chatId are required");
}

export function createConversations({ db, clock, maxStateBytes = 16 * 1024 }: ConversationsDeps): Conversations {
  const q = (opts?: TxOptions): DbOrTx => opts?.tx ?? db;

  async function read<S>(dbx: DbOrTx, key: ConversationKey): Promise<Conversation<S>> {
    const rows = await dbx.$queryRaw<{ state: unknown; version: number }[]>`
      SELECT state, version FROM conversation_states
      WHERE user_id = ${key.userId}::uuid AND channel = ${key.channel} AND chat_id = ${key.chatId}`;
    const r = rows[0];
    return r ? { state: r.state as S | null, version: r.version } : { state: null, version: 0 };
  }

  async function cas<S>(dbx: DbOrTx, key: ConversationKey, expected: number, state: S | null): Promise<number | null> {
    const json = JSON.stringify(state ?? null);
    if (Buffer.byteLength(json) > maxStateBytes)
      throw invalidData("conversation_state_too_large", `conversation state is larger than ${maxStateBytes} bytes`);
    const now = clock.now();
    if (expected === 0) {
      const n = await dbx.$executeRaw`
        INSERT INTO conversation_states (user_id, channel, chat_id, state, version, updated_at)
        VALUES (${key.userId}::uuid, ${key.channel}, ${key.chatId}, ${json}::jsonb, 1, ${now})
        ON CONFLICT (user_id, channel, chat_id) DO NOTHING`;
      return n === 1 ? 1 : null;
    }
    const n = await dbx.$executeRaw`
      UPDATE conversation_states SET state = ${json}::jsonb, version = version + 1, updated_at = ${now}
      WHERE user_id = ${key.userId}::uuid AND channel = ${key.channel} AND chat_id = ${key.chatId}
        AND version = ${expected}`;
    return n === 1 ? expected + 1 : null;
  }

  return {
    async get<S>(_ctx: CoreContext, key: ConversationKey, opts?: TxOptions) {
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
      await q(opts).$executeRaw`
        DELETE FROM conversation_states
        WHERE user_id = ${key.userId}::uuid AND channel = ${key.channel} AND chat_id = ${key.chatId}`;
    },
  };
}
