import { pgEnum, pgSchema } from "drizzle-orm/pg-core";

/* Shared enums, used by another file. */
export const mood = pgEnum("Mood", ["happy", "sad"]);
export const shop = pgSchema("shop");
export const orderState = shop.enum("order_state", ["new", "paid"]);
