-- The order's price breakdown, computed once at placement (docs/order-pipeline.md); settlement posts from it.
-- AlterTable
ALTER TABLE "orders" ADD COLUMN     "pricing" JSONB;
