import { newId, SecretBox, type Db } from "../../../core/shared/index.ts";

export const testSecrets = () => new SecretBox(Buffer.alloc(32, 7));

/** A category with one product of the given delivery kind, written straight to the tables. */
export async function createProduct(db: Db, deliveryKind: "CODE" | "DIRECT" = "CODE"): Promise<string> {
  const categoryId = newId();
  const productId = newId();
  await db.category.create({ data: { id: categoryId, slug: `c-${categoryId}`, nameZh: "卡", nameEn: "Cards" } });
  await db.product.create({
    data: {
      id: productId,
      sku: `SKU-${productId}`,
      categoryId,
      nameZh: "卡",
      nameEn: "Card",
      faceValue: 1000n,
      currency: "CNY",
      price: 990n,
      deliveryKind,
      targetKind: deliveryKind === "DIRECT" ? "MOBILE" : null,
    },
  });
  return productId;
}

export async function* chunksOf(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}
