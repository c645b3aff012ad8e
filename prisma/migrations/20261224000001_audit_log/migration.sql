-- The staff audit trail (core/audit): append-only and hash-chained. Each row stores the previous row's hash
-- and its own, computed over its content; `audit_head` holds the last seq and hash, and appends take its row
-- lock, so concurrent appends form one chain. UPDATE, DELETE and TRUNCATE of audit rows are refused here.
-- CreateTable
CREATE TABLE "audit_log" (
    "seq" BIGINT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "actor" TEXT NOT NULL,
    "actor_kind" TEXT NOT NULL,
    "actor_user_id" UUID,
    "role" TEXT,
    "channel" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "target_type" TEXT,
    "target_id" TEXT,
    "details" JSONB NOT NULL,
    "request_id" TEXT NOT NULL,
    "approval_id" UUID,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "audit_head" (
    "id" SMALLINT NOT NULL,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_head_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "audit_head_one_row" CHECK ("id" = 1)
);

-- CreateIndex
CREATE INDEX "audit_log_target_type_target_id_seq_idx" ON "audit_log"("target_type", "target_id", "seq");

-- CreateIndex
CREATE INDEX "audit_log_actor_user_id_seq_idx" ON "audit_log"("actor_user_id", "seq");

-- The chain starts from 64 zeros.
INSERT INTO "audit_head" ("id", "seq", "hash") VALUES (1, 0, repeat('0', 64));

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'KM002';
END $$;

CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON "audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
