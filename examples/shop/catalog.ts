/**
 * What the shop sells. Prices are in cents; stock is what the fake warehouse starts with (the
 * limited print sells out after a few orders, to show an order failing for good and its
 * reservation released).
 */
export interface Product {
  sku: string;
  name: string;
  price: number;
  stock: number;
}

export const catalog: readonly Product[] = [
  { sku: 'mug', name: 'Spool mug', price: 1200, stock: 10_000 },
  { sku: 'tee', name: 'Spool T-shirt', price: 2500, stock: 10_000 },
  { sku: 'stickers', name: 'Sticker pack', price: 500, stock: 10_000 },
  { sku: 'print', name: 'Limited print (numbered)', price: 4000, stock: 3 },
];

export function productOf(sku: string): Product | undefined {
  return catalog.find((p) => p.sku === sku);
}
