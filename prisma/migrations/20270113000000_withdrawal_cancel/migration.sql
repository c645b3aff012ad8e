-- A distributor may take back a PENDING withdrawal in chat (core/withdrawals `cancel`): its hold is released.
ALTER TABLE "withdrawals" DROP CONSTRAINT "withdrawals_status_check";
ALTER TABLE "withdrawals" ADD CONSTRAINT "withdrawals_status_check"
    CHECK ("status" IN ('PENDING', 'PAYING', 'PAID', 'REJECTED', 'EXPIRED', 'FAILED', 'CANCELLED'));
