-- AlterTable: orders carry their line's site. Existing rows are filled from assets.line once,
-- here in the migration; from now on the release command supplies it.
ALTER TABLE "orders"."production_order" ADD COLUMN "site_id" UUID;
UPDATE "orders"."production_order" o SET "site_id" = l."site_id" FROM "assets"."line" l WHERE l."id" = o."line_id";
ALTER TABLE "orders"."production_order" ALTER COLUMN "site_id" SET NOT NULL;

-- CreateIndex
CREATE INDEX "production_order_site_id_status_idx" ON "orders"."production_order"("site_id", "status");
