-- An approval request its asker no longer wants (a withdrawal the user cancelled) is WITHDRAWN: it leaves
-- the staff queue and can no longer be approved.
ALTER TABLE "approval_requests" DROP CONSTRAINT "approval_requests_status_check";
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_status_check"
    CHECK ("status" IN ('PENDING', 'APPROVED', 'EXECUTED', 'FAILED', 'REJECTED', 'EXPIRED', 'WITHDRAWN'));
