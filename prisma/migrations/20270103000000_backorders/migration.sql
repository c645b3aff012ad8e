-- 补单 / backorders (issue 11 §2): a product may accept paid orders while it is out of stock. Such an order
-- waits in AWAITING_STOCK (its money in escrow) until codes are imported (oldest first) or staff re-route or
-- refund it; the backorders job refunds the ones waiting longer than BACKORDER_MAX_WAIT_MINUTES.
ALTER TABLE "products" ADD COLUMN "accept_backorders" BOOLEAN NOT NULL DEFAULT false;

-- The waiting queue of a product, oldest payment first (the fill's FIFO, the staff list, the overdue sweep).
CREATE INDEX "orders_awaiting_stock_idx" ON "orders" ("product_id", "paid_at", "id") WHERE "status" = 'AWAITING_STOCK';
